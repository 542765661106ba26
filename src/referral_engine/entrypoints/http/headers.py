"""Security headers on every response: no framing, no sniffing, no caching, a CSP without inline
scripts, HSTS over https."""

from __future__ import annotations

from typing import TypeVar

from starlette.datastructures import MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

R = TypeVar("R", bound=Response)

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


class HTTPMiddleware:
    """Plain ASGI middleware (no task and stream per request as `BaseHTTPMiddleware` costs):
    `http` handles HTTP requests; lifespan and other scopes pass straight through."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.http(scope, receive, send)

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError


class SecurityHeaders(HTTPMiddleware):
    """Headers that keep pages and personal data out of frames, caches and sniffers, on every
    response."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        https = scope.get("scheme") == "https"

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                _secure(MutableHeaders(scope=message), https=https)
            await send(message)

        await self.app(scope, receive, send_secured)


def secured(response: R, *, https: bool) -> R:
    """The response with the security headers (those it set itself kept)."""
    _secure(response.headers, https=https)
    return response


def _secure(headers: MutableHeaders, *, https: bool) -> None:
    for name, value in SECURITY_HEADERS.items():
        headers.setdefault(name, value)
    headers.setdefault("Content-Security-Policy", CSP)
    if https:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
