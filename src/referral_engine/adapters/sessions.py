"""Page sessions kept on the server: signing out ends one for good, and each ends after a while
unused and a while after sign-in, whichever comes first.

The cookie carries the session's id and a random secret; the table keeps only a hash of the
secret, so a copy of the table opens no session. A request costs one lookup by primary key;
the last-seen time is written at most once a minute (so the idle timeout is exact to a minute).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

from referral_engine.adapters.database import Database
from referral_engine.adapters.security import User, grants_of, password_mark

SCHEMA = (
    """create table if not exists sessions (
        id uuid primary key,
        user_id uuid not null references users(id),
        secret_hash bytea not null,
        credential text not null,
        grants text not null,
        created_at timestamptz not null default now(),
        last_seen_at timestamptz not null default now(),
        expires_at timestamptz not null,
        ended_at timestamptz,
        end_reason text,
        address text,
        user_agent text)""",
    "create index if not exists sessions_user on sessions (user_id) where ended_at is null",
    "create index if not exists sessions_expiry on sessions (expires_at)",
)
KEPT_DAYS = 30
"""Ended and expired sessions stay listed this long, then go."""
SEEN_EVERY = 60
"""Seconds between two writes of a session's last-seen time."""

_LOOKUP = """
    select u.id, u.name, u.role, u.agency, u.regions, s.secret_hash, s.credential, s.grants,
        u.password_hash,
        s.credential not like 'token:%%' or exists (select from tokens t
            where t.id::text = substr(s.credential, 7) and t.user_id = u.id
            and t.revoked_at is null and t.expires_at > now()),
        s.last_seen_at < now() - make_interval(secs => %(seen)s)
    from sessions s join users u on u.id = s.user_id
    where s.id = %(id)s and s.ended_at is null and s.expires_at > now()
        and s.last_seen_at > now() - make_interval(mins => %(idle)s) and u.disabled_at is null
"""


@dataclass(frozen=True)
class SessionInfo:
    id: UUID
    user: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    ended_at: datetime | None
    end_reason: str | None
    address: str | None


def _hash(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def _split(handle: str) -> tuple[UUID, str] | None:
    sid, _, secret = handle.partition(".")
    try:
        return UUID(sid), secret
    except ValueError:
        return None


class ServerSessions:
    """Opens, checks and ends page sessions on PostgreSQL."""

    def __init__(self, db: Database, idle_minutes: int = 30, hours: int = 8) -> None:
        self.db, self.idle_minutes, self.hours = db, idle_minutes, hours

    def open(self, user: User, credential: str, address: str | None, agent: str | None) -> str:
        """A new session for a user who just signed in with `credential`; returns the handle
        for the cookie (id and secret), which only the cookie ever holds."""
        sid, secret = uuid4(), secrets.token_urlsafe(32)
        with self.db.pool.connection() as conn:
            conn.execute(
                "delete from sessions where expires_at < now() - make_interval(days => %s)",
                [KEPT_DAYS],
            )
            conn.execute(
                "insert into sessions (id, user_id, secret_hash, credential, grants, expires_at, "
                "address, user_agent) values (%s, %s, %s, %s, %s, "
                "now() + make_interval(hours => %s), %s, %s)",
                [
                    sid,
                    user.id,
                    _hash(secret),
                    credential,
                    grants_of(user),
                    self.hours,
                    address,
                    (agent or "")[:200],
                ],
            )
        return f"{sid}.{secret}"

    def user_of(self, handle: str) -> User | None:
        """The user of a live session: not ended, idle or expired, and what it was opened with
        (the token, the password, the user's role, agency and regions) still holds."""
        found = _split(handle)
        if found is None:
            return None
        sid, secret = found
        params = {"id": sid, "seen": SEEN_EVERY, "idle": self.idle_minutes}
        with self.db.pool.connection() as conn:
            row = conn.execute(_LOOKUP, params).fetchone()
            if row is None or not hmac.compare_digest(row[5], _hash(secret)):
                return None
            if row[10]:
                conn.execute("update sessions set last_seen_at = now() where id = %s", [sid])
        user = User.of(row)
        kind, _, ref = row[6].partition(":")
        live = row[9] and grants_of(user) == row[7]
        if kind == "password":
            live = live and bool(row[8]) and hmac.compare_digest(password_mark(row[8]), ref)
        return user if live else None

    def end(self, handle: str, reason: str = "signed out") -> bool:
        """End a session (the cookie's handle); False when it was not live."""
        found = _split(handle)
        if found is None:
            return False
        with self.db.pool.connection() as conn:
            cursor = conn.execute(
                "update sessions set ended_at = now(), end_reason = %s "
                "where id = %s and secret_hash = %s and ended_at is null",
                [reason, found[0], _hash(found[1])],
            )
            return cursor.rowcount == 1

    def end_all(self, name: str, reason: str = "signed out by an administrator") -> int:
        """End every live session of a user; how many there were."""
        with self.db.pool.connection() as conn:
            cursor = conn.execute(
                "update sessions set ended_at = now(), end_reason = %s where ended_at is null "
                "and user_id = (select id from users where name = %s)",
                [reason, name],
            )
            return cursor.rowcount

    def of_user(self, name: str) -> list[SessionInfo]:
        """A user's sessions, newest first (never their secrets)."""
        with self.db.pool.connection() as conn:
            rows = conn.execute(
                "select s.id, u.name, s.created_at, s.last_seen_at, s.expires_at, s.ended_at, "
                "s.end_reason, s.address from sessions s join users u on u.id = s.user_id "
                "where u.name = %s order by s.created_at desc",
                [name],
            ).fetchall()
        return [SessionInfo(*row) for row in rows]
