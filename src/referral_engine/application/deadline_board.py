"""The deadline board: overdue and due-soon deadlines and steps not allowed yet, by region and
agency, from the `deadlines` read model. Served as a page and through the API alike."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from referral_engine.application.ports import ReadModels
from referral_engine.domain.errors import RegionNotAllowed

Kind = Literal["overdue", "due_soon", "not_yet_allowed"]
KINDS: tuple[Kind, ...] = ("overdue", "due_soon", "not_yet_allowed")
LIMIT = 500
"""Rows read per kind of row: a board longer than this asks for a narrower filter."""


@dataclass(frozen=True)
class BoardFilter:
    """What the board shows: the caller's regions (None: all), one region and agency, a kind,
    and how many days ahead counts as due soon."""

    today: date
    scope: frozenset[str] | None
    region: str | None = None
    agency: str | None = None
    kind: Kind | None = None
    within: int = 14

    def params(self) -> dict[str, Any]:
        if self.scope is not None and self.region is not None and self.region not in self.scope:
            raise RegionNotAllowed(self.region, "see the deadlines of")
        return {
            "today": self.today,
            "regions": None if self.scope is None else sorted(self.scope),
            "region": self.region,
            "agency": self.agency,
            "limit": LIMIT,
        }


@dataclass(frozen=True)
class Board:
    """Rows of each kind, ordered by region, agency and date, and their counts by group."""

    overdue: list[dict[str, Any]]
    due_soon: list[dict[str, Any]]
    not_yet_allowed: list[dict[str, Any]]
    full: bool
    """Some kind reached the row limit: there may be more than shown."""

    def groups(self) -> list[tuple[str, str, dict[Kind, int]]]:
        """(region, agency, counts by kind) for every group with a row on the board."""
        counts: dict[tuple[str, str], Counter[Kind]] = {}
        for kind in KINDS:
            for row in getattr(self, kind):
                key = (row["region"] or "", row["agency"] or "")
                counts.setdefault(key, Counter())[kind] += 1
        return [(r, a, {k: c[k] for k in KINDS}) for (r, a), c in sorted(counts.items())]


def deadline_board(projections: ReadModels, wanted: BoardFilter) -> Board:
    """The board for `wanted`: only the kind asked for when one is named."""
    params = wanted.params()
    deadlines: list[dict[str, Any]] = []
    if wanted.kind in (None, "overdue", "due_soon"):
        first = wanted.today if wanted.kind == "due_soon" else None
        last = wanted.today + timedelta(days=-1 if wanted.kind == "overdue" else wanted.within)
        deadlines = projections.query("deadlines", "open", {**params, "from": first, "to": last})
    waiting: list[dict[str, Any]] = []
    if wanted.kind in (None, "not_yet_allowed"):
        waiting = projections.query("deadlines", "waiting", params)
    for row in deadlines:
        row["kind"] = "overdue" if row["overdue"] else "due_soon"
        row["days_left"] = (row["due_on"] - wanted.today).days
    for row in waiting:
        row["kind"] = "not_yet_allowed"
        row["days_left"] = (row["earliest_on"] - wanted.today).days

    def kind(name: Kind, rows: list[dict[str, Any]], on: str) -> list[dict[str, Any]]:
        if wanted.kind not in (None, name):
            return []
        return sorted((r for r in rows if r["kind"] == name), key=lambda r: _order(r, on))

    return Board(
        overdue=kind("overdue", deadlines, "due_on"),
        due_soon=kind("due_soon", deadlines, "due_on"),
        not_yet_allowed=kind("not_yet_allowed", waiting, "earliest_on"),
        full=LIMIT in (len(deadlines), len(waiting)),
    )


def _order(row: dict[str, Any], on: str) -> tuple[str, str, date, str]:
    return (row["region"] or "", row["agency"] or "", row[on], str(row["case_id"]))
