"""Disclosure control for published figures: small counts suppressed, and suppressed counts
protected from being recomputed through the totals shown beside them.

Rules (k is the threshold, 5 by default):
1. Primary: a count from 1 to k-1 is suppressed. Zero is shown: it reveals nobody.
2. Secondary, by column: each count column is shown with its total over the rows; a column with
   exactly one suppressed cell would give it away (total minus the rest), so its smallest other
   non-zero cell is suppressed too. A total that is itself from 1 to k-1 is suppressed.
3. Secondary, by row: where a row's count is declared the sum of others (`parts`), the same
   holds within the row: never exactly one suppressed cell among the whole and its parts.
4. Rules 2 and 3 repeat until nothing changes. Derived measures (rates, medians) are suppressed
   when any count they come from is, or when their base count is below k.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Dashboard:
    """How a read model's dashboard rows read: which columns identify a cell, which are counts."""

    dimensions: tuple[str, ...]
    counts: tuple[str, ...]
    parts: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """A count that is the sum of other counts of the same row (e.g. applications)."""
    derived: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """A measure computed from counts; suppressed whenever any of those counts is."""


@dataclass(frozen=True)
class Published:
    """What may leave the system: rows and totals with suppressed cells set to None."""

    rows: list[dict[str, Any]]
    totals: dict[str, Any]
    suppressed: list[tuple[int, str]]
    """(row index, column); row index -1 is the totals row."""
    k: int


def publish(rows: Sequence[Mapping[str, Any]], dashboard: Dashboard, k: int) -> Published:
    """Apply the suppression rules to a dashboard's rows and their column totals."""
    hidden: set[tuple[int, str]] = {
        (i, c) for i, row in enumerate(rows) for c in dashboard.counts if 0 < (row[c] or 0) < k
    }
    totals = {c: sum(int(row[c] or 0) for row in rows) for c in dashboard.counts}
    hidden |= {(-1, c) for c, total in totals.items() if 0 < total < k}
    changed = True
    while changed:
        changed = _protect_columns(rows, dashboard, hidden) | _protect_rows(rows, dashboard, hidden)
    shown = []
    for i, row in enumerate(rows):
        out = dict(row)
        for c in dashboard.counts:
            if (i, c) in hidden:
                out[c] = None
        for measure, sources in dashboard.derived.items():
            if any((i, s) in hidden or 0 < (row[s] or 0) < k for s in sources):
                out[measure] = None
                hidden.add((i, measure))
        shown.append(out)
    total_row = {c: (None if (-1, c) in hidden else v) for c, v in totals.items()}
    return Published(shown, total_row, sorted(hidden), k)


def _protect_columns(
    rows: Sequence[Mapping[str, Any]], dashboard: Dashboard, hidden: set[tuple[int, str]]
) -> bool:
    changed = False
    for c in dashboard.counts:
        members = [(i, c) for i in range(len(rows))] + [(-1, c)]
        changed |= _pair(members, hidden, lambda cell: _value(rows, cell, dashboard))
    return changed


def _protect_rows(
    rows: Sequence[Mapping[str, Any]], dashboard: Dashboard, hidden: set[tuple[int, str]]
) -> bool:
    changed = False
    for whole, parts in dashboard.parts.items():
        for i in range(len(rows)):
            members = [(i, whole)] + [(i, p) for p in parts]
            changed |= _pair(members, hidden, lambda cell: _value(rows, cell, dashboard))
    return changed


def _pair(members: list[tuple[int, str]], hidden: set[tuple[int, str]], value: Any) -> bool:
    """If exactly one member of a sum relation is hidden, hide the smallest non-zero other."""
    if sum(m in hidden for m in members) != 1:
        return False
    candidates = [m for m in members if m not in hidden and value(m) > 0]
    if not candidates:
        return False  # the rest are zeros: the hidden cell equals the shown total anyway
    hidden.add(min(candidates, key=lambda m: (value(m), m[0] == -1, m)))
    return True


def _value(rows: Sequence[Mapping[str, Any]], cell: tuple[int, str], dashboard: Dashboard) -> int:
    i, c = cell
    if i == -1:
        return sum(int(row[c] or 0) for row in rows)
    return int(rows[i][c] or 0)
