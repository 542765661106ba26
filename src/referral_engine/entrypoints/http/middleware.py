"""The HTTP middleware shared by the API and the pages: body limit, metrics and the audit entry."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from time import perf_counter

from fastapi import Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from referral_engine.entrypoints.http import audit, problems
from referral_engine.entrypoints.http.headers import HTTPMiddleware, secured
from referral_engine.entrypoints.http.metrics import observe
from referral_engine.entrypoints.http.pages import error_pages

log = logging.getLogger("referral_engine.api")


class Observe(HTTPMiddleware):
    """Count and time each request, and write its audit entry once the status is known and
    before the response leaves: a request the audit log cannot record is answered 503 (one that
    failed inside is answered 500 by the outermost layer either way)."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = perf_counter()
        request = Request(scope)
        status: int | None = None
        refused = False

        async def send_observed(message: Message) -> None:
            nonlocal status, refused
            if message["type"] == "http.response.start":
                status = message["status"]
                if not await _audited(request, status):
                    refused = True
                    await problems.problem(
                        503,
                        "service-unavailable",
                        "The audit log is unavailable",
                        "try again shortly",
                    )(scope, receive, send)
                    return
            if not refused:
                await send(message)

        try:
            await self.app(scope, receive, send_observed)
        finally:
            if status is None:  # an exception, answered 500 by the outermost layer
                await _audited(request, 500)
            route = scope.get("route")
            path = getattr(route, "path", "unmatched")
            observe(request.method, path, status or 500, perf_counter() - started)


async def _audited(request: Request, status: int) -> bool:
    """Write the request's audit entry if its route asks for one; False if that failed."""
    mark = audit.current(request)
    if mark is None or mark.written:  # none, or written with the request's command
        return True
    try:
        await run_in_threadpool(audit.write, request, status)
    except Exception as exc:
        log.error("audit log write failed\n%s", problems.stack_without_messages(exc))
        return False
    return True


class BodyLimit(HTTPMiddleware):
    """Refuse request bodies over `limit` bytes with 413, declared or streamed; the POSTs to the
    paths `larger` matches (a register, a document) may send up to their own limit instead,
    so that one
    route's large files do not raise the limit of every other one.

    The body is read here, before any other layer, and handed on whole: raising from inside a
    wrapped `receive` would reach the routes wrapped in an exception group and turn into a 400.
    """

    def __init__(self, app: ASGIApp, limit: int, larger: Mapping[str, int] | None = None) -> None:
        super().__init__(app)
        self.limit = limit
        self.larger = [(re.compile(path), n) for path, n in (larger or {}).items()]
        """Paths (regular expressions matching the whole path) and their own limits."""

    def limit_of(self, scope: Scope) -> int:
        """The limit of this request: its route's own for a POST to a path in `larger`."""
        if scope.get("method") == "POST":
            path = str(scope.get("path", ""))
            return next((n for p, n in self.larger if p.fullmatch(path)), self.limit)
        return self.limit

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = self.limit_of(scope)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await self._refuse(scope, receive, send, limit)
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away before sending its whole body
            body += message.get("body", b"")
            if len(body) > limit:
                await self._refuse(scope, receive, send, limit)
                return
            if not message.get("more_body", False):
                break
        handed_on = False

        async def whole_body() -> Message:
            nonlocal handed_on
            if handed_on:
                return await receive()
            handed_on = True
            return {"type": "http.request", "body": bytes(body), "more_body": False}

        await self.app(scope, whole_body, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        """A problem document for API clients; an error page for a browser posting a form."""
        pages = error_pages(scope)
        if pages is not None:
            response: Response = pages.too_large(Request(scope), limit)
        else:
            response = problems.problem(
                413,
                "payload-too-large",
                "Payload too large",
                f"request bodies are limited to {limit} bytes",
            )
        await secured(response, https=scope.get("scheme") == "https")(scope, receive, send)
