"""The caseworker's queue: cases of their regions from the case_queue read model, filtered by
state, region, overdue deadlines and "my cases" (assigned to the reader), a page at a time, with
the transfers into their regions waiting for their answer above it.

Pages are keyset-paginated by case id: a page starts after the last case of the one before.
The read model's query goes forward only, so the way back is carried in the links: `back`
lists the starts of the pages before this one (`-` for the first), at most MAX_BACK of them."""

from __future__ import annotations

from collections.abc import Collection
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from referral_engine.application.inbox import case_reference
from referral_engine.domain.errors import DomainError
from referral_engine.entrypoints.http.access import reach_of
from referral_engine.entrypoints.http.audit import audited
from referral_engine.entrypoints.http.deps import RuntimeDep
from referral_engine.entrypoints.web.deps import CasePageUser, PageRoute, Text
from referral_engine.entrypoints.web.moves import reason_words
from referral_engine.entrypoints.web.render import event_words, page, words_of, workflow_words
from referral_engine.entrypoints.web.routes.cases import openable
from referral_engine.workflows.loader import WorkflowRegistry

router = APIRouter(route_class=PageRoute, include_in_schema=False)
PAGE_SIZE = 25
MAX_BACK = 50
FIRST = "-"
Back = Annotated[str, Query(max_length=MAX_BACK * 37, pattern=r"^[-0-9a-f,]*$")]


@router.get("/cases", response_class=HTMLResponse, dependencies=[audited("case.list")])
def queue(
    request: Request,
    user: CasePageUser,
    runtime: RuntimeDep,
    state: Text = None,
    region: Text = None,
    overdue: Literal["", "yes", "no"] = "",
    mine: Literal["", "yes"] = "",
    cursor: UUID | None = None,
    back: Back = "",
    refused: UUID | None = None,
) -> HTMLResponse:
    """The caseworker's queue (case_queue read model), filtered, a page at a time (`refused`:
    the case whose transfer the user just refused, no longer theirs to open)."""
    if refused is not None:  # the waiting transfers without the one just refused
        runtime.projections.caught_up("case_queue")
    filters = {"state": state or None, "region": region or None, "overdue": overdue, "mine": mine}
    reach = reach_of(runtime.engine.workflows, user.reach)
    regions = None if user.scope is None else sorted(user.scope)
    rows = runtime.projections.query(
        "case_queue",
        "queue",
        {
            **filters,
            "overdue": {"yes": True, "no": False}.get(overdue),
            "today": runtime.engine.clock().date(),
            "regions": regions,
            **reach,
            "mine": user.name if mine else None,
            "from": None,
            "to": None,
            "after": cursor,
            "limit": PAGE_SIZE + 1,  # one more tells whether there is a next page
        },
    )
    workflows = runtime.engine.workflows
    return page(
        request,
        "queue.html",
        rows=rows[:PAGE_SIZE],
        filters=filters,
        pager=_pager(
            cursor, back, rows[PAGE_SIZE - 1]["case_id"] if len(rows) > PAGE_SIZE else None
        ),
        states=_states(request, workflows, user.scope),
        state_of=lambda row: _state_label(request, workflows, row),
        reason_of=lambda row: _reason_label(request, workflows, row),
        step_of=lambda row: _step_label(request, workflows, row),
        openable=openable(workflows, user),
        refused=case_reference(refused) if refused else None,
        waiting=runtime.projections.query(
            "case_queue",
            "transfers_waiting",
            {"regions": regions, "answering": reach["answering"], "limit": PAGE_SIZE},
        )
        if reach["answering"] != []
        else [],
    )


def _pager(cursor: UUID | None, back: str, last: UUID | None) -> dict[str, dict[str, Any] | None]:
    """The query changes of the links to the previous and the next page (None: no such page)."""
    trail = [b for b in back.split(",") if b][-MAX_BACK:]
    previous = None
    if cursor is not None:
        start = trail[-1] if trail else FIRST
        previous = {"cursor": "" if start == FIRST else start, "back": ",".join(trail[:-1])}
    following = None
    if last is not None:
        here = str(cursor) if cursor is not None else FIRST
        following = {"cursor": str(last), "back": ",".join([*trail, here][-MAX_BACK:])}
    return {"previous": previous, "next": following}


def _states(
    request: Request, workflows: WorkflowRegistry, scope: Collection[str] | None
) -> list[tuple[str, str]]:
    """Every state of the newest version of each workflow run in the reader's regions (a
    workflow with no region registry runs anywhere), in words, alphabetically."""
    newest = {
        w.id: w
        for w in workflows  # the registry lists each id's versions in order
        if scope is None or not w.regions or set(scope) & set(w.regions)
    }
    words = {s: workflow_words(request, w).state(s) for w in newest.values() for s in w.states}
    return sorted(words.items(), key=lambda item: item[1].casefold())


def _state_label(request: Request, workflows: WorkflowRegistry, row: dict[str, Any]) -> str:
    """A queue row's state in the words of the workflow version its case runs under."""
    try:
        workflow = workflows.get(str(row["workflow_id"]), int(row["workflow_version"]))
    except DomainError:
        return str(row["state"])
    return workflow_words(request, workflow).state(str(row["state"]))


def _reason_label(request: Request, workflows: WorkflowRegistry, row: dict[str, Any]) -> str:
    """A waiting transfer's reason in the words of the workflow version its case runs under."""
    try:
        workflow = workflows.get(str(row["workflow_id"]), int(row["workflow_version"]))
    except DomainError:
        return str(row["transfer_reason"])
    return reason_words(workflow_words(request, workflow), str(row["transfer_reason"] or ""))


def _step_label(request: Request, workflows: WorkflowRegistry, row: dict[str, Any]) -> str:
    """A queue row's last step in words: the title of the step that recorded its event."""
    event = str(row["last_step"] or "")
    try:
        workflow = workflows.get(str(row["workflow_id"]), int(row["workflow_version"]))
    except DomainError:
        return ""
    return event_words(event, workflow_words(request, workflow), words_of(request)) if event else ""
