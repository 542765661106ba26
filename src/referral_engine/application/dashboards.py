"""Published dashboards: a read model's dashboard query, always passed through disclosure.

Filters select whole rows only, so that every published row is the same whichever filter shows
it (differences between responses then reveal nothing): a region is a dimension of every
dashboard, a period is widened to whole months of the dashboard's month dimension, and any other
dimension keeps the published rows of one of its values (`where`, after publication: each row is
protected on its own, so a row reads the same with or without it).
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date

from referral_engine.application.disclosure import Dashboard, Published, publish
from referral_engine.application.exports import csv_text
from referral_engine.application.ports import ReadModels
from referral_engine.domain.errors import FieldProblem, InvalidData, NotFound

SUPPRESSED = "x"
"""How a suppressed cell reads in CSV (the statistical convention for 'not published')."""


class DashboardNotFound(NotFound):
    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"no dashboard named '{name}'")


@dataclass(frozen=True)
class Report:
    """One published dashboard: what was asked for, the period applied, the protected rows."""

    name: str
    dashboard: Dashboard
    region: str | None
    start: date | None
    end: date | None
    published: Published
    where: Mapping[str, str] = field(default_factory=dict)
    """The other dimensions' values kept (by dimension)."""


def dashboards(projections: ReadModels) -> dict[str, Dashboard]:
    """Every read model that declares a dashboard."""
    return {
        name: declared
        for name, declared in projections.dashboards().items()
        if isinstance(declared, Dashboard)
    }


def report(
    projections: ReadModels,
    name: str,
    *,
    k: int,
    today: date,
    region: str | None = None,
    start: date | None = None,
    end: date | None = None,
    where: Mapping[str, str] | None = None,
) -> Report:
    """The dashboard for a region and a period of whole months, suppressed for publication;
    of its rows, those with the values `where` gives other dimensions."""
    declared = dashboards(projections).get(name)
    if declared is None:
        raise DashboardNotFound(name)
    start, end = whole_months(declared, name, start, end)
    kept = dict(where or {})
    unknown = sorted(set(kept) - set(declared.dimensions) | set(kept) & {"region", declared.period})
    if unknown:
        problem = f"'{name}' has no other dimension named so: it cannot be filtered by it"
        raise InvalidData([FieldProblem(d, problem, "no_dimension") for d in unknown])
    params = {"region": region, "from": start, "to": end, "today": today}
    rows = projections.query(name, "dashboard", params)
    published = rows_where(publish(rows, declared, k), kept)
    return Report(name, declared, region, start, end, published, kept)


def rows_where(published: Published, where: Mapping[str, str]) -> Published:
    """The published rows whose dimensions hold the values `where` gives (whole rows, their
    suppression unchanged)."""
    if not where:
        return published
    kept = [
        i
        for i, row in enumerate(published.rows)
        if all(str(row.get(d)) == value for d, value in where.items())
    ]
    moved = {old: new for new, old in enumerate(kept)}
    reasons = {(moved[i], c): why for (i, c), why in published.reasons.items() if i in moved}
    return replace(
        published,
        rows=[published.rows[i] for i in kept],
        suppressed=[(moved[i], c) for i, c in published.suppressed if i in moved],
        reasons=reasons,
    )


def whole_months(
    declared: Dashboard, name: str, start: date | None, end: date | None
) -> tuple[date | None, date | None]:
    """The period widened to whole months: from the first of `start`'s to the last of `end`'s."""
    if start is not None and end is not None and start > end:
        raise InvalidData([FieldProblem("from", "must not be after 'to'", "from_after_to")])
    if declared.period is None and (start is not None or end is not None):
        problem = f"'{name}' has no month dimension: its figures cannot be filtered by period"
        raise InvalidData([FieldProblem("from" if start else "to", problem, "no_period")])
    if start is not None:
        start = start.replace(day=1)
    if end is not None:
        end = end.replace(day=calendar.monthrange(end.year, end.month)[1])
    return start, end


def to_csv(report: Report) -> str:
    """The published rows as CSV: suppressed cells read `x`, measures with no value are empty."""
    published = report.published
    return csv_text(
        published.columns,
        (
            [
                SUPPRESSED if (i, column) in published.reasons else row[column]
                for column in published.columns
            ]
            for i, row in enumerate(published.rows)
        ),
    )
