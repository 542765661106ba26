"""Dependencies declared once: the runtime, the signed-in user, role gates, audit marks."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Header, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from referral_engine.adapters.security import Throttle, User
from referral_engine.application.engine import Engine
from referral_engine.bootstrap import Runtime
from referral_engine.domain.commands import IDEMPOTENCY_KEY_MAX
from referral_engine.domain.personal import Disclosure
from referral_engine.domain.workflow import WorkflowDefinition

BEARER = HTTPBearer(
    auto_error=False, bearerFormat="opaque", description="A token from `referral-engine users add`"
)
CASE_READERS_DENIED = ("analyst",)
AUDIT_READERS = ("supervisor", "admin")
DEADLINE_READERS = ("supervisor", "admin")
PROJECTION_OPERATORS = ("admin", "analyst")


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def get_engine(runtime: Annotated[Runtime, Depends(get_runtime)]) -> Engine:
    return runtime.engine


def current_user(
    request: Request,
    runtime: Annotated[Runtime, Depends(get_runtime)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)],
) -> User:
    """The user whose bearer token came with the request (401 otherwise; 429 for an address
    that keeps presenting bad tokens)."""
    address = request.client.host if request.client else "unknown"
    throttle: Throttle = request.app.state.throttle
    if credentials and (wait := throttle.retry_after(address)):
        raise HTTPException(
            429, f"too many failed sign-ins; try again in {wait} s", {"Retry-After": str(wait)}
        )
    user = runtime.users.authenticate(credentials.credentials.strip()) if credentials else None
    if user is None:
        if credentials:
            throttle.failed(address)
        raise HTTPException(
            401, "a valid bearer token is required", headers={"WWW-Authenticate": "Bearer"}
        )
    request.state.user = user
    return user


def case_worker(user: Annotated[User, Depends(current_user)]) -> User:
    """Anyone who works cases; analysts see aggregates only, never a case."""
    if user.role in CASE_READERS_DENIED:
        raise HTTPException(403, "analysts have no access to individual cases")
    return user


def admin(user: Annotated[User, Depends(current_user)]) -> User:
    if user.role != "admin":
        raise HTTPException(403, "only admins may do this")
    return user


def audit_reader(user: Annotated[User, Depends(current_user)]) -> User:
    if user.role not in AUDIT_READERS:
        raise HTTPException(403, "only supervisors and admins may read the audit log")
    return user


def deadline_reader(user: Annotated[User, Depends(current_user)]) -> User:
    if user.role not in DEADLINE_READERS:
        raise HTTPException(403, "only supervisors and admins may read the deadline board")
    return user


def projection_operator(user: Annotated[User, Depends(current_user)]) -> User:
    if user.role not in PROJECTION_OPERATORS:
        raise HTTPException(403, "only admins and analysts may rebuild read models")
    return user


def disclosure(request: Request, user: User, workflow: WorkflowDefinition) -> Disclosure:
    """What `user` may see of the workflow's personal fields. Every route or page showing case
    data goes through one; the audit entry of the request lists the personal fields it showed."""
    found = Disclosure(workflow.personal, user.role)
    if not hasattr(request.state, "disclosures"):
        request.state.disclosures = []
    request.state.disclosures.append(found)
    return found


def disclosed_fields(request: Request) -> list[str]:
    """The personal fields the request's response showed (for its audit entry)."""
    return sorted({f for d in getattr(request.state, "disclosures", ()) for f in d.disclosed})


def audited(action: str) -> Any:
    """Mark the request for the audit log (written once the response status is known)."""

    def mark(request: Request) -> None:
        request.state.audit_action = action
        case_id = request.path_params.get("case_id")
        try:
            request.state.audit_case = UUID(str(case_id)) if case_id else None
        except ValueError:
            request.state.audit_case = None

    return Depends(mark)


EngineDep = Annotated[Engine, Depends(get_engine)]
RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
CaseWorker = Annotated[User, Depends(case_worker)]
AnyUser = Annotated[User, Depends(current_user)]
AuditReader = Annotated[User, Depends(audit_reader)]
DeadlineReader = Annotated[User, Depends(deadline_reader)]
Admin = Annotated[User, Depends(admin)]
IdempotencyKey = Annotated[
    str | None, Header(alias="Idempotency-Key", max_length=IDEMPOTENCY_KEY_MAX)
]
ProjectionOperator = Annotated[User, Depends(projection_operator)]
