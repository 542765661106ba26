"""Signing in (token, or name and password) and out, the home page, the interface language."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from referral_engine.adapters.security import Throttle, User, grants_of
from referral_engine.entrypoints.http import audit, gates
from referral_engine.entrypoints.http.deps import RuntimeDep
from referral_engine.entrypoints.web.cookies import sessions, set_session
from referral_engine.entrypoints.web.deps import (
    NO_NUL,
    PageRoute,
    Posted,
    current_user,
)
from referral_engine.entrypoints.web.i18n import LANG_COOKIE, LANGS
from referral_engine.entrypoints.web.render import page

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Next = Annotated[str, Query(max_length=2000, pattern=NO_NUL)]


def safe_next(target: str | None, user: User | None = None) -> str:
    """A local path to go on to (never another site); a role's home page by default."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    if user is not None and not gates.CASES.admits(user.role):
        return "/dashboards"
    return "/cases"


@router.get("/", response_class=RedirectResponse)
def home(request: Request, runtime: RuntimeDep) -> RedirectResponse:
    """The signed-in user's start page, or the sign-in form."""
    user = current_user(request, runtime)
    return RedirectResponse(safe_next(None, user) if user else "/sign-in", status_code=303)


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_form(request: Request, next: Next = "") -> HTMLResponse:
    """The sign-in form: name and password, or a token."""
    return page(request, "sign_in.html", next=next, failed=False, name="")


@router.post("/sign-in", response_model=None)
def sign_in(request: Request, runtime: RuntimeDep, form: Posted) -> Response:
    """Check the name and password (or the token); start a session on success."""
    audit.begin(request, "sign_in")  # once the form passed its CSRF check
    address = request.client.host if request.client else "unknown"
    throttle: Throttle = request.app.state.throttle
    next_ = str(form.get("next", ""))[:2000]
    name = str(form.get("name", "")).strip()
    if wait := throttle.retry_after(address):
        response = page(request, "sign_in.html", status=429, next=next_, failed=True, name=name)
        response.headers["Retry-After"] = str(wait)
        return response
    token = str(form.get("token", "")).strip()
    if token:
        found = runtime.users.token_sign_in(token)
    else:
        password = str(form.get("password", ""))
        found = runtime.users.password_sign_in(name, password) if name else None
    if found is None:
        throttle.failed(address, None if token else name[:200])
        return page(request, "sign_in.html", status=401, next=next_, failed=True, name=name)
    if not token:  # a valid token forgives no guessed token
        throttle.succeeded(address, name[:200])
    user, credential = found
    request.state.user = user
    done = RedirectResponse(safe_next(next_, user), status_code=303)
    signed_in = sessions(request).signed_in(user.name, str(user.id), credential, grants_of(user))
    set_session(request, done, signed_in)
    return done


@router.post("/sign-out", response_class=RedirectResponse)
def sign_out(request: Request, form: Posted) -> RedirectResponse:
    """End the session."""
    response = RedirectResponse("/sign-in", status_code=303)
    set_session(request, response, None)
    return response


@router.get("/lang/{code}", response_class=RedirectResponse)
def choose_language(code: Annotated[str, Path(max_length=5)], next: Next = "/") -> RedirectResponse:
    """Switch the interface language (kept in a cookie) and go back."""
    response = RedirectResponse(safe_next(next), status_code=303)
    if code in LANGS:
        response.set_cookie(LANG_COOKIE, code, max_age=365 * 86400, path="/", samesite="lax")
    return response
