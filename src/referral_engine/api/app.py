"""The FastAPI app factory: routers, problem documents, body limit, metrics and the audit log."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from time import perf_counter

from fastapi import FastAPI, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..bootstrap import Runtime, build
from ..config import Settings
from . import problems
from .metrics import observe
from .routers import cases, service

log = logging.getLogger("referral_engine.api")


def create_app(runtime: Runtime | None = None) -> FastAPI:
    """The app on a given runtime, or on one built from the environment at startup."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = None
        if getattr(app.state, "runtime", None) is None:
            owned = app.state.runtime = await run_in_threadpool(build, Settings())
        yield
        if owned is not None:
            owned.close()

    app = FastAPI(
        title="referral-engine",
        summary="Event-sourced referral workflows for National Referral Mechanisms",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    problems.install(app)
    app.include_router(cases.router)
    app.include_router(service.router)
    app.middleware("http")(_observe)
    limit = (runtime.settings if runtime else Settings()).max_body_bytes
    app.add_middleware(BodyLimit, limit=limit)
    return app


async def _observe(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    """Count and time the request; write its audit entry once the status is known."""
    started = perf_counter()
    status = 500
    try:
        response = await call_next(request)
        status = response.status_code
    finally:
        route = request.scope.get("route")
        observe(
            request.method, getattr(route, "path", "unmatched"), status, perf_counter() - started
        )
        action = getattr(request.state, "audit_action", None)
        if action is not None:
            try:
                await run_in_threadpool(_audit, request, action, status)
            except Exception:
                log.exception("audit log write failed")
                return problems.problem(
                    503, "service-unavailable", "The audit log is unavailable", "try again shortly"
                )
    return response


def _audit(request: Request, action: str, status: int) -> None:
    runtime: Runtime = request.app.state.runtime
    runtime.audit.record(
        user=getattr(request.state, "user", None),
        action=action,
        method=request.method,
        path=request.url.path,
        status=status,
        case_id=getattr(request.state, "audit_case", None),
        region=getattr(request.state, "audit_region", None),
        address=request.client.host if request.client else None,
        detail=getattr(request.state, "audit_detail", None),
    )


class BodyLimit:
    """Refuse request bodies over `limit` bytes with 413, declared or streamed."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            response = problems.problem(
                413,
                "payload-too-large",
                "Payload too large",
                f"request bodies are limited to {self.limit} bytes",
            )
            await response(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise HTTPException(413, f"request bodies are limited to {self.limit} bytes")
            return message

        await self.app(scope, counted, send)
