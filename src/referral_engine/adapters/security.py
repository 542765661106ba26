"""Users, roles, region scopes and bearer tokens (only a hash of each token is stored)."""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import psycopg
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from referral_engine.adapters import token_cache
from referral_engine.adapters.database import Database, autocommitted
from referral_engine.adapters.token_cache import TokenCache
from referral_engine.config import TOKEN_DAYS_MAX
from referral_engine.domain.access import Scope
from referral_engine.domain.addresses import email_address
from referral_engine.domain.commands import Actor
from referral_engine.domain.errors import DomainError, FieldProblem, InvalidData

STAFF_ROLES = ("supervisor", "analyst", "statistician", "admin")
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
    "alter table users add column if not exists disabled_at timestamptz",
    "alter table tokens add column if not exists expires_at timestamptz",
    # tokens issued before tokens expired get the default lifetime from the upgrade on
    "update tokens set expires_at = now() + interval '90 days' where expires_at is null",
    "alter table tokens alter column expires_at set not null",
    # where e-mail notifications go (none: in-app only); checked by domain/addresses.py
    "alter table users add column if not exists email text",
    *token_cache.SCHEMA,
)
END_SESSIONS = (
    "update sessions set ended_at = now(), end_reason = %s where ended_at is null and user_id = "
    "(select id from users where name = %s)"
)
"""End a user's live page sessions (the sessions table is adapters/sessions.py's)."""


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
    expires_at: datetime | None


def hash_token(token: str) -> bytes:
    """Tokens carry 256 random bits, so a fast hash is enough; lookup is by hash, not compare."""
    return hashlib.sha256(token.encode()).digest()


