"""Published dashboards: a read model's dashboard query, always passed through disclosure.

Filters select whole rows only, so that every published row is the same whichever filter shows
it (differences between responses then reveal nothing): a region is a dimension of every
dashboard, and a period is widened to whole months of the dashboard's month dimension.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
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
) -> Report:
    """The dashboard for a region and a period of whole months, suppressed for publication."""
    declared = dashboards(projections).get(name)
    if declared is None:
        raise DashboardNotFound(name)
    start, end = whole_months(declared, name, start, end)
    params = {"region": region, "from": start, "to": end, "today": today}
    rows = projections.query(name, "dashboard", params)
    return Report(name, declared, region, start, end, publish(rows, declared, k))


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
