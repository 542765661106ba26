"""Signing in (token, or name and password) and out, the home page, the interface language."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from referral_engine.adapters.security import User
from referral_engine.entrypoints.http import audit, gates
from referral_engine.entrypoints.http.clients import client_address
from referral_engine.entrypoints.http.deps import RuntimeDep
from referral_engine.entrypoints.web.cookies import session, sessions, set_session
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
    return page(request, "sign_in.html", next=next, failed=False, name="", wait=0)


@router.post("/sign-in", response_model=None)
def sign_in(request: Request, runtime: RuntimeDep, form: Posted) -> Response:
    """Check the name and password (or the token); start a session on success."""
    audit.begin(request, "sign_in")  # once the form passed its CSRF check
    next_ = str(form.get("next", ""))[:2000]
    name = str(form.get("name", "")).strip()
    found, wait = _checked(request, runtime, form, name)
    if found is None:
        status = 429 if wait else 401
        response = page(
            request, "sign_in.html", status=status, next=next_, failed=True, name=name, wait=wait
        )
        if wait:
            response.headers["Retry-After"] = str(wait)
        return response
    user, credential = found
    request.state.user = user
    done = RedirectResponse(safe_next(next_, user), status_code=303)
    if old := session(request).sid:
        runtime.sessions.end(old, "signed in again")
    agent = request.headers.get("user-agent")
    sid = runtime.sessions.open(user, credential, client_address(request), agent)
    set_session(request, done, sessions(request).signed_in(sid))
    return done


def _checked(
    request: Request, runtime: RuntimeDep, form: FormData, name: str
) -> tuple[tuple[User, str] | None, int]:
    """The user and credential the form signs in with, or None and the seconds to tell the
    visitor to wait (0: an ordinary refusal). A locked account's password is not checked; a
    correct credential is accepted whatever others at the same address failed (see
    adapters/lockout.py)."""
    address, limits = client_address(request), runtime.limits
    token = str(form.get("token", "")).strip()
    if token:
        found = runtime.users.token_sign_in(token)
        return (found, 0) if found else (None, limits.failed(address))
    if not name:
        return None, limits.failed(address)
    if locked := limits.account_wait(name):
        limits.failed(address)
        return None, locked
    found = runtime.users.password_sign_in(name, str(form.get("password", "")))
    if found is None:
        return None, limits.failed(address, name)
    limits.succeeded(name)
    return found, 0


@router.post("/sign-out", response_class=RedirectResponse)
def sign_out(request: Request, runtime: RuntimeDep, form: Posted) -> RedirectResponse:
    """End the session, on the server: a copy of the cookie signs nobody in afterwards."""
    sid = session(request).sid
    if sid:
        runtime.sessions.end(sid)
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
