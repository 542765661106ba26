"""Signed session cookies and CSRF tokens for the pages (no session store of their own).

A session is a small JSON payload (user name and id, the credential signed in with, a digest of
the user's grants then, CSRF token, expiry) signed with HMAC-SHA256 under a key derived from the
master key, so every API process of one deployment accepts it and no new secret has to be
configured. Each request checks the credential and the grants against the user store, so
revoking the token, setting the password again or changing the user's role or regions ends the
session at once. A signed-out or anonymous visitor has a session too: its CSRF token protects
the sign-in form.
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
"""Seconds a session lasts from sign-in (a working day), then the user signs in again."""
MAX_COOKIE = 4096


@dataclass(frozen=True)
class Session:
    csrf: str
    expires: int
    user: str | None = None
    user_id: str | None = None
    credential: str | None = None
    """What the user signed in with (`token:<id>` or `password:<mark>`), checked on each
    request: revoking the token or setting the password again ends the session."""
    grants: str | None = None
    """The user's role, agency and regions when signing in (security.grants_of)."""

    @property
    def signed_in(self) -> bool:
        return self.user is not None


def derive_key(master_key: bytes) -> bytes:
    """The cookie-signing key: never the master key itself, one derived for this use only."""
    return hmac.new(master_key, b"referral-engine web session v1", hashlib.sha256).digest()


class Sessions:
    """Issues, signs and checks sessions."""

    def __init__(self, key: bytes, clock: Callable[[], float] = time.time) -> None:
        self.key = key
        self.clock = clock

    def anonymous(self) -> Session:
        return Session(csrf=secrets.token_urlsafe(24), expires=int(self.clock()) + LIFETIME)

    def signed_in(self, name: str, user_id: str, credential: str, grants: str) -> Session:
        """A fresh session (new CSRF token) for a user who just signed in."""
        return replace(
            self.anonymous(), user=name, user_id=user_id, credential=credential, grants=grants
        )

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