class Users:
    """The user and token store on PostgreSQL."""

    def __init__(self, db: Database, known_roles: set[str], token_days: int = 90) -> None:
        self.db = db
        self.known_roles = known_roles | set(STAFF_ROLES)
        self.token_days = token_days
        self._tokens: TokenCache[tuple[User, str]] = TokenCache()

    def add(
        self, name: str, role: str, agency: str, regions: list[str], email: str | None = None
    ) -> User:
        """Create a user; the role must be a workflow role or supervisor, analyst or admin; the
        e-mail address (where notifications go) is optional."""
        address = None if email is None else email_address(email)
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
                    "insert into users (id, name, role, agency, regions, email) "
                    "values (%s, %s, %s, %s, %s, %s)",
                    [user.id, user.name, user.role, user.agency, list(user.regions), address],
                )
        except psycopg.errors.UniqueViolation:
            raise UserExists(f"user '{user.name}' already exists") from None
        return user

    def get(self, name: str, *, active: bool = False) -> User | None:
        """The user, if known (and, when `active`, not disabled: who may act, or be named as
        acting)."""
        with self.db.pool.connection() as conn:
            row = conn.execute(
                "select id, name, role, agency, regions from users "
                "where name = %s and (not %s or disabled_at is null)",
                [name, active],
            ).fetchone()
        return None if row is None else User.of(row)

    def working_in(self, region: str, limit: int = 500) -> list[User]:
        """The active users whose regions include `region` (or every region), by name: those
        a case of that region may be assigned to, once its rules agree."""
        with self.db.pool.connection() as conn:
            rows = conn.execute(
                "select id, name, role, agency, regions from users where disabled_at is null "
                "and (%s = any(regions) or %s = any(regions)) order by name limit %s",
                [region, ALL_REGIONS, limit],
            ).fetchall()
        return [User.of(row) for row in rows]

    def change_email(self, name: str, email: str | None) -> str | None:
        """Set (or, with None, remove) the address the user's e-mail notifications go to."""
        address = None if email is None else email_address(email)
        with self.db.pool.connection() as conn:
            cursor = conn.execute("update users set email = %s where name = %s", [address, name])
            if cursor.rowcount != 1:
                raise InvalidData([FieldProblem("name", f"no user named '{name}'")])
        return address

    def email_of(self, name: str) -> str | None:
        """The address the user's e-mail notifications go to, if any."""
        with self.db.pool.connection() as conn:
            row = conn.execute("select email from users where name = %s", [name]).fetchone()
        return None if row is None else row[0]

    def issue_token(self, name: str, label: str = "", expires_at: datetime | None = None) -> str:
        """A new bearer token for the user, returned once; only its hash is kept. It expires
        at `expires_at`, or after the configured number of days."""
        user = self.get(name)
        if user is None:
            raise InvalidData([FieldProblem("name", f"no user named '{name}'")])
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self.db.pool.connection() as conn:
            conn.execute(
                "insert into tokens (id, user_id, token_hash, label, expires_at) values "
                "(%s, %s, %s, %s, coalesce(%s, now() + make_interval(days => %s)))",
                [uuid4(), user.id, hash_token(token), label, expires_at, self.token_days],
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
        # one statement on every request: in autocommit, one round trip instead of three
        with self.db.pool.connection() as conn, autocommitted(conn):
            return self._tokens.look_up(conn, hash_token(token), _signed_in)

    def set_password(self, name: str, password: str) -> None:
        """Set the user's password for the pages' sign-in (only an argon2 hash is kept); the
        sessions opened with the old one end."""
        check_password(password)
        with self.db.pool.connection() as conn:
            cursor = conn.execute(
                "update users set password_hash = %s where name = %s",
                [_HASHER.hash(password), name],
            )
            if cursor.rowcount != 1:
                raise InvalidData([FieldProblem("name", f"no user named '{name}'")])
            conn.execute(
                END_SESSIONS + " and credential like 'password:%%'", ["password set", name]
            )

    def disable(self, name: str) -> None:
        """Stop a user signing in: their tokens and password are refused, their sessions end."""
        self._set_disabled(name, True)

    def enable(self, name: str) -> None:
        """Let a disabled user sign in again with their tokens and password."""
        self._set_disabled(name, False)

    def _set_disabled(self, name: str, disabled: bool) -> None:
        with self.db.pool.connection() as conn:
            cursor = conn.execute(
                "update users set disabled_at = case when %s then coalesce(disabled_at, now()) "
                "end where name = %s",
                [disabled, name],
            )
            if cursor.rowcount != 1:
                raise InvalidData([FieldProblem("name", f"no user named '{name}'")])
            if disabled:
                conn.execute(END_SESSIONS, ["user disabled", name])

    def sign_in(self, name: str, password: str) -> User | None:
        """The user whose name and password these are, or None (unknown users cost the same)."""
        found = self.password_sign_in(name, password)
        return None if found is None else found[0]

    def password_sign_in(self, name: str, password: str) -> tuple[User, str] | None:
        """The user whose name and password these are and the credential to bind a session to
        (a mark of this password hash, so setting the password again ends such sessions)."""
        with self.db.pool.connection() as conn:
            row = conn.execute(
                "select id, name, role, agency, regions, password_hash from users "
                "where name = %s and disabled_at is null",
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
                "select t.id, u.name, t.label, t.created_at, t.revoked_at, t.expires_at "
                "from tokens t "
                "join users u on u.id = t.user_id where %s::text is null or u.name = %s "
                "order by t.created_at",
                [name, name],
            ).fetchall()
        return [TokenInfo(*row) for row in rows]

    def revoke(self, token_id: UUID) -> bool:
        """Revoke one token (the sessions opened with it end); False when there is no such
        live token."""
        with self.db.pool.connection() as conn:
            cursor = conn.execute(
                "update tokens set revoked_at = now() where id = %s and revoked_at is null",
                [token_id],
            )
            conn.execute(
                "update sessions set ended_at = now(), end_reason = 'token revoked' "
                "where ended_at is null and credential = %s",
                [f"token:{token_id}"],
            )
            return cursor.rowcount == 1

    def revoke_all(self, name: str) -> int:
        """Revoke every token of a user (the sessions opened with them end)."""
        with self.db.pool.connection() as conn:
            cursor = conn.execute(
                "update tokens set revoked_at = now() where revoked_at is null and user_id = "
                "(select id from users where name = %s)",
                [name],
            )
            conn.execute(END_SESSIONS + " and credential like 'token:%%'", ["token revoked", name])
            return cursor.rowcount


def _signed_in(row: Sequence[Any]) -> tuple[User, str]:
    """A token's user and credential from a row of the user's id, name, role, agency, regions
    and the token's id."""
    return User.of(row), f"token:{row[5]}"


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


DURATION = re.compile(r"^(\d{1,6})([hdw])$")
UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}


def token_expiry(text: str, now: datetime) -> datetime:
    """When a token given `--expires text` at `now` expires: a duration (`12h`, `90d`, `8w`)
    from now, or a date (YYYY-MM-DD: to the end of that day, UTC)."""
    text = text.strip()
    found = DURATION.match(text)
    try:
        if found:
            at = now + int(found.group(1)) * UNITS[found.group(2)]
        else:
            at = datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
            at += timedelta(days=1)
    except ValueError:
        at = None
    if at is None or (not found and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text)):
        problem = "must be a date (YYYY-MM-DD) or a duration such as 12h, 90d or 8w"
        raise InvalidData([FieldProblem("expires", problem)])
    if at <= now:
        raise InvalidData([FieldProblem("expires", f"'{text}' is in the past")])
    if at - now > timedelta(days=TOKEN_DAYS_MAX):
        raise InvalidData([FieldProblem("expires", f"is at most {TOKEN_DAYS_MAX} days away")])
    return at
