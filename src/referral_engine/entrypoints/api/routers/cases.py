"""Case routes: open, read (now, at a version, as of a time), history, steps and referrals."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response
from pydantic import AwareDatetime

from referral_engine.adapters.security import User
from referral_engine.application.engine import Engine
from referral_engine.domain.errors import FieldProblem, InvalidData
from referral_engine.domain.personal import Disclosure
from referral_engine.domain.views import CaseView, StepResult
from referral_engine.entrypoints.api.deps import Admin, AuditReader, CaseWorker, IdempotencyKey
from referral_engine.entrypoints.api.models import (
    AuditPage,
    CaseCreate,
    CaseOpened,
    CaseOut,
    ErasureCreate,
    HistoryEntryOut,
    QueueItem,
    QueuePage,
    ReferralCreate,
    StatedDateConfirm,
    StepCreate,
    StepOut,
)
from referral_engine.entrypoints.api.routers.erasures import ErasureRequestOut
from referral_engine.entrypoints.http.access import reach_of
from referral_engine.entrypoints.http.audit import audited, command, disclosure, done, mark_of
from referral_engine.entrypoints.http.deps import EngineDep, RuntimeDep
from referral_engine.entrypoints.http.duplicates import after_command
from referral_engine.entrypoints.http.metrics import count_command
from referral_engine.entrypoints.http.problems import problem_responses

router = APIRouter(prefix="/api/cases", tags=["cases"])
PROBLEMS = problem_responses(
    {
        400: "The body is not UTF-8 text",
        401: "No valid bearer token",
        403: "Role, agency or region not allowed",
        404: "No such case in your regions",
        409: "Illegal transition (listing the legal steps this route takes, each with its "
        "`href`), version conflict or missing precondition",
        413: "Body too large",
        422: "Invalid input: `errors` names each field (`path`), with the rule it breaks as a "
        "`code` and its `params` where the engine has one (a date's rules: `date_in_future`, "
        "`date_after_opened`, `date_after_field`, `date_in_past`, `date_before_opened`, "
        "`date_before_field`, `birth_date_child`, `birth_date_adult`; docs/workflows.md)",
        503: "The database or the audit log is unavailable",
    }
)


@router.get("", response_model=QueuePage, responses=PROBLEMS, dependencies=[audited("case.list")])
def list_cases(
    user: CaseWorker,
    runtime: RuntimeDep,
    state: Annotated[str | None, Query(max_length=100)] = None,
    region: Annotated[str | None, Query(max_length=100)] = None,
    overdue: bool | None = None,
    mine: bool = False,
    from_: Annotated[date | None, Query(alias="from")] = None,
    to: date | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: UUID | None = None,
) -> QueuePage:
    """The caller's case queue from the `case_queue` read model, keyset-paginated (`mine`:
    only the cases assigned to the caller; transfers into the caller's regions that wait for
    their role's answer are listed too)."""
    rows = runtime.projections.query(
        "case_queue",
        "queue",
        {
            "today": runtime.engine.clock().date(),
            "regions": None if user.scope is None else sorted(user.scope),
            **reach_of(runtime.engine.workflows, user.reach),
            "region": region,
            "state": state,
            "overdue": overdue,
            "mine": user.name if mine else None,
            "from": from_,
            "to": to,
            "after": cursor,
            "limit": limit,
        },
    )
    items = [QueueItem(**row) for row in rows]
    return QueuePage(items=items, next_cursor=items[-1].case_id if len(items) == limit else None)


def _mark(request: Request, result: StepResult | CaseView) -> None:
    case_id = result.case_id if isinstance(result, StepResult) else result.id
    mark_of(request).concerns(case_id, result.region)
    if isinstance(result, StepResult):
        done(request, result)


@router.post(
    "",
    status_code=201,
    response_model=CaseOpened,
    responses=PROBLEMS,
    dependencies=[audited("case.open")],
)
def open_case(
    body: CaseCreate,
    user: CaseWorker,
    runtime: RuntimeDep,
    request: Request,
    idempotency_key: IdempotencyKey = None,
) -> CaseOpened:
    """Open a case with the workflow's opening event. The person is then checked against
    every region's cases (`possible_duplicates`: a region, and the other case only where the
    caller reaches it; `duplicate_check`: `pending` while the persons index is being built)."""
    engine = runtime.engine
    # the answer shows the opening data as this user may see it: known before the command
    shown = Disclosure(engine.workflows.get(body.workflow).personal, user.role)
    shown.data(body.data)
    result = engine.open_case(
        body.workflow,
        body.region,
        body.data,
        actor=user.actor,
        occurred_at=body.occurred_at,
        idempotency_key=idempotency_key,
        scope=user.reach,
        audit=command(request, 201, sorted(shown.disclosed)),
    )
    _mark(request, result)
    count_command()
    checked = after_command(runtime, user, result.case_id, body.data)
    view = engine.case(result.case_id, reader=user.actor, scope=user.reach)
    return CaseOpened.of_checked(_case_out(request, user, engine, view), checked)


