"""Users, roles, region scopes and bearer tokens (only a hash of each token is stored)."""

from __future__ import annotations

import functools
import hashlib
import hmac
import math
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

import psycopg
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from referral_engine.adapters.database import Database
from referral_engine.domain.access import Scope
from referral_engine.domain.commands import Actor
from referral_engine.domain.errors import DomainError, FieldProblem, InvalidData

STAFF_ROLES = ("supervisor", "analyst", "admin")
ALL_REGIONS = "*"
TOKEN_PREFIX = "ret_"
PASSWORD_MIN = 10
_HASHER = PasswordHasher()

SCHEMA = (
    """create table if not exists users (
        id uuid primary key,
        name text not null unique,
        role text not null,
        agency text not null,
        regions text[] not null,
        created_at timestamptz not null default now())""",
    """create table if not exists tokens (
        id uuid primary key,
        user_id uuid not null references users(id),
        token_hash bytea not null unique,
        label text not null default '',
        created_at timestamptz not null default now(),
        revoked_at timestamptz)""",
    "alter table users add column if not exists password_hash text",
)


class UserExists(DomainError):
    type = "user-exists"
    title = "A user with this name exists"


@dataclass(frozen=True)
class User:
    """Someone who signs in: their role, agency and the regions whose cases they work."""

    id: UUID
    name: str
    role: str
    agency: str
    regions: tuple[str, ...]

    @property
    def actor(self) -> Actor:
        return Actor(self.name, self.role, self.agency)

    @property
    def scope(self) -> frozenset[str] | None:
        """The regions this user may see, or None for every region."""
        return None if ALL_REGIONS in self.regions else frozenset(self.regions)

    @property
    def reach(self) -> Scope:
        """What the engine's need-to-know rules judge this user by: regions, role, agency."""
        return Scope(self.scope, self.role, self.agency)

    def covers(self, region: str) -> bool:
        return ALL_REGIONS in self.regions or region in self.regions

    @classmethod
    def of(cls, row: Sequence[Any]) -> User:
        """The user from a row starting id, name, role, agency, regions."""
        return cls(row[0], row[1], row[2], row[3], tuple(row[4]))


@dataclass(frozen=True)
class TokenInfo:
    id: UUID
    user: str
    label: str
    created_at: datetime
    revoked_at: datetime | None


def hash_token(token: str) -> bytes:
    """Tokens carry 256 random bits, so a fast hash is enough; lookup is by hash, not compare."""
    return hashlib.sha256(token.encode()).digest()


class Users:
    """The user and token store on PostgreSQL."""

    def __init__(self, db: Database, known_roles: set[str]) -> None:
        self.db = db
        self.known_roles = known_roles | set(STAFF_ROLES)

    def add(self, name: str, role: str, agency: str, regions: list[str]) -> User:
        """Create a user; the role must be a workflow role or supervisor, analyst or admin."""
        problems = []
        if not name.strip():
            problems.append(FieldProblem("name", "is required"))
        if role not in self.known_roles:
            known = ", ".join(sorted(self.known_roles))
            problems.append(FieldProblem("role", f"unknown role '{role}'; known: {known}"))
        if not agency.strip():
            problems.append(FieldProblem("agency", "is required"))
        if not regions or any(not r.strip() for r in regions):
            problems.append(FieldProblem("region", "at least one region is required"))
        if problems:
            raise InvalidData(problems)
        user = User(uuid4(), name.strip(), role, agency.strip(), tuple(r.strip() for r in regions))
        try:
            with self.db.pool.connection() as conn:
                conn.execute(
                    "insert into users (id, name, role, agency, regions) "
                    "values (%s, %s, %s, %s, %s)",
                    [user.id, user.name, user.role, user.agency, list(user.regions)],
                )
        except psycopg.errors.UniqueViolation:
            raise UserExists(f"user '{user.name}' already exists") from None
        return user

    def get(self, name: str) -> User | None:
        with self.db.pool.connection() as conn:
            row = conn.execute(
                "select id, name, role, agency, regions from users where name = %s", [name]
            ).fetchone()
        return None if row is None else User.of(row)

    def issue_token(self, name: str, label: str = "") -> str:
        """A new bearer token for the user, returned once; only its hash is kept."""
        user = self.get(name)
        if user is None:
            raise InvalidData([FieldProblem("name", f"no user named '{name}'")])
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self.db.pool.connection() as conn:
            conn.execute(
                "insert into tokens (id, user_id, token_hash, label) values (%s, %s, %s, %s)",
                [uuid4(), user.id, hash_token(token), label],
            )
        return token

    def authenticate(self, token: str) -> User | None:
        """The user a live token belongs to, or None."""
        found = self.token_sign_in(token)
        return None if found is None else found[0]

    def token_sign_in(self, token: str) -> tuple[User, str] | None:
        """The user a live token belongs to and the credential to bind a session to."""
        if not token.startswith(TOKEN_PREFIX) or len(token) > 100:
            return None
        with self.db.pool.connection() as conn:
            row = conn.execute(
                "select u.id, u.name, u.role, u.agency, u.regions, t.id from tokens t "
                "join users u on u.id = t.user_id "
                "where t.token_hash = %s and t.revoked_at is null",
                [hash_token(token)],
            ).fetchone()
        if row is None:
            return None
        return User.of(row), f"token:{row[5]}"

    def session_user(self, user_id: UUID, credential: str) -> User | None:
        """The user a page session belongs to, while the credential it was opened with holds:
        the token is not revoked, or the password has not been set again since."""
        kind, _, ref = credential.partition(":")
        with self.db.pool.connection() as conn:
            row = conn.execute(
                "select id, name, role, agency, regions, password_hash, exists(select from tokens "
                "where id::text = %s and user_id = users.id and revoked_at is null) "
                "from users where id = %s",
                [ref, user_id],
            ).fetchone()
        if row is None:
            return None
        live = row[6] if kind == "token" else kind == "password" and bool(row[5])
        if kind == "password" and live:
            live = hmac.compare_digest(password_mark(row[5]), ref)
        return User.of(row) if live else None

    def set_password(self, name: str, password: str) -> None:
        """Set the user's password for the pages' sign-in (only an argon2 hash is kept)."""
        check_password(password)
        with self.db.pool.connection() as conn:
            cursor = conn.execute(
                "update users set password_hash = %s where name = %s",
                [_HASHER.hash(password), name],
            )
        if cursor.rowcount != 1:
            raise InvalidData([FieldProblem("name", f"no user named '{name}'")])

    def sign_in(self, name: str, password: str) -> User | None:
        """The user whose name and password these are, or None (unknown users cost the same)."""
        found = self.password_sign_in(name, password)
        return None if found is None else found[0]

    def password_sign_in(self, name: str, password: str) -> tuple[User, str] | None:
        """The user whose name and password these are and the credential to bind a session to
        (a mark of this password hash, so setting the password again ends such sessions)."""
        with self.db.pool.connection() as conn:
            row = conn.execute(
                "select id, name, role, agency, regions, password_hash from users where name = %s",
                [name[:200].replace("\x00", "")],
            ).fetchone()
        stored = row[5] if row is not None and row[5] else _no_such_user()
        try:
            _HASHER.verify(stored, password[:1000])
        except (VerificationError, InvalidHashError):
            return None
        if row is None or not row[5]:
            return None
        return User.of(row), f"password:{password_mark(row[5])}"

    def tokens(self, name: str | None = None) -> list[TokenInfo]:
        with self.db.pool.connection() as conn:
            rows = conn.execute(
                "select t.id, u.name, t.label, t.created_at, t.revoked_at from tokens t "
                "join users u on u.id = t.user_id where %s::text is null or u.name = %s "
                "order by t.created_at",
                [name, name],
            ).fetchall()
        return [TokenInfo(*row) for row in rows]

    def revoke(self, token_id: UUID) -> bool:
        """Revoke one token; False when there is no such live token."""
        with self.db.pool.connection() as conn:
            cursor = conn.execute(
                "update tokens set revoked_at = now() where id = %s and revoked_at is null",
                [token_id],
            )
            return cursor.rowcount == 1

    def revoke_all(self, name: str) -> int:
        with self.db.pool.connection() as conn:
            cursor = conn.execute(
                "update tokens set revoked_at = now() where revoked_at is null and user_id = "
                "(select id from users where name = %s)",
                [name],
            )
            return cursor.rowcount


