"""What the API, the pages and the CLI share about reports: who reads exact figures, how a
request's parameters become a report request (defaults, one calendar year, the moment of the
log), and reading or publishing one with its audit entry."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from fastapi import Request as HttpRequest

from referral_engine.application.publications import Publication
from referral_engine.application.statistics import Figures, Request
from referral_engine.bootstrap import Runtime
from referral_engine.config import Settings
from referral_engine.domain.errors import FieldProblem, InvalidData
from referral_engine.entrypoints.http.audit import begin


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


def read(
    http: HttpRequest,
    runtime: Runtime,
    role: str,
    name: str,
    params: tuple[date | None, date | None, str | None, str | None, datetime | None],
    fmt: str,
) -> Figures:
    """A report as `role` may read it (params: from, to, by, region, as_of): exact for a
    statistician reading an official report, and then audited with what was read; protected
    for everyone else."""
    exact = exact_for(role, name, runtime.settings)
    wanted = asked(name, *params, exact, runtime.engine.clock())
    found = runtime.statistics.figures(wanted, k=runtime.settings.suppression_k)
    if exact:
        mark = begin(http, "report.read_exact")
        mark.detail = {**audit_detail(found.request), "format": fmt, "digest": found.digest}
    return found


def publish(
    http: HttpRequest,
    runtime: Runtime,
    user: str,
    name: str,
    params: tuple[date | None, date | None, str | None, str | None, datetime | None],
) -> Publication:
    """Publish a report's exact figures (the caller has checked it is official and the user a
    statistician), audited with its parameters and digest."""
    wanted = asked(name, *params, True, runtime.engine.clock())
    mark = begin(http, "report.publish")
    publication, _ = runtime.statistics.publish(wanted, by=user)
    mark.detail = {**audit_detail(publication.request), "digest": publication.digest}
    return publication