@router.get(
    "/{case_id}", response_model=CaseOut, responses=PROBLEMS, dependencies=[audited("case.read")]
)
def read_case(
    case_id: UUID,
    user: CaseWorker,
    engine: EngineDep,
    request: Request,
    version: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    as_of: AwareDatetime | None = None,
) -> CaseOut:
    """The case now, or as it was at a version (`?version=N`) or a time (`?as_of=`)."""
    if version is not None and as_of is not None:
        raise InvalidData([FieldProblem("query", "give version or as_of, not both")])
    if version is not None:
        view = engine.case_at_version(case_id, version, reader=user.actor, scope=user.reach)
    elif as_of is not None:
        view = engine.case_as_of(case_id, as_of, reader=user.actor, scope=user.reach)
    else:
        view = engine.case(case_id, reader=user.actor, scope=user.reach)
    _mark(request, view)
    return _case_out(request, user, engine, view)


def _case_out(request: Request, user: User, engine: Engine, view: CaseView) -> CaseOut:
    """The case with the personal fields `user` may not see marked as redacted."""
    workflow = engine.workflows.get(view.workflow_id, view.workflow_version)
    return CaseOut.of(disclosure(request, user, workflow).case(view), workflow.referrals)


@router.get(
    "/{case_id}/history",
    response_model=list[HistoryEntryOut],
    responses=PROBLEMS,
    dependencies=[audited("case.history")],
)
def read_history(
    case_id: UUID, user: CaseWorker, engine: EngineDep, request: Request
) -> list[HistoryEntryOut]:
    """Every event of the case: who, role, agency, when, what changed."""
    found = engine.case_history(case_id, scope=user.reach)
    mark_of(request).place(found.region)
    entries = disclosure(request, user, found.workflow).history(found.entries)
    return [HistoryEntryOut.of(h) for h in entries]


@router.post(
    "/{case_id}/erase",
    response_model=StepOut | ErasureRequestOut,
    responses={
        **PROBLEMS,
        202: {
            "model": ErasureRequestOut,
            "description": "Two-person erasure: the request, for another person to approve",
        },
    },
    dependencies=[audited("case.erase")],
)
def erase_personal_data(
    case_id: UUID,
    body: ErasureCreate,
    user: Admin,
    runtime: RuntimeDep,
    request: Request,
    response: Response,
) -> StepOut | ErasureRequestOut:
    """Erase the case's personal data on a lawful request (admin): records an erasure event
    and destroys the case's key. History, states and statistics stay; personal fields read as
    erased everywhere. Repeating it is harmless (`replayed` is then true). When the
    configuration asks for two persons, this only requests it (202): another admin or
    supervisor approves at `/api/erasures/{id}/approve`."""
    mark_of(request).detail = {"reason": body.reason}
    if runtime.settings.erasure_approval == "two-person":
        asked = runtime.erasures.request(case_id, body.reason, actor=user.actor, scope=user.reach)
        mark_of(request).concerns(case_id, asked.region)
        mark_of(request).detail = {"reason": body.reason, "erasure_request": str(asked.id)}
        response.status_code = 202
        return ErasureRequestOut.of(asked)
    result = runtime.engine.erase_personal_data(
        case_id, body.reason, actor=user.actor, scope=user.reach, audit=command(request, 200)
    )
    _mark(request, result)
    return StepOut.of(result)


@router.get(
    "/{case_id}/personal-data-reads",
    response_model=AuditPage,
    responses=PROBLEMS,
    dependencies=[audited("case.personal_data_reads")],
)
def personal_data_reads(
    case_id: UUID,
    user: AuditReader,
    runtime: RuntimeDep,
    request: Request,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
) -> AuditPage:
    """Who saw which personal fields of this case, and when (supervisors and admins): newest
    first, a page at a time (pass `next_cursor` back as `cursor` for the older ones)."""
    case = runtime.engine.case(case_id, scope=user.reach)
    mark_of(request).place(case.region)
    found = runtime.audit.query(
        case_id=case_id, personal_only=True, limit=limit + 1, newest_first=True, before=cursor
    )
    items = found[:limit]
    return AuditPage(items=items, next_cursor=items[-1].id if len(found) > limit else None)


