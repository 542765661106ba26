"""Moving a case: transfer to another region (request, accept, refuse, withdraw), the transfers
waiting for the caller's answer, and the case's assignment to a caseworker."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, NamedTuple
from uuid import UUID

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from referral_engine.adapters.security import User
from referral_engine.domain.errors import DomainError
from referral_engine.domain.fields import TEXT_MAX
from referral_engine.domain.views import StepResult
from referral_engine.entrypoints.api.deps import CaseWorker, IdempotencyKey
from referral_engine.entrypoints.api.models import Request as Body
from referral_engine.entrypoints.api.models import StepOut, Version
from referral_engine.entrypoints.http.access import assignee, reach_of
from referral_engine.entrypoints.http.audit import audited, command, done, mark_of
from referral_engine.entrypoints.http.deps import EngineDep, RuntimeDep
from referral_engine.entrypoints.http.metrics import count_command
from referral_engine.entrypoints.http.problems import problem_responses
from referral_engine.entrypoints.http.text import FreeText, Name

router = APIRouter(tags=["transfers"])
PROBLEMS = problem_responses(
    {
        400: "The body is not UTF-8 text",
        401: "No valid bearer token",
        403: "Role or region not allowed to take this step",
        404: "No such case in your regions",
        409: "No transfer waiting (or one already), a stale version, an unchanged assignment",
        413: "Body too large",
        422: "Invalid input: a region or reason not in the workflow, a user who cannot work "
        "on the case",
        503: "The database or the audit log is unavailable",
    }
)
Reason = Annotated[Name, Field(min_length=1, max_length=100)]
Note = Annotated[
    FreeText,
    Field(
        max_length=TEXT_MAX,
        description="Optional free text for the other region. Personal data: sealed with the "
        "case's key, shown only to roles that read personal data, gone with an erasure.",
    ),
]


class TransferCreate(Body):
    region: Name = Field(min_length=1, max_length=100, description="The receiving region's code")
    reason: Reason = Field(description="One of the workflow's `transfers.reasons`")
    note: Note | None = None
    expected_version: Version


class TransferAccept(Body):
    note: Note | None = None
    expected_version: Version


class TransferRefuse(Body):
    reason: Reason = Field(description="One of the workflow's `transfers.refusal_reasons`")
    note: Note | None = None
    expected_version: Version


class TransferWithdraw(Body):
    expected_version: Version


class AssignmentCreate(Body):
    user: Name | None = Field(
        max_length=200, description="The user to assign the case to; null: to nobody"
    )
    expected_version: Version


class TransferWaiting(BaseModel):
    case_id: UUID
    region: str = Field(description="Where the case is now")
    transfer_to: str
    transfer_reason: str | None
    transfer_asked_on: date | None
    workflow_id: str
    workflow_version: int
    state: str


class _By(NamedTuple):
    """Who takes a move and how: what every move command takes besides its own facts."""

    user: User
    request: Request
    expected_version: int
    idempotency_key: str | None
    status: int = 200


def _moved(
    by: _By, detail: dict[str, Any] | None, move: Callable[..., StepResult], *args: Any
) -> StepOut:
    """Take a move (the engine's `move(*args, actor=..., ...)`) with its audit entry in the
    command's transaction. The entry's `detail` names what was asked; a refusal leaves it out,
    as what it names was not checked (any text, up to the field's limit)."""
    mark = mark_of(by.request)
    mark.detail = detail
    try:
        result = move(
            *args,
            actor=by.user.actor,
            expected_version=by.expected_version,
            idempotency_key=by.idempotency_key,
            scope=by.user.reach,
            audit=command(by.request, by.status),
        )
    except DomainError:
        mark.detail = None
        raise
    mark.concerns(result.case_id, result.region)
    done(by.request, result)
    count_command()
    return StepOut.of(result)


@router.post(
    "/api/cases/{case_id}/transfers",
    responses=PROBLEMS,
    status_code=201,
    response_model=StepOut,
    dependencies=[audited("case.transfer")],
)
def request_transfer(
    case_id: UUID,
    body: TransferCreate,
    user: CaseWorker,
    engine: EngineDep,
    request: Request,
    idempotency_key: IdempotencyKey = None,
) -> StepOut:
    """Ask the receiving region to take the case (its answering role accepts or refuses)."""
    by = _By(user, request, body.expected_version, idempotency_key, 201)
    detail = {"to_region": body.region, "reason": body.reason}
    return _moved(by, detail, engine.request_transfer, case_id, body.region, body.reason, body.note)


@router.post(
    "/api/cases/{case_id}/transfers/accept",
    responses=PROBLEMS,
    response_model=StepOut,
    dependencies=[audited("case.transfer_answer")],
)
def accept_transfer(
    case_id: UUID,
    body: TransferAccept,
    user: CaseWorker,
    engine: EngineDep,
    request: Request,
    idempotency_key: IdempotencyKey = None,
) -> StepOut:
    """Accept the waiting transfer: the case, its deadlines (same due dates) and everything
    after belong to your region; the old region's users no longer reach it."""
    by = _By(user, request, body.expected_version, idempotency_key)
    detail = {"answer": "accepted"}
    return _moved(by, detail, engine.answer_transfer, case_id, True, None, body.note)


@router.post(
    "/api/cases/{case_id}/transfers/refuse",
    responses=PROBLEMS,
    response_model=StepOut,
    dependencies=[audited("case.transfer_answer")],
)
def refuse_transfer(
    case_id: UUID,
    body: TransferRefuse,
    user: CaseWorker,
    engine: EngineDep,
    request: Request,
    idempotency_key: IdempotencyKey = None,
) -> StepOut:
    """Refuse the waiting transfer with a reason: the case stays where it is."""
    by = _By(user, request, body.expected_version, idempotency_key)
    detail = {"answer": "refused", "reason": body.reason}
    return _moved(by, detail, engine.answer_transfer, case_id, False, body.reason, body.note)


@router.post(
    "/api/cases/{case_id}/transfers/withdraw",
    responses=PROBLEMS,
    response_model=StepOut,
    dependencies=[audited("case.transfer_withdraw")],
)
def withdraw_transfer(
    case_id: UUID,
    body: TransferWithdraw,
    user: CaseWorker,
    engine: EngineDep,
    request: Request,
    idempotency_key: IdempotencyKey = None,
) -> StepOut:
    """Take back the waiting transfer before the receiving region answers."""
    by = _By(user, request, body.expected_version, idempotency_key)
    return _moved(by, None, engine.withdraw_transfer, case_id)


@router.post(
    "/api/cases/{case_id}/assignment",
    responses=PROBLEMS,
    response_model=StepOut,
    dependencies=[audited("case.assign")],
)
def assign(
    case_id: UUID,
    body: AssignmentCreate,
    user: CaseWorker,
    runtime: RuntimeDep,
    request: Request,
    idempotency_key: IdempotencyKey = None,
) -> StepOut:
    """Assign the case to a user who can work on it (supervisors), take it while nobody has
    it or give it back (your own name or null)."""
    by = _By(user, request, body.expected_version, idempotency_key)
    found = assignee(runtime.users, body.user)
    return _moved(by, {"user": body.user}, runtime.engine.assign, case_id, body.user, found)


@router.get(
    "/api/transfers",
    responses=PROBLEMS,
    response_model=list[TransferWaiting],
    dependencies=[audited("case.transfers_waiting")],
)
def transfers_waiting(
    user: CaseWorker,
    runtime: RuntimeDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[TransferWaiting]:
    """Transfers into your regions waiting for your role's answer, oldest first."""
    rows = runtime.projections.query(
        "case_queue",
        "transfers_waiting",
        {
            "regions": None if user.scope is None else sorted(user.scope),
            "answering": reach_of(runtime.engine.workflows, user.reach)["answering"],
            "limit": limit,
        },
    )
    return [TransferWaiting(**row) for row in rows]
