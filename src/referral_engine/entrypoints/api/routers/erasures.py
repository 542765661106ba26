"""Erasure requests (two-person erasure): list, approve, refuse. `POST /api/cases/{id}/erase`
makes a request when the configuration asks for a second person."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict

from referral_engine.adapters.security import User
from referral_engine.application.erasures import ErasureRequest
from referral_engine.entrypoints.api.deps import passing
from referral_engine.entrypoints.api.models import StepOut
from referral_engine.entrypoints.http import gates
from referral_engine.entrypoints.http.audit import audited, command, done, mark_of
from referral_engine.entrypoints.http.deps import RuntimeDep
from referral_engine.entrypoints.http.problems import problem_responses

router = APIRouter(prefix="/api/erasures", tags=["erasures"])
DECIDERS = gates.Gate(
    "only supervisors and admins may decide erasure requests",
    allowed=frozenset({"supervisor", "admin"}),
)
Decider = Annotated[User, Depends(passing(DECIDERS))]
PROBLEMS = problem_responses(
    {
        401: "No valid bearer token",
        403: "Not a supervisor or admin, or approving your own request",
        404: "No such request in your regions",
        409: "The request was decided already",
        422: "Invalid input",
        503: "The database or the audit log is unavailable",
    }
)


class ErasureRequestOut(BaseModel):
    """A request to erase a case's personal data, and its decision once taken."""

    model_config = ConfigDict(from_attributes=True)
    id: UUID
    case_id: UUID
    region: str
    reason: str
    requested_by: str
    requested_at: datetime
    state: Literal["pending", "approved", "refused"]
    decided_by: str | None
    decided_at: datetime | None

    @classmethod
    def of(cls, request: ErasureRequest) -> ErasureRequestOut:
        return cls.model_validate(request)


class ApprovalOut(BaseModel):
    """The approved request and the erasure it carried out."""

    request: ErasureRequestOut
    erasure: StepOut


@router.get(
    "",
    response_model=list[ErasureRequestOut],
    responses=PROBLEMS,
    dependencies=[audited("erasure.list")],
)
def list_requests(
    user: Decider,
    runtime: RuntimeDep,
    state: Literal["pending", "approved", "refused", "all"] = "pending",
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[ErasureRequestOut]:
    """Erasure requests in your regions, oldest first (pending ones unless asked)."""
    found = runtime.erasures.listed(None if state == "all" else state, scope=user.reach)
    return [ErasureRequestOut.of(r) for r in found[:limit]]


@router.post(
    "/{request_id}/approve",
    response_model=ApprovalOut,
    responses=PROBLEMS,
    dependencies=[audited("erasure.approve")],
)
def approve(request_id: UUID, user: Decider, runtime: RuntimeDep, request: Request) -> ApprovalOut:
    """Approve another person's request: the case's personal data is erased now."""
    mark_of(request).detail = {"erasure_request": str(request_id)}
    asked, result = runtime.erasures.approve(
        request_id, actor=user.actor, scope=user.reach, audit=command(request, 200)
    )
    mark_of(request).concerns(asked.case_id, asked.region)
    done(request, result)
    return ApprovalOut(request=ErasureRequestOut.of(asked), erasure=StepOut.of(result))


@router.post(
    "/{request_id}/refuse",
    response_model=ErasureRequestOut,
    responses=PROBLEMS,
    dependencies=[audited("erasure.refuse")],
)
def refuse(
    request_id: UUID, user: Decider, runtime: RuntimeDep, request: Request
) -> ErasureRequestOut:
    """Refuse a request (the requester may withdraw their own): nothing is erased."""
    mark_of(request).detail = {"erasure_request": str(request_id)}
    asked = runtime.erasures.refuse(request_id, actor=user.actor, scope=user.reach)
    mark_of(request).concerns(asked.case_id, asked.region)
    return ErasureRequestOut.of(asked)
