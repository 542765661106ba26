"""Errors as `application/problem+json` (RFC 9457): one stable `type` and status per error."""

from __future__ import annotations

import logging
import traceback
from typing import Any

import psycopg
import psycopg_pool
from eventsourcing.persistence import InterfaceError as StoreInterfaceError
from eventsourcing.persistence import OperationalError as StoreOperationalError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from referral_engine.adapters.crypto import MasterKeyError, MasterKeyRotated
from referral_engine.adapters.database import DatabaseUnavailable
from referral_engine.adapters.readmodels.engine import ReadModelNotReady
from referral_engine.domain import errors
from referral_engine.domain.agency_errors import (
    AgencyUnsuitable,
    AgreementMissing,
    NotAddressedAgency,
)
from referral_engine.domain.case_file_errors import (
    CaseFileNotPermitted,
    DocumentDamaged,
    DocumentErased,
    DocumentTooLarge,
    DocumentTypeRefused,
)
from referral_engine.domain.papers import PaperNotAvailable, PaperNotPermitted
from referral_engine.domain.person_links import PersonAlertClosed
from referral_engine.domain.person_terms import QueryInvalid
from referral_engine.domain.text import shown_safely
from referral_engine.domain.transfer_errors import (
    AssigneeUnsuitable,
    AssignmentRefused,
    TransferNotPossible,
)
from referral_engine.domain.windows import TooLate
from referral_engine.entrypoints.http import audit
from referral_engine.entrypoints.http.headers import secured
from referral_engine.entrypoints.http.metrics import count_conflict
from referral_engine.entrypoints.http.pages import error_pages

log = logging.getLogger("referral_engine.api")
UNAVAILABLE: tuple[type[Exception], ...] = (
    DatabaseUnavailable,
    psycopg.OperationalError,
    psycopg_pool.PoolTimeout,
    StoreOperationalError,
    StoreInterfaceError,
)

PROBLEM_BASE = "/problems/"
MEDIA_TYPE = "application/problem+json"

STATUS: dict[type[errors.DomainError], int] = {
    errors.InvalidData: 422,
    errors.NotFound: 404,
    errors.IllegalTransition: 409,
    errors.PreconditionMissing: 409,
    errors.ConditionNotMet: 409,
    errors.VersionConflict: 409,
    errors.RoleNotAllowed: 403,
    errors.NotReceivingAgency: 403,
    errors.RegionNotAllowed: 403,
    errors.IdempotencyKeyReused: 422,
    errors.TooEarly: 409,
    TooLate: 409,
    errors.MigrationRefused: 409,
    errors.PersonalDataErased: 409,
    errors.ErasureRequestDecided: 409,
    errors.FiguresNotReproduced: 409,
    errors.OwnErasureRequest: 403,
    errors.DateNotConfirmable: 409,
    errors.OwnStatedDate: 403,
    errors.ImportMappingInvalid: 422,
    errors.RegisterUnreadable: 422,
    errors.RowRefused: 422,
    errors.AgencyExists: 409,
    errors.AgreementConflict: 409,
    AgencyUnsuitable: 422,
    AgreementMissing: 409,
    NotAddressedAgency: 403,
    QueryInvalid: 422,
    TransferNotPossible: 409,
    AssignmentRefused: 409,
    AssigneeUnsuitable: 422,
    PersonAlertClosed: 409,
    PaperNotAvailable: 409,
    PaperNotPermitted: 403,
    CaseFileNotPermitted: 403,
    DocumentTooLarge: 413,
    DocumentTypeRefused: 415,
    DocumentDamaged: 422,
    DocumentErased: 410,
}

HTTP_TYPES = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    410: "gone",
    406: "not-acceptable",
    413: "payload-too-large",
    415: "unsupported-media-type",
    422: "validation",
    429: "too-many-requests",
    503: "service-unavailable",
}


