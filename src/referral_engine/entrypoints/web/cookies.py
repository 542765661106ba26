"""The visitor's session cookie: signed with a key derived from the master key, read once per
request, written (or cleared) on the response."""

from __future__ import annotations

from fastapi import Request, Response

from referral_engine.bootstrap import Runtime, master_key
from referral_engine.entrypoints.web.session import COOKIE, Session, Sessions, derive_key


def sessions(request: Request) -> Sessions:
    """The app's session signer, made once from the runtime's master key."""
    found: Sessions | None = getattr(request.app.state, "sessions", None)
    if found is None:
        runtime: Runtime = request.app.state.runtime
        key = master_key(runtime.settings, embedded=runtime.embedded is not None)
        lifetime = runtime.settings.session_hours * 3600
        found = request.app.state.sessions = Sessions(derive_key(key.key), lifetime=lifetime)
    return found


def session(request: Request) -> Session:
    """The visitor's session; an anonymous one (set on the response) when there is none."""
    found: Session | None = getattr(request.state, "session", None)
    if found is None:
        found = sessions(request).load(request.cookies.get(COOKIE))
        if found is None:
            found = sessions(request).anonymous()
            request.state.new_session = found
        request.state.session = found
    return found


def set_session(request: Request, response: Response, new: Session | None) -> None:
    """Write the session cookie (or clear it when `new` is None)."""
    secure = request.url.scheme == "https"
    if new is None:
        response.delete_cookie(COOKIE, path="/", secure=secure, httponly=True, samesite="lax")
        return
    response.set_cookie(
        COOKIE,
        sessions(request).dump(new),
        max_age=new.expires - int(sessions(request).clock()),
        path="/",
        secure=secure,
        httponly=True,
        samesite="lax",
    )
