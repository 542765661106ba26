"""Signed session cookies and CSRF tokens for the pages.

The cookie is a small JSON payload (CSRF token, expiry and, once signed in, the handle of the
server's session: its id and secret) signed with HMAC-SHA256 under a key derived from the master
key, so every API process of one deployment accepts it and no new secret has to be configured.
Who is signed in is the server's to say (adapters/sessions.py): signing out, idling, revoking
the token, setting the password again, disabling the user or changing their role or regions
ends the session there, whatever copies of the cookie exist. A signed-out or anonymous visitor
has a cookie too: its CSRF token protects the sign-in form.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace

COOKIE = "re_session"
LIFETIME = 8 * 3600
"""Seconds a cookie lasts (the server's session ends by the configured lifetime anyway)."""
MAX_COOKIE = 4096


@dataclass(frozen=True)
class Session:
    csrf: str
    expires: int
    sid: str | None = None
    """The server session's handle (`<id>.<secret>`), once signed in."""

    @property
    def signed_in(self) -> bool:
        return self.sid is not None


def derive_key(master_key: bytes) -> bytes:
    """The cookie-signing key: never the master key itself, one derived for this use only."""
    return hmac.new(master_key, b"referral-engine web session v1", hashlib.sha256).digest()


class Sessions:
    """Issues, signs and checks sessions."""

    def __init__(
        self, key: bytes, clock: Callable[[], float] = time.time, lifetime: int = LIFETIME
    ) -> None:
        self.key = key
        self.clock = clock
        self.lifetime = lifetime

    def anonymous(self) -> Session:
        return Session(csrf=secrets.token_urlsafe(24), expires=int(self.clock()) + self.lifetime)

    def signed_in(self, sid: str) -> Session:
        """A fresh cookie (new CSRF token) for the server session `sid` just opened."""
        return replace(self.anonymous(), sid=sid)

    def dump(self, session: Session) -> str:
        payload = base64.urlsafe_b64encode(json.dumps(asdict(session)).encode()).rstrip(b"=")
        return f"{payload.decode()}.{self._sign(payload)}"

    def load(self, cookie: str | None) -> Session | None:
        """The session the cookie holds, or None when it is missing, forged or expired."""
        if not cookie or len(cookie) > MAX_COOKIE or "." not in cookie:
            return None
        payload, signature = cookie.rsplit(".", 1)
        if not hmac.compare_digest(signature, self._sign(payload.encode())):
            return None
        try:
            data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
            session = Session(**data)
        except (binascii.Error, ValueError, TypeError):
            return None
        return session if session.expires > self.clock() else None

    def _sign(self, payload: bytes) -> str:
        digest = hmac.new(self.key, payload, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def same_token(expected: str, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(expected.encode(), given.encode())
