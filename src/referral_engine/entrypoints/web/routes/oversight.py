"""Supervisors' pages: a case's history with replay to any event, the deadline board (the audit
log has its own: routes/audit.py)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from referral_engine.application.deadline_board import Board, BoardFilter
from referral_engine.application.deadline_board import deadline_board as deadline_board_of
from referral_engine.application.inbox import case_reference
from referral_engine.domain.errors import WorkflowNotFound
from referral_engine.entrypoints.http.audit import audited
from referral_engine.entrypoints.http.deps import RuntimeDep
from referral_engine.entrypoints.web.deps import (
    CasePageUser,
    DeadlinePageUser,
    PageRoute,
    Text,
)
from referral_engine.entrypoints.web.person_file import person_of
from referral_engine.entrypoints.web.present import case_shown, history_shown
from referral_engine.entrypoints.web.render import page, words_of, workflow_words
from referral_engine.entrypoints.web.workflow_text import WorkflowText
from referral_engine.workflows.loader import WorkflowRegistry

router = APIRouter(route_class=PageRoute, include_in_schema=False)


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
    reference = words_of(request)("case.reference", ref=case_reference(case_id))
    return page(
        request,
        "history.html",
        case=shown,
        workflow=workflow,
        entries=entries,
        at=at,
        about=" · ".join(filter(None, (person_of(shown, workflow), reference))),
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
