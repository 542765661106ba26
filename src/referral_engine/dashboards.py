"""Published dashboards: a read model's dashboard query, always passed through disclosure."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from .disclosure import Published, publish
from .domain.errors import FieldProblem, InvalidData, NotFound
from .projections import Projections

SUPPRESSED = "x"
"""How a suppressed cell reads in CSV (the statistical convention for 'confidential')."""


class DashboardNotFound(NotFound):
    def __init__(self, name: str) -> None:
        super().__init__(f"no dashboard named '{name}'")


def dashboard(
    projections: Projections,
    name: str,
    *,
    k: int,
    today: date,
    region: str | None = None,
    start: date | None = None,
    end: date | None = None,
) -> tuple[Any, Published]:
    """The dashboard's declaration and its published (suppressed) rows."""
    declared = projections.dashboards().get(name)
    if declared is None:
        raise DashboardNotFound(name)
    if start is not None and end is not None and start > end:
        raise InvalidData([FieldProblem("from", "must not be after 'to'")])
    params = {"region": region, "from": start, "to": end, "today": today}
    rows = projections.query(name, "dashboard", params)
    return declared, publish(rows, declared, k)


def to_csv(declared: Any, published: Published) -> str:
    """The published rows as CSV, suppressed cells marked `x`, then a totals line."""
    columns = (
        list(published.rows[0]) if published.rows else [*declared.dimensions, *declared.counts]
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in published.rows:
        writer.writerow([_cell(row.get(c), c, declared) for c in columns])
    totals = [
        "total"
        if i == 0
        else _cell(published.totals.get(c), c, declared)
        if c in published.totals
        else ""
        for i, c in enumerate(columns)
    ]
    writer.writerow(totals)
    return buffer.getvalue()


def _cell(value: Any, column: str, declared: Any) -> str:
    if value is None:
        measured = column in declared.counts or column in declared.derived
        return SUPPRESSED if measured else ""
    return str(value)
