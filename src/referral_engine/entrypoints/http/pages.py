"""How the HTTP base answers a browser with a page rather than a problem document, for the
errors it meets before any page route (an unknown address, an oversized form): the pages
register their renderings here, so the base never imports them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from fastapi import FastAPI, Request, Response

FORMS = (b"application/x-www-form-urlencoded", b"multipart/form-data")


class ErrorPages(Protocol):
    """The pages' renderings of the errors the HTTP base answers itself."""

    def no_such_page(self, request: Request) -> Response: ...

    def too_large(self, request: Request, limit: int) -> Response: ...


def register(app: FastAPI, pages: ErrorPages) -> None:
    """Let the base answer browsers with these pages."""
    app.state.error_pages = pages


def error_pages(scope: Mapping[str, Any]) -> ErrorPages | None:
    """The registered pages when the request comes from a browser on the pages, else None."""
    app = scope.get("app")
    pages: ErrorPages | None = getattr(getattr(app, "state", None), "error_pages", None)
    return pages if pages is not None and wants_page(scope) else None


def wants_page(scope: Mapping[str, Any]) -> bool:
    """Whether a request comes from a browser on the pages (a form post, or asking for HTML)
    rather than from an API client, which keeps getting problem documents."""
    if str(scope.get("path", "")).startswith("/api/"):
        return False
    headers = dict(scope.get("headers") or [])
    kind = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
    return kind in FORMS or b"text/html" in headers.get(b"accept", b"")
