"""The inbox of the caller's agency: referrals and requests waiting for its answer."""

from __future__ import annotations

from datetime import date
from typing import Literal
from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel

from referral_engine.application.inbox import Inbox, InboxItem, inbox
from referral_engine.entrypoints.api.deps import InboxReader
from referral_engine.entrypoints.api.steps import case_steps_path, referral_steps_path
from referral_engine.entrypoints.http.audit import audited
from referral_engine.entrypoints.http.deps import RuntimeDep
from referral_engine.entrypoints.http.problems import problem_responses

router = APIRouter(prefix="/api/inbox", tags=["inbox"])
PROBLEMS = problem_responses(
    {
        401: "No valid bearer token",
        403: "An analyst, statistician or admin (no inbox)",
        422: "Invalid query or headers",
        503: "The read model is being built or the database is unavailable",
    }
)


class InboxItemOut(BaseModel):
    """A referral sent to the caller's agency, or a case a step sent to it (a `request`, e.g.
    a police verification request). Codes, not words: a client words them with the workflow."""

    kind: Literal["referral", "request"]
    case_id: UUID
    reference: str
    """The case's short reference, as the pages show it."""
    referral_id: str | None
    region: str
    workflow_id: str
    workflow_version: int
    state: str
    """The referral's state, or the case's for a request."""
    service: str | None
    step: str | None
    """The step that sent the case to the agency (a request)."""
    deadline: str | None
    """The deadline that step started (a request)."""
    sent_on: date
    due_on: date | None
    answered_on: date | None
    """When the referral was accepted."""
    overdue: bool
    days_left: int | None
    """Negative when overdue; none once answered, or without a due date."""
    href: str
    """Where the item's steps are posted (the case's, or the referral's steps)."""


class InboxOut(BaseModel):
    today: date
    agency: str
    waiting: list[InboxItemOut]
    """Waiting for the agency's answer: overdue first, then by due date."""
    in_progress: list[InboxItemOut]
    """Referrals accepted whose assistance is not completed yet, the longest accepted first."""
    truncated: bool
    """A kind of item reached the limit: there may be more than listed."""


@router.get("", response_model=InboxOut, responses=PROBLEMS, dependencies=[audited("inbox.list")])
def read_inbox(user: InboxReader, runtime: RuntimeDep) -> InboxOut:
    """What waits for the answer of the caller's agency in the caller's regions."""
    today = runtime.engine.clock().date()
    found: Inbox = inbox(runtime.projections, runtime.engine.workflows, user.reach, today)
    return InboxOut(
        today=today,
        agency=found.agency,
        waiting=[_item(i) for i in found.waiting],
        in_progress=[_item(i) for i in found.in_progress],
        truncated=found.truncated,
    )


def _item(item: InboxItem) -> InboxItemOut:
    if item.referral_id is not None:
        href = referral_steps_path(item.case_id, item.referral_id)
    else:
        href = case_steps_path(item.case_id)
    return InboxItemOut(
        kind=item.kind,
        case_id=item.case_id,
        reference=item.reference,
        referral_id=item.referral_id,
        region=item.region,
        workflow_id=item.workflow_id,
        workflow_version=item.workflow_version,
        state=item.state,
        service=item.service,
        step=item.step,
        deadline=item.deadline,
        sent_on=item.sent_on,
        due_on=item.due_on,
        answered_on=item.answered_on,
        overdue=item.overdue,
        days_left=item.days_left,
        href=href,
    )
