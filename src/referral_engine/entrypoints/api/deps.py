"""The API's dependencies: the bearer token's user and the role gates (declared in http.gates)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from referral_engine.adapters.security import User
from referral_engine.bootstrap import Runtime
from referral_engine.domain.commands import IDEMPOTENCY_KEY_MAX
from referral_engine.entrypoints.http import gates
from referral_engine.entrypoints.http.clients import client_address
from referral_engine.entrypoints.http.deps import get_runtime

BEARER = HTTPBearer(
    auto_error=False, bearerFormat="opaque", description="A token from `referral-engine users add`"
)


def current_user(
    request: Request,
    runtime: Annotated[Runtime, Depends(get_runtime)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)],
) -> User:
    """The user whose live bearer token came with the request (401 otherwise; 429 once the
    address has failed too often: a valid token is accepted from it all the same)."""
    user = runtime.users.authenticate(credentials.credentials.strip()) if credentials else None
    if user is None:
        if credentials and (wait := runtime.limits.failed(client_address(request))):
            raise HTTPException(
                429, f"too many failed sign-ins; try again in {wait} s", {"Retry-After": str(wait)}
            )
        raise HTTPException(
            401, "a valid bearer token is required", headers={"WWW-Authenticate": "Bearer"}
        )
    request.state.user = user
    return user


def passing(gate: gates.Gate) -> Callable[[User], Awaitable[User]]:
    """The dependency letting through the users `gate` admits (403 for the others); `async`,
    as it does no I/O: FastAPI runs a plain function in a worker thread, a hop per request."""

    async def check(user: Annotated[User, Depends(current_user)]) -> User:
        if not gate.admits(user.role):
            raise HTTPException(403, gate.refusal)
        return user

    return check


AnyUser = Annotated[User, Depends(current_user)]
CaseWorker = Annotated[User, Depends(passing(gates.CASES))]
AuditReader = Annotated[User, Depends(passing(gates.AUDIT))]
DeadlineReader = Annotated[User, Depends(passing(gates.DEADLINES))]
InboxReader = Annotated[User, Depends(passing(gates.INBOX))]
Searcher = Annotated[User, Depends(passing(gates.SEARCH))]
AlertReader = Annotated[User, Depends(passing(gates.PERSON_ALERTS))]
ProjectionOperator = Annotated[User, Depends(passing(gates.PROJECTIONS))]
Importer = Annotated[User, Depends(passing(gates.IMPORTS))]
Admin = Annotated[User, Depends(passing(gates.ADMINS))]
Publisher = Annotated[User, Depends(passing(gates.PUBLISHERS))]
IdempotencyKey = Annotated[
    str | None, Header(alias="Idempotency-Key", max_length=IDEMPOTENCY_KEY_MAX)
]
