"""The audit log's page and its export, for supervisors (their regions) and admins (all): entries
in words, newest first, filtered by period, user, action, case reference and region, a page at a
time (keyset: each page continues past the last entry of the one before, as fast at the millionth
entry as at the first), and the filtered entries as a CSV file streamed as they are read."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse

from referral_engine.adapters.audit_query import Cursor
from referral_engine.adapters.security import User
from referral_engine.application.exports import csv_lines
from referral_engine.bootstrap import Runtime
from referral_engine.entrypoints.http.audit import audited, mark_of
from referral_engine.entrypoints.http.deps import RuntimeDep
from referral_engine.entrypoints.web.audit_view import (
    Asked,
    Checked,
    Lines,
    Pager,
    checked,
    regions_offered,
)
from referral_engine.entrypoints.web.audit_words import EXPORT, Line, choices
from referral_engine.entrypoints.web.deps import AuditPageUser, PageRoute
from referral_engine.entrypoints.web.render import page, region_names, words_of

router = APIRouter(route_class=PageRoute, include_in_schema=False)
PAGE_SIZE = 50
BATCH = 1000
"""Entries the export reads (and words) at a time, and lines it sends at a time."""
CSV_PATH = "/audit/entries.csv"


def asked_of(
    start: Annotated[str, Query(alias="from")] = "",
    end: Annotated[str, Query(alias="to")] = "",
    user: str = "",
    action: str = "",
    case: str = "",
    region: str = "",
) -> Asked:
    """The filters as typed: the page checks them and says what is wrong beside each."""
    return Asked(start, end, user, action, case, region)


AskedDep = Annotated[Asked, Depends(asked_of)]


@router.get("/audit", response_class=HTMLResponse)
def audit_log(
    request: Request,
    user: AuditPageUser,
    runtime: RuntimeDep,
    asked: AskedDep,
    before: str = "",
    after: str = "",
) -> HTMLResponse:
    """Audit entries of the reader's regions in words, newest first, filtered, a page at a time
    (`before`, `after`: the pages older and newer than an entry)."""
    found = _checked(runtime, user, asked)
    pager = Pager.of(before, after)
    if pager.broken:
        found.problems["page"] = "audit.error.page"
    if found.problems:
        return _page(request, runtime, user, asked, found, [], pager, status=422)
    entries = runtime.audit.entries(
        found.wanted, limit=PAGE_SIZE + 1, past=pager.past, newest_first=pager.newest_first
    )
    shown, pager = pager.page(entries, PAGE_SIZE)
    lines = Lines(request, runtime, user)(shown)
    return _page(request, runtime, user, asked, found, lines, pager)


@router.get(CSV_PATH, response_model=None, dependencies=[audited(EXPORT)])
def audit_csv(
    request: Request, user: AuditPageUser, runtime: RuntimeDep, asked: AskedDep
) -> Response:
    """The filtered entries as CSV, in the reader's words, newest first, streamed as they are
    read; the export is itself recorded with its filters."""
    mark_of(request).detail = {"filters": asked.given()}
    found = _checked(runtime, user, asked)
    if found.problems:
        return _page(request, runtime, user, asked, found, [], Pager(), status=422)
    t, lines = words_of(request), Lines(request, runtime, user)
    header = [
        *(t(k) for k in ("audit.at_utc", "audit.user")),
        *(t(k) for k in ("audit.role", "audit.agency", "audit.action", "audit.outcome")),
        *(t(k) for k in ("audit.case_id", "region", "audit.detail", "audit.channel")),
        t("audit.address"),
    ]

    def rows() -> Iterator[list[object]]:
        past: Cursor | None = None
        while True:
            batch = runtime.audit.entries(found.wanted, limit=BATCH, past=past)
            yield from (_cells(line) for line in lines(batch))
            if len(batch) < BATCH:
                return
            past = Cursor.of(batch[-1])

    return StreamingResponse(
        _chunks(csv_lines(header, rows())),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="audit-log.csv"'},
    )


def _cells(line: Line) -> list[object]:
    at = line.at.isoformat(timespec="seconds")
    return [
        *(at, line.who, line.role, line.agency, line.action, line.outcome),
        *(str(line.case_id or ""), line.region, "; ".join(line.details), line.channel),
        line.address,
    ]


def _chunks(lines: Iterator[str]) -> Iterator[str]:
    """The file in pieces of BATCH lines, the first with a byte order mark (which tells Excel
    the file is UTF-8: Ukrainian words stay readable)."""
    piece = ["\ufeff"]
    for line in lines:
        piece.append(line)
        if len(piece) >= BATCH:
            yield "".join(piece)
            piece = []
    yield "".join(piece)


def _checked(runtime: Runtime, user: User, asked: Asked) -> Checked:
    return checked(asked, user, regions_offered(user, runtime.engine.workflows))


def _page(
    request: Request,
    runtime: Runtime,
    user: User,
    asked: Asked,
    found: Checked,
    lines: list[Line],
    pager: Pager,
    status: int = 200,
) -> HTMLResponse:
    t = words_of(request)
    name = region_names(request, t)
    offered = regions_offered(user, runtime.engine.workflows)
    return page(
        request,
        "audit.html",
        status=status,
        asked=asked,
        filters=asked.params(),
        problems=found.problems,
        lines=lines,
        pager=pager,
        actions=choices(t),
        regions=sorted(((r, name(r)) for r in offered), key=lambda r: r[1].casefold()),
        csv_path=CSV_PATH,
    )
