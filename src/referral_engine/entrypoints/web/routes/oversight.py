"""Supervisors' pages: a case's history with replay to any event, the deadline board, the audit
log."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from referral_engine.application.deadline_board import Board, BoardFilter
from referral_engine.application.deadline_board import deadline_board as deadline_board_of
from referral_engine.domain.errors import FieldProblem, InvalidData, WorkflowNotFound
from referral_engine.entrypoints.http.audit import audited
from referral_engine.entrypoints.http.deps import RuntimeDep
from referral_engine.entrypoints.web.deps import (
    AuditPageUser,
    CasePageUser,
    DeadlinePageUser,
    PageRoute,
    Text,
)
from referral_engine.entrypoints.web.present import case_shown, history_shown
from referral_engine.entrypoints.web.render import page, workflow_words
from referral_engine.entrypoints.web.workflow_text import WorkflowText
from referral_engine.workflows.loader import WorkflowRegistry

router = APIRouter(route_class=PageRoute, include_in_schema=False)
AUDIT_LIMIT = 200


@router.get(
    "/cases/{case_id}/history",
    response_class=HTMLResponse,
    dependencies=[audited("case.history")],
)
def history(
    case_id: UUID,
    request: Request,
    user: CasePageUser,
    runtime: RuntimeDep,
    at: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> HTMLResponse:
    """Every event of the case, and the case replayed as it was right after event `at`."""
    engine = runtime.engine
    entries = history_shown(request, user, engine, case_id)
    last = entries[-1].version if entries else 1  # a receiving agency sees some events only
    at = min(at or last, last)
    replayed = engine.case_at_version(case_id, at, scope=user.reach)
    shown = case_shown(request, user, engine, replayed)
    workflow = engine.workflows.get(shown.workflow_id, shown.workflow_version)
    return page(
        request,
        "history.html",
        case=shown,
        workflow=workflow,
        entries=entries,
        at=at,
    )


@router.get("/deadlines", response_class=HTMLResponse)
def deadline_board(
    request: Request,
    user: DeadlinePageUser,
    runtime: RuntimeDep,
    region: Text = None,
    agency: Text = None,
    within: Annotated[int, Query(ge=0, le=365)] = 14,
) -> HTMLResponse:
    """Deadlines of the user's regions (overdue, due within `within` days) and steps not
    allowed yet, with counts by region and agency."""
    wanted = BoardFilter(
        today=runtime.engine.clock().date(),
        scope=user.scope,
        region=region or None,
        agency=agency or None,
        within=within,
    )
    board = deadline_board_of(runtime.projections, wanted)
    _word(request, runtime.engine.workflows, board)
    return page(
        request,
        "deadlines.html",
        board=board,
        region=region or "",
        agency=agency or "",
        within=within,
        regions=[] if user.scope is None else sorted(user.scope),
    )


@router.get("/audit", response_class=HTMLResponse)
def audit_log(
    request: Request,
    user: AuditPageUser,
    runtime: RuntimeDep,
    case: Text = None,
    who: Text = None,
    on: Text = None,
) -> HTMLResponse:
    """Audit entries of the user's regions, newest first, by case, user and day."""
    filters = {"case": case or "", "who": who or "", "on": on or ""}
    day = _day(on)
    entries = runtime.audit.query(
        case_id=_uuid(case),
        user_name=who or None,
        since=day,
        until=day + timedelta(days=1) if day else None,
        regions=user.scope,
        limit=AUDIT_LIMIT,
        newest_first=True,
    )
    return page(request, "audit.html", entries=entries, filters=filters, limit=AUDIT_LIMIT)


def _word(request: Request, workflows: WorkflowRegistry, board: Board) -> None:
    """Name each row's deadline, step and counted-from event in the words of its workflow
    version and the reader's language (the name itself where that version is not loaded)."""
    texts: dict[tuple[str, int], WorkflowText | None] = {}
    for row in (*board.overdue, *board.due_soon, *board.not_yet_allowed):
        ref = (row["workflow_id"], row["workflow_version"])
        if ref not in texts:
            try:
                texts[ref] = workflow_words(request, workflows.get(*ref)) if ref[0] else None
            except WorkflowNotFound:
                texts[ref] = None
        wt = texts[ref]
        if "name" in row:
            row["title"] = wt.deadline(row["name"]) if wt else row["name"]
        if "trigger" in row:
            row["title"] = wt.step(row["trigger"]) if wt else row["trigger"]
            after = row["counted_from"]
            row["counted_from_title"] = wt.event(after) if wt and after else after


def _uuid(text: str | None) -> UUID | None:
    if not text:
        return None
    try:
        return UUID(text.strip())
    except ValueError:
        raise InvalidData([FieldProblem("case", "is not a case id", "not_case_id")]) from None


def _day(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.combine(datetime.fromisoformat(text).date(), time(), tzinfo=UTC)
    except ValueError:
        problem = FieldProblem("on", "must be a date (YYYY-MM-DD)", "not_day")
        raise InvalidData([problem]) from None