@router.post(
    "/{case_id}/steps",
    response_model=StepOut,
    responses=PROBLEMS,
    dependencies=[audited("case.step")],
)
def take_step(
    case_id: UUID,
    body: StepCreate,
    user: CaseWorker,
    runtime: RuntimeDep,
    request: Request,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Fire one workflow trigger, decided on `expected_version` (a step recording a name or a
    date of birth checks the person against every region's cases again)."""
    mark_of(request).detail = {"trigger": body.trigger}
    result = runtime.engine.take_step(
        case_id,
        body.trigger,
        body.data,
        actor=user.actor,
        expected_version=body.expected_version,
        occurred_at=body.occurred_at,
        idempotency_key=idempotency_key,
        scope=user.reach,
        backdating_reason=body.backdating_reason,
        audit=command(request, 200),
    )
    _mark(request, result)
    count_command()
    if not result.replayed:
        after_command(runtime, user, case_id, body.data)
    return StepOut.of(result).answer()


@router.post(
    "/{case_id}/stated-dates",
    response_model=StepOut,
    responses=PROBLEMS,
    dependencies=[audited("case.confirm_date")],
)
def confirm_stated_date(
    case_id: UUID,
    body: StatedDateConfirm,
    user: CaseWorker,
    engine: EngineDep,
    request: Request,
    idempotency_key: IdempotencyKey = None,
) -> StepOut:
    """Confirm the stated date of another person's backdated step (the workflow's confirming
    roles, supervisors by default): the earliest dates it started, e.g. a recovery period,
    count from that day from now on. The event records the reason, the role and the user."""
    mark_of(request).detail = {"step_version": body.version, "reason": body.reason}
    result = engine.confirm_stated_date(
        case_id,
        body.version,
        body.reason,
        actor=user.actor,
        expected_version=body.expected_version,
        idempotency_key=idempotency_key,
        scope=user.reach,
        audit=command(request, 200),
    )
    _mark(request, result)
    count_command()
    return StepOut.of(result)


@router.post(
    "/{case_id}/referrals",
    status_code=201,
    response_model=StepOut,
    responses=PROBLEMS,
    dependencies=[audited("referral.send")],
)
def send_referral(
    case_id: UUID,
    body: ReferralCreate,
    user: CaseWorker,
    engine: EngineDep,
    request: Request,
    idempotency_key: IdempotencyKey = None,
) -> StepOut:
    """Refer the person to an agency for a service."""
    workflow = engine.workflow_of(case_id, scope=user.reach)
    names = (
        (workflow.referrals.agency_field, workflow.referrals.service_field)
        if (workflow.referrals)
        else ("agency", "service")
    )
    data = {**body.data, names[0]: body.agency, names[1]: body.service}
    result = engine.send_referral(
        case_id,
        data,
        actor=user.actor,
        expected_version=body.expected_version,
        occurred_at=body.occurred_at,
        idempotency_key=idempotency_key,
        scope=user.reach,
        backdating_reason=body.backdating_reason,
        audit=command(request, 201),
    )
    _mark(request, result)
    count_command()
    return StepOut.of(result)


@router.post(
    "/{case_id}/referrals/{referral_id}/steps",
    response_model=StepOut,
    responses=PROBLEMS,
    dependencies=[audited("referral.step")],
)
def take_referral_step(
    case_id: UUID,
    referral_id: str,
    body: StepCreate,
    user: CaseWorker,
    engine: EngineDep,
    request: Request,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Fire a trigger on one referral (accept, reject, revoke, deliver assistance, complete)."""
    mark_of(request).detail = {"trigger": body.trigger, "referral_id": referral_id}
    result = engine.take_referral_step(
        case_id,
        referral_id,
        body.trigger,
        body.data,
        actor=user.actor,
        expected_version=body.expected_version,
        occurred_at=body.occurred_at,
        idempotency_key=idempotency_key,
        scope=user.reach,
        backdating_reason=body.backdating_reason,
        audit=command(request, 200),
    )
    _mark(request, result)
    count_command()
    return StepOut.of(result).answer()
