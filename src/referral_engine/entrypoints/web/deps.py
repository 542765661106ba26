"""What every page needs: the session, the signed-in user, CSRF-checked form posts, errors as
pages (never a problem document or a stack trace in the browser)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, HTTPException, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute
from starlette.datastructures import FormData

from referral_engine.adapters.readmodels.engine import ReadModelNotReady
from referral_engine.adapters.security import User
from referral_engine.bootstrap import Runtime
from referral_engine.domain.errors import DomainError
from referral_engine.domain.text import shown_safely, text_problem
from referral_engine.entrypoints.http import audit, gates
from referral_engine.entrypoints.http.deps import get_runtime
from referral_engine.entrypoints.http.problems import status_of
from referral_engine.entrypoints.web import explain, forms
from referral_engine.entrypoints.web.cookies import session
from referral_engine.entrypoints.web.render import error_page, words_of
from referral_engine.entrypoints.web.session import same_token


class SignInRequired(Exception):
    """No signed-in user: the page redirects to the sign-in form."""


class Refused(HTTPException):
    """An HTTP error whose page says the catalogue's message `key` (filled with `values`)."""

    def __init__(self, status: int, key: str, **values: object) -> None:
        super().__init__(status, key)
        self.key, self.values = key, values


def current_user(request: Request, runtime: Runtime) -> User | None:
    """The user of the server session the cookie names, while it is live (see
    adapters/sessions.py); looked up once per request."""
    if hasattr(request.state, "session_user"):
        found: User | None = request.state.session_user
        return found
    sid = session(request).sid
    found = runtime.sessions.user_of(sid) if sid else None
    request.state.session_user = found
    return found


def page_user(request: Request, runtime: Annotated[Runtime, Depends(get_runtime)]) -> User:
    """The signed-in user (the page redirects to sign-in otherwise)."""
    user = current_user(request, runtime)
    if user is None:
        raise SignInRequired
    request.state.user = user
    return user


def passing(gate: gates.Gate) -> Callable[[User], User]:
    """The dependency letting through the signed-in users `gate` admits (a 403 page for the
    others, in their language)."""

    def check(user: Annotated[User, Depends(page_user)]) -> User:
        if not gate.admits(user.role):
            if gate.page_refusal is None:
                raise HTTPException(403, gate.refusal)
            raise Refused(403, gate.page_refusal)
        return user

    return check


async def posted(request: Request) -> FormData:
    """The submitted form, refused (403) unless it carries the session's CSRF token."""
    form = await request.form()
    token = form.get("csrf")
    if not same_token(session(request).csrf, token if isinstance(token, str) else None):
        raise Refused(403, "error.form_expired")
    for name, value in form.multi_items():
        if name.startswith(forms.PREFIX) or name in SHOWN_BESIDE or name in SECRET:
            continue  # the domain's checks name these beside their fields; a password is hashed
        for text in (name, value) if isinstance(value, str) else (name,):
            if (found := text_problem(text)) is not None:
                raise Refused(422, "error.bad_text", field=shown_safely(name), **found.params)
    return form


SHOWN_BESIDE = frozenset({"region", "note_text"})
"""Form values the domain checks and the page shows its message beside, like each `data.` field."""
SECRET = frozenset({"password"})


NO_NUL = r"^[^\x00]*$"
"""Pages' text in addresses: PostgreSQL refuses a NUL character in a string, so it never gets in."""
Text = Annotated[str | None, Query(max_length=200, pattern=NO_NUL)]
"""A free-text filter in a page's address (a region, an agency, a state, a user name)."""
PageUser = Annotated[User, Depends(page_user)]
CasePageUser = Annotated[User, Depends(passing(gates.CASES))]
AuditPageUser = Annotated[User, Depends(passing(gates.AUDIT))]
DeadlinePageUser = Annotated[User, Depends(passing(gates.DEADLINES))]
InboxPageUser = Annotated[User, Depends(passing(gates.INBOX))]
SearchPageUser = Annotated[User, Depends(passing(gates.SEARCH))]
AlertPageUser = Annotated[User, Depends(passing(gates.PERSON_ALERTS))]
ImporterPageUser = Annotated[User, Depends(passing(gates.IMPORTS))]
AgencyPageUser = Annotated[User, Depends(passing(gates.AGENCIES))]
OperatorPageUser = Annotated[User, Depends(passing(gates.PROJECTIONS))]
Posted = Annotated[FormData, Depends(posted)]


class PageRoute(APIRoute):
    """Routes whose errors are pages: sign-in redirects, 403/404/409/422 as HTML."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInRequired:
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                return RedirectResponse(f"/sign-in?next={quote(target)}", status_code=303)
            except DomainError as exc:
                audit.refused(request, exc)
                return error_page(request, status_of(exc), explain.error(exc, words_of(request)))
            except Refused as exc:
                text = words_of(request)(exc.key, **exc.values)
                return error_page(request, exc.status_code, text, exc.headers)
            except HTTPException as exc:
                return error_page(request, exc.status_code, str(exc.detail), exc.headers)
            except ReadModelNotReady as exc:
                text = words_of(request)("error.not_ready", name=str(exc))
                return error_page(request, 503, text, {"Retry-After": "5"})
            except RequestValidationError as exc:
                where = ", ".join(".".join(str(p) for p in e.get("loc", ())) for e in exc.errors())
                return error_page(request, 422, words_of(request)("error.bad_address", where=where))

        return page_handler