def problem(status: int, slug: str, title: str, detail: str, **extra: Any) -> JSONResponse:
    """A problem document response."""
    body = {"type": PROBLEM_BASE + slug, "title": title, "status": status, "detail": detail}
    body.update({k: v for k, v in extra.items() if v is not None})
    headers = {"Retry-After": "5"} if status == 503 else None
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def problem_responses(descriptions: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries declaring that these statuses answer with a problem document."""
    schema = {
        "type": "object",
        "required": ["type", "title", "status", "detail"],
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
        },
    }
    return {
        code: {"description": text, "content": {MEDIA_TYPE: {"schema": schema}}}
        for code, text in descriptions.items()
    }


def status_of(exc: errors.DomainError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def domain_problem(exc: errors.DomainError, href: str | None = None) -> JSONResponse:
    """The problem document of a domain error, with the facts a client needs to recover."""
    extra: dict[str, Any] = {}
    if isinstance(exc, errors.InvalidData):
        extra["errors"] = [_field_error(p) for p in exc.problems]
    elif isinstance(exc, errors.ImportMappingInvalid):
        extra["problems"] = list(exc.problems)
    elif isinstance(exc, errors.RowRefused):
        extra["problems"] = [{"column": c, "problem": p} for c, p in exc.problems]
    elif isinstance(exc, errors.IllegalTransition):
        extra.update(state=exc.state, trigger=exc.trigger, legal_triggers=list(exc.legal_triggers))
        if exc.rule:
            extra["rule"] = exc.rule
        if href is not None:  # each command lists only what its own route takes
            extra["legal_steps"] = [
                {"trigger": t, "method": "POST", "href": href} for t in exc.legal_triggers
            ]
    elif isinstance(exc, errors.VersionConflict):
        extra.update(current_version=exc.current, expected_version=exc.expected)
    elif isinstance(exc, errors.RoleNotAllowed):
        extra.update(trigger=exc.trigger, allowed_roles=list(exc.allowed_roles))
    elif isinstance(exc, errors.PreconditionMissing):
        extra.update(trigger=exc.trigger, missing=list(exc.missing))
    elif isinstance(exc, errors.ConditionNotMet):
        extra.update(
            trigger=exc.trigger,
            unmet_conditions=[dict(condition) for condition in exc.unmet],
        )
    elif isinstance(exc, TooLate):
        extra.update(
            trigger=exc.trigger,
            latest_on=exc.latest_on.isoformat(),
            closed_by=exc.closed_by,
            counted_from=exc.after,
            started_on=exc.started_on.isoformat(),
        )
    elif isinstance(exc, errors.TooEarly):
        extra.update(
            trigger=exc.trigger,
            earliest_on=exc.earliest_on.isoformat(),
            counted_from=exc.after,
            started_on=exc.started_on.isoformat(),
        )
    elif isinstance(exc, AgencyUnsuitable | AgreementMissing | NotAddressedAgency):
        extra.update(_agency_facts(exc))
    elif isinstance(
        exc, TransferNotPossible | AssignmentRefused | CaseFileNotPermitted | DocumentDamaged
    ):
        extra.update(reason=exc.code)
    elif isinstance(exc, PaperNotAvailable):
        extra.update(paper=exc.paper, reason=exc.code, events=list(exc.events))
    elif isinstance(exc, PaperNotPermitted):
        extra.update(paper=exc.paper, reason=exc.code, fields=list(exc.fields))
    elif isinstance(exc, DocumentTooLarge):
        extra.update(limit=exc.limit)
    elif isinstance(exc, AssigneeUnsuitable):
        extra.update(reason=exc.code, errors=[{"path": "user", "message": str(exc)}])
    return problem(status_of(exc), exc.type, exc.title, str(exc), **extra)


def _field_error(problem: errors.FieldProblem) -> dict[str, Any]:
    """One field's problem: its path and message, and where the engine has one its stable
    `code` with the facts it names (`params`), e.g. `date_in_future` with `{"rule":
    "not_after", "against": "today", "on": "2026-03-02"}`, for a client to word it itself."""
    found: dict[str, Any] = {"path": problem.path, "message": problem.message}
    found["code"] = problem.code
    if problem.params:
        found["params"] = {
            k: list(v) if isinstance(v, tuple) else v for k, v in problem.params.items()
        }
    return found


def _agency_facts(exc: AgencyUnsuitable | AgreementMissing | NotAddressedAgency) -> dict[str, Any]:
    """What a client needs to choose again: the agencies that fit (with their names), or the
    agreement that is missing (between whom, for which service, on which day)."""
    if isinstance(exc, NotAddressedAgency):
        return {"trigger": exc.trigger, "addressed_agency": exc.addressed}
    named = [{"id": s, "names": dict(exc.names.get(s, {}))} for s in _agencies_of(exc)]
    if isinstance(exc, AgreementMissing):
        missing = {
            "agency": exc.agency,
            "with": exc.party,
            "parties": list(exc.parties),
            "service": exc.service,
            "on": exc.on.isoformat(),
            "region": exc.case_region,
        }
        return {"agreement_missing": missing, "agencies": named}
    return {
        "errors": [{"path": f"data.{exc.field}", "message": str(exc).split(": ", 1)[1]}],
        "field": exc.field,
        "agency": exc.agency,
        "reason": exc.code,
        "candidates": named,
        "close_matches": list(exc.close),
    }


def _agencies_of(exc: AgencyUnsuitable | AgreementMissing) -> list[str]:
    if isinstance(exc, AgreementMissing):
        return [exc.agency, *exc.parties]
    return list(exc.candidates)


def _path(error: dict[str, Any]) -> str:
    if error.get("type") == "json_invalid":
        return "body"  # its location ends with a character offset, not a field
    parts = [shown_safely(str(p)) for p in error.get("loc", ()) if p not in ("body",)]
    return ".".join(parts) or "body"


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into a problem document."""

    @app.exception_handler(errors.DomainError)
    def _domain(request: Request, exc: errors.DomainError) -> JSONResponse:
        audit.refused(request, exc)
        if isinstance(exc, errors.VersionConflict):
            count_conflict()
        return domain_problem(exc, href=request.url.path)

    @app.exception_handler(RequestValidationError)
    def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        found = [{"path": _path(e), "message": _message(e)} for e in exc.errors()]
        return problem(
            422,
            "validation",
            "Some fields are missing or invalid",
            "; ".join(f"{e['path']}: {e['message']}" for e in found),
            errors=found,
        )

    @app.exception_handler(HTTPException)
    def _http(request: Request, exc: HTTPException) -> Response:
        pages = error_pages(request.scope)
        if exc.status_code == 404 and "route" not in request.scope and pages is not None:
            return pages.no_such_page(request)  # a browser at an address that is no page
        slug = HTTP_TYPES.get(exc.status_code, "http-error")
        response = problem(
            exc.status_code, slug, slug.replace("-", " ").capitalize(), str(exc.detail)
        )
        for key, value in (exc.headers or {}).items():
            response.headers[key] = value
        return response

    def _unavailable(request: Request, exc: Exception) -> JSONResponse:
        log.warning("database unavailable: %s", type(exc).__name__)
        return problem(
            503, "service-unavailable", "The database is unavailable", "try again shortly"
        )

    for cls in UNAVAILABLE:
        app.add_exception_handler(cls, _unavailable)

    @app.exception_handler(MasterKeyError)
    def _master_key(request: Request, exc: MasterKeyError) -> JSONResponse:
        log.error("master key: %s", exc)  # key ids and case ids only, never key material
        if isinstance(exc, MasterKeyRotated):
            return problem(
                503,
                "master-key-rotated",
                "The master key was rotated",
                "this server still holds the previous master key, which may no longer wrap or "
                "open case keys; it must be restarted with the current one",
            )
        return problem(
            503, "master-key", "The case's keys cannot be opened", "the error was logged"
        )

    @app.exception_handler(ReadModelNotReady)
    def _not_ready(request: Request, exc: ReadModelNotReady) -> JSONResponse:
        return problem(
            503,
            "read-model-not-ready",
            "The read model is being built",
            f"'{exc}' is being built from the event log; try again shortly",
        )

    @app.exception_handler(Exception)
    def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        where = f"{request.method} {request.url.path}"
        log.error("unexpected error on %s\n%s", where, stack_without_messages(exc))
        found = problem(500, "internal", "Internal error", "the error was logged")
        return secured(found, https=request.url.scheme == "https")  # answered outside the app


def stack_without_messages(exc: BaseException) -> str:
    """Where an error arose (its chain of exception types and their stacks), without the
    messages: those may quote the values being handled, personal ones included."""
    parts: list[str] = []
    current: BaseException | None = exc
    while current is not None and len(parts) < 10:
        stack = traceback.format_list(traceback.extract_tb(current.__traceback__))
        parts.append("".join(stack) + f"{type(current).__module__}.{type(current).__qualname__}")
        current = current.__cause__ or current.__context__
    return "\n-- while handling, or caused by --\n".join(reversed(parts))


def _message(error: dict[str, Any]) -> str:
    if error.get("type") == "json_invalid":
        reason = error.get("ctx", {}).get("error", "invalid syntax")
        return f"is not valid JSON: {reason} at character {error['loc'][-1]}"
    if error.get("type") == "extra_forbidden":
        return "unknown field"
    if error.get("type") == "missing":
        return "is required"
    return str(error.get("msg", "is invalid"))
