"""The case page's forms moving a case: request, answer or withdraw a transfer to another
region, and assign the case (the same engine commands as the API's routes). A refused form is
shown again, alone, with its error next to it; refusing or withdrawing a transfer asks for a
confirmation first."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from referral_engine.adapters.security import User
from referral_engine.domain.errors import DomainError, FieldProblem, InvalidData
from referral_engine.domain.transfer_errors import AssigneeUnsuitable
from referral_engine.domain.views import StepResult
from referral_engine.entrypoints.http.access import assignee
from referral_engine.entrypoints.http.audit import audited, command, mark_of
from referral_engine.entrypoints.http.deps import RuntimeDep
from referral_engine.entrypoints.http.problems import status_of
from referral_engine.entrypoints.web import stepping
from referral_engine.entrypoints.web.deps import CasePageUser, PageRoute, Posted
from referral_engine.entrypoints.web.routes.cases import case_page_after, done

router = APIRouter(route_class=PageRoute, include_in_schema=False)
TEXT_MAX = 100


@router.post(
    "/cases/{case_id}/transfers", response_model=None, dependencies=[audited("case.transfer")]
)
def request_transfer(
    case_id: UUID, request: Request, user: CasePageUser, runtime: RuntimeDep, form: Posted
) -> Response:
    """Ask another region to take the case."""
    region, reason = _text(form, "region"), _text(form, "reason")
    mark_of(request).detail = {"to_region": region, "reason": reason}
    try:
        result = runtime.engine.request_transfer(
            case_id,
            region,
            reason,
            _note(form),
            actor=user.actor,
            expected_version=_version(form),
            idempotency_key=stepping.key_of(form),
            scope=user.reach,
            audit=command(request, 303),
        )
    except DomainError as exc:
        return _refused(request, user, runtime, case_id, ("request", exc, form))
    return _recorded(request, result)


@router.post(
    "/cases/{case_id}/transfers/answer",
    response_model=None,
    dependencies=[audited("case.transfer_answer")],
)
def answer_transfer(
    case_id: UUID, request: Request, user: CasePageUser, runtime: RuntimeDep, form: Posted
) -> Response:
    """Accept the waiting transfer, or refuse it with a reason."""
    accepted = form.get("answer") == "accept"
    reason = None if accepted else _text(form, "reason")
    if not accepted and form.get("confirm") != "yes":
        return _refused(request, user, runtime, case_id, ("refuse", None, form))
    mark_of(request).detail = {"answer": "accepted" if accepted else "refused", "reason": reason}
    try:
        result = runtime.engine.answer_transfer(
            case_id,
            accepted,
            reason,
            _note(form),
            actor=user.actor,
            expected_version=_version(form),
            idempotency_key=stepping.key_of(form),
            scope=user.reach,
            audit=command(request, 303),
        )
    except DomainError as exc:
        failed = ("accept" if accepted else "refuse", exc, form)
        return _refused(request, user, runtime, case_id, failed)
    if not accepted:  # the case stays in its region, no longer the user's to open
        stepping.recorded(request, result)
        return RedirectResponse(f"/cases?refused={result.case_id}", status_code=303)
    return _recorded(request, result)


@router.post(
    "/cases/{case_id}/transfers/withdraw",
    response_model=None,
    dependencies=[audited("case.transfer_withdraw")],
)
def withdraw_transfer(
    case_id: UUID, request: Request, user: CasePageUser, runtime: RuntimeDep, form: Posted
) -> Response:
    """Take back the waiting transfer (once its box confirms it)."""
    if form.get("confirm") != "yes":
        return _refused(request, user, runtime, case_id, ("withdraw", None, form))
    try:
        result = runtime.engine.withdraw_transfer(
            case_id,
            actor=user.actor,
            expected_version=_version(form),
            idempotency_key=stepping.key_of(form),
            scope=user.reach,
            audit=command(request, 303),
        )
    except DomainError as exc:
        return _refused(request, user, runtime, case_id, ("withdraw", exc, form))
    return _recorded(request, result)


@router.post(
    "/cases/{case_id}/assignment", response_model=None, dependencies=[audited("case.assign")]
)
def assign(
    case_id: UUID, request: Request, user: CasePageUser, runtime: RuntimeDep, form: Posted
) -> Response:
    """Assign the case (a supervisor's choice), take it, or give it back."""
    name = _text(form, "user") or None
    mark_of(request).detail = {"user": name}
    try:
        _whole(form, "user")
        result = runtime.engine.assign(
            case_id,
            name,
            assignee(runtime.users, name),
            actor=user.actor,
            expected_version=_version(form),
            idempotency_key=stepping.key_of(form),
            scope=user.reach,
            audit=command(request, 303),
        )
    except DomainError as exc:
        return _refused(request, user, runtime, case_id, ("assign", exc, form))
    return _recorded(request, result)


def _recorded(request: Request, result: StepResult) -> Response:
    stepping.recorded(request, result)
    return done(result)


def _refused(
    request: Request,
    user: User,
    runtime: RuntimeDep,
    case_id: UUID,
    failed: tuple[str, DomainError | None, FormData],
) -> Response:
    """The refused form again, keeping what was chosen and typed (None: posted without its
    confirmation, 422). The audit entry of the refusal leaves out what was asked: it was not
    checked (any text)."""
    mark_of(request).detail = None
    name, exc, form = failed
    kept = {k: _text(form, k) for k in ("region", "reason", "user")}
    note = form.get("note")
    kept["note"] = note if isinstance(note, str) else ""
    status = status_of(exc) if exc is not None else 422
    return case_page_after(request, user, runtime, case_id, (name, exc, kept), status)


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    if not isinstance(value, str) or len(value) > TEXT_MAX:
        return ""
    return value.strip()


def _whole(form: FormData, name: str) -> None:
    """Refuse a user `_text` would cut to nothing: an empty one means "nobody", so an over-long
    one must not silently end the case's assignment (no user has such a name)."""
    value = form.get(name)
    if isinstance(value, str) and len(value) > TEXT_MAX:
        raise AssigneeUnsuitable(value[:TEXT_MAX] + "…", "unknown")


def _note(form: FormData) -> str | None:
    value = form.get("note")
    return value if isinstance(value, str) and value.strip() else None


def _version(form: FormData) -> int:
    value = form.get("expected_version")
    if isinstance(value, str) and value.isdigit() and len(value) < 10:
        return int(value)
    problem = FieldProblem("expected_version", "must be a whole number", "not_int")
    raise InvalidData([problem])
