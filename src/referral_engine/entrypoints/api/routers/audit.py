"""The audit log for supervisors (their regions) and admins (every entry): filtered like its page,
a page at a time by keyset (the `Link` header's `rel="next"` continues after the page's last
entry, whatever the log's size)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import AwareDatetime

from referral_engine.adapters.audit import AuditEntry
from referral_engine.adapters.audit_query import AuditFilter, Cursor, case_prefix
from referral_engine.entrypoints.api.deps import AuditReader
from referral_engine.entrypoints.http.deps import RuntimeDep
from referral_engine.entrypoints.http.problems import problem_responses

router = APIRouter(tags=["audit"])
CASE = r"^-*(?:[0-9a-fA-F]-*){4,32}$"
"""A case id or its start (a reference as the pages show it) from 4 hexadecimal digits on."""
CURSOR = r"^[0-9]{1,17}\.[0-9]{1,18}$"
LINK = {
    "Link": {
        "description": "The next page's address with `rel=\"next\"` (this request's filters and "
        "the `cursor` after its last entry); absent on the last page",
        "schema": {"type": "string"},
    }
}
RESPONSES = {
    200: {"description": "Entries, in the order asked", "headers": LINK},
    **problem_responses(
        {
            401: "No valid bearer token",
            403: "Only supervisors and admins read the audit log",
            422: "Invalid query parameter",
            503: "The database is unavailable",
        }
    ),
}


@router.get("/api/audit", response_model=list[AuditEntry], responses=RESPONSES)
def read_audit(
    request: Request,
    response: Response,
    user: AuditReader,
    runtime: RuntimeDep,
    case: Annotated[
        str | None, Query(max_length=64, pattern=CASE, description="A case id or its start")
    ] = None,
    user_name: Annotated[str | None, Query(alias="user", max_length=200)] = None,
    action: Annotated[str | None, Query(max_length=200, description="e.g. `case.read`")] = None,
    region: Annotated[str | None, Query(max_length=200)] = None,
    from_: Annotated[AwareDatetime | None, Query(alias="from")] = None,
    to: Annotated[AwareDatetime | None, Query(description="Up to and including")] = None,
    order: Literal["oldest", "newest"] = "oldest",
    cursor: Annotated[
        str | None, Query(pattern=CURSOR, description="From the `Link` header: the next page")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> list[AuditEntry]:
    """Audit entries of the caller's regions, filtered by case, user, action, region and period,
    oldest first (or newest), `limit` at a time: follow the `Link` header for the next page."""
    regions = user.scope
    if region is not None:  # one of the caller's regions, or none at all
        regions = frozenset({region}) if regions is None else regions & {region}
    wanted = AuditFilter(
        since=from_,
        until=_just_after(to),
        user_name=user_name,
        action=action,
        case=case_prefix(case) if case else None,
        regions=regions,
    )
    past = Cursor.parse(cursor) if cursor else None
    found = runtime.audit.entries(
        wanted, limit=limit + 1, past=past, newest_first=order == "newest"
    )
    page = found[:limit]
    if len(found) > limit:
        following = request.url.include_query_params(cursor=Cursor.of(page[-1]).token())
        response.headers["Link"] = f'<{following}>; rel="next"'
    return page


def _just_after(moment: datetime | None) -> datetime | None:
    """The end of a period that includes `moment` (the log keeps microseconds); None for the
    last moment there is (no end at all)."""
    try:
        return moment + timedelta(microseconds=1) if moment else None
    except OverflowError:
        return None
