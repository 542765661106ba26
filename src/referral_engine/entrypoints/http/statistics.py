"""What the API, the pages and the CLI share about reports: who reads exact figures, and how a
request's parameters become a report request (defaults, whole months, the moment of the log)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from referral_engine.application.statistics import Request
from referral_engine.config import Settings
from referral_engine.domain.errors import FieldProblem, InvalidData


def exact_for(role: str, report: str, settings: Settings) -> bool:
    """Statisticians read the exact figures of the reports the configuration calls official."""
    return role == "statistician" and report in settings.official_reports


def asked(
    name: str,
    start: date | None,
    end: date | None,
    by: str | None,
    region: str | None,
    as_of: datetime | None,
    exact: bool,
    now: datetime,
) -> Request:
    """The report request: `to` defaults to the day of `as_of` (or today), `from` to the first
    of January of that year; `as_of` without a zone is UTC and may not lie in the future (it
    names a moment the log has reached). Protected figures cover one whole calendar year: two
    overlapping periods would give the difference of their figures (a month hidden alone is
    one year's figure minus the other eleven months'), so every protected read is one of the
    years' tables, never a window cut anywhere."""
    if as_of is not None:
        if as_of.tzinfo is None:
            as_of = as_of.replace(tzinfo=UTC)
        if as_of > now:
            raise InvalidData(
                [FieldProblem("as_of", "must not be in the future", "as_of_in_future")]
            )
    end = end or (as_of or now).date()
    start = start or end.replace(month=1, day=1)
    if start > end:
        raise InvalidData([FieldProblem("from", "must not be after 'to'", "from_after_to")])
    if not exact:
        if start.year != end.year:
            problem = (
                "protected figures cover one calendar year at a time: ask for one year "
                "(exact figures over longer periods are the statisticians')"
            )
            raise InvalidData([FieldProblem("from", problem, "one_year")])
        start, end = date(end.year, 1, 1), date(end.year, 12, 31)
    dims = tuple(d.strip() for d in (by or "").split(",") if d.strip())
    return Request(name, start, end, dims, region, as_of=as_of, exact=exact)


def audit_detail(r: Request) -> dict[str, Any]:
    """What an audit entry records of a report read or published: its parameters."""
    return {
        "report": r.name,
        "from": r.start.isoformat(),
        "to": r.end.isoformat(),
        "by": list(r.by),
        "region": r.region,
        "as_of": r.as_of.isoformat() if r.as_of else None,
    }