def password_mark(password_hash: str) -> str:
    """A short digest of a stored password hash: the same until the password is set again (each
    hash has its own salt), and telling nothing about the password."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:32]


def grants_of(user: User) -> str:
    """A digest of what a user may do (role, agency, regions): a page session opened under
    other grants ends rather than carrying on."""
    granted = "\x1f".join([user.role, user.agency, *sorted(user.regions)])
    return hashlib.sha256(granted.encode()).hexdigest()[:32]


def check_password(password: str) -> None:
    """Refuse a password too short to resist guessing."""
    if len(password) < PASSWORD_MIN:
        problem = f"must be at least {PASSWORD_MIN} characters"
        raise InvalidData([FieldProblem("password", problem)])


@functools.cache
def _no_such_user() -> str:
    """A hash to verify against when the user has none, so timing tells nothing."""
    return _HASHER.hash(secrets.token_urlsafe(16))


class Throttle:
    """Slows down guessing: after `limit` failed sign-ins from one address within `window`
    seconds, that address is refused until the window has passed (per process).

    Each failure is counted against the address with the user name it tried (None for a
    token). A success forgives only the failures against that same name, so signing in to one's
    own account does not wipe the guesses at others, and a valid token forgives nothing."""

    def __init__(
        self, limit: int = 10, window: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit, self.window, self.clock = limit, window, clock
        self._failures: dict[str, list[tuple[float, str | None]]] = {}
        self._lock = threading.Lock()

    def retry_after(self, address: str) -> int:
        """Seconds until `address` may try again; 0 when it may now."""
        with self._lock:
            recent = self._recent(address)
            if len(recent) < self.limit:
                return 0
            return max(1, math.ceil(recent[0][0] + self.window - self.clock()))

    def failed(self, address: str, name: str | None = None) -> None:
        """A failed sign-in from `address` as user `name` (None: a bad token)."""
        with self._lock:
            self._recent(address).append((self.clock(), name))
            if len(self._failures) > 100_000:  # forget the oldest addresses, never grow unbounded
                for stale in list(self._failures)[:50_000]:
                    del self._failures[stale]

    def succeeded(self, address: str, name: str) -> None:
        """User `name` signed in from `address`: forget their own failed attempts only."""
        with self._lock:
            self._failures[address] = [f for f in self._recent(address) if f[1] != name]

    def _recent(self, address: str) -> list[tuple[float, str | None]]:
        cutoff = self.clock() - self.window
        recent = [f for f in self._failures.get(address, []) if f[0] > cutoff]
        self._failures[address] = recent
        return recent
