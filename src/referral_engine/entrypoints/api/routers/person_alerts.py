"""Possible duplicates for supervisors: `GET /api/person-alerts`, and linking two cases to one
person, dismissing an alert or undoing a link (docs/persons.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from referral_engine.application.duplicates import Alert, Side
from referral_engine.domain.person_links import DISMISS_REASONS, LINK_REASONS
from referral_engine.entrypoints.api.deps import AlertReader
from referral_engine.entrypoints.api.models import Request as Body
from referral_engine.entrypoints.http.audit import audited
from referral_engine.entrypoints.http.deps import RuntimeDep
from referral_engine.entrypoints.http.duplicates import DISMISS, LINK, UNLINK, decided, duplicates
from referral_engine.entrypoints.http.problems import problem_responses

router = APIRouter(prefix="/api/person-alerts", tags=["persons"])
PROBLEMS = problem_responses(
    {
        400: "The body is not UTF-8 text",
        401: "No valid bearer token",
        403: "Only supervisors see and decide possible duplicates",
        404: "No such pair of cases in the caller's regions",
        409: "Someone has already decided on the pair (or the link is not there to undo)",
        422: "A reason not in the list",
        503: "The database or the persons index is unavailable (being built)",
    }
)


class SideOut(BaseModel):
    region: str
    case_id: UUID | None = Field(description="Null where the case is outside the caller's regions")
    href: str | None


class AlertOut(BaseModel):
    raised_on: SideOut = Field(description="The case whose check raised the alert")
    other: SideOut
    state: Literal["open", "linked", "dismissed", "unlinked"]
    reason: str | None
    raised_at: datetime
    decided_at: datetime | None
    may_act: bool


class AlertPage(BaseModel):
    items: list[AlertOut]


class LinkBody(Body):
    reason: Literal[LINK_REASONS]  # type: ignore[valid-type]


class DismissBody(Body):
    reason: Literal[DISMISS_REASONS]  # type: ignore[valid-type]


class DecisionOut(BaseModel):
    state: Literal["linked", "dismissed", "unlinked"]


def _side(side: Side) -> SideOut:
    href = f"/api/cases/{side.case_id}" if side.case_id else None
    return SideOut(region=side.region, case_id=side.case_id, href=href)


def _out(alert: Alert) -> AlertOut:
    return AlertOut(
        raised_on=_side(alert.raised),
        other=_side(alert.other),
        state=alert.state,  # type: ignore[arg-type]
        reason=alert.reason,
        raised_at=alert.raised_at,
        decided_at=alert.decided_at,
        may_act=alert.may_act,
    )


@router.get(
    "", response_model=AlertPage, responses=PROBLEMS, dependencies=[audited("person.alerts")]
)
def alerts(
    user: AlertReader,
    runtime: RuntimeDep,
    state: Annotated[Literal["open", "all"], Query()] = "open",
) -> AlertPage:
    """The possible duplicates with a case in the caller's regions, newest first: each side's
    region, and its case only where the caller works."""
    found = duplicates(runtime).alerts(user.reach, open_only=state == "open")
    return AlertPage(items=[_out(a) for a in found])


@router.post(
    "/{case_id}/{other_case}/link",
    response_model=DecisionOut,
    responses=PROBLEMS,
    dependencies=[audited(LINK)],
)
def link(
    case_id: UUID,
    other_case: UUID,
    body: LinkBody,
    user: AlertReader,
    runtime: RuntimeDep,
    request: Request,
) -> DecisionOut:
    """Link the two cases of an open alert to one person (recorded on both cases)."""
    decided(request, runtime, user, LINK, (case_id, other_case), body.reason)
    return DecisionOut(state="linked")


@router.post(
    "/{case_id}/{other_case}/dismiss",
    response_model=DecisionOut,
    responses=PROBLEMS,
    dependencies=[audited(DISMISS)],
)
def dismiss(
    case_id: UUID,
    other_case: UUID,
    body: DismissBody,
    user: AlertReader,
    runtime: RuntimeDep,
    request: Request,
) -> DecisionOut:
    """Dismiss an open alert: the two cases are not one person."""
    decided(request, runtime, user, DISMISS, (case_id, other_case), body.reason)
    return DecisionOut(state="dismissed")


@router.post(
    "/{case_id}/{other_case}/unlink",
    response_model=DecisionOut,
    responses=PROBLEMS,
    dependencies=[audited(UNLINK)],
)
def unlink(
    case_id: UUID, other_case: UUID, user: AlertReader, runtime: RuntimeDep, request: Request
) -> DecisionOut:
    """Undo a link of two cases to one person."""
    decided(request, runtime, user, UNLINK, (case_id, other_case))
    return DecisionOut(state="unlinked")
