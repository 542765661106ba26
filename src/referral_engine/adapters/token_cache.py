"""Bearer tokens' look-ups cached in each API process, a revocation refusing the next request.

Every statement changing the tokens or users tables (a token revoked, a user disabled, their
role, agency or regions changed, a token's expiry moved) adds one to a counter in its own
transaction (a statement trigger). A cached look-up is used while the counter reads as it did
when the look-up was made and the token's expiry is still ahead of the server's clock: both read
by one statement of one row per request, where the look-up joins the token and its user. The
counter is read on every request, so whatever commits before a request is seen by it, from
this process or any other (the command line revokes too)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

import psycopg

SCHEMA = (
    """create table if not exists token_generation (
        id int primary key default 1 check (id = 1),
        n bigint not null)""",
    "insert into token_generation (id, n) values (1, 0) on conflict do nothing",
    # `set search_path from current`: the counter of this schema, whoever's session updates
    """create or replace function bump_token_generation() returns trigger language plpgsql
        set search_path from current as $$
        begin update token_generation set n = n + 1; return null; end $$""",
    "drop trigger if exists tokens_generation on tokens",
    """create trigger tokens_generation after update or delete or truncate on tokens
        for each statement execute function bump_token_generation()""",
    "drop trigger if exists users_generation on users",
    """create trigger users_generation after update or delete or truncate on users
        for each statement execute function bump_token_generation()""",
)
GENERATION = "select n, now() from token_generation"
LOOKUP = (
    "select g.n, u.id, u.name, u.role, u.agency, u.regions, t.id, t.expires_at "
    "from token_generation g left join (tokens t join users u on u.id = t.user_id "
    "and u.disabled_at is null) on t.token_hash = %s and t.revoked_at is null "
    "and t.expires_at > now()"
)
"""The generation and the live token's user (nulls when there is none), in one snapshot."""
LIMIT = 10_000
"""Cached look-ups at most (all dropped when full: a new look-up each costs one select)."""

T = TypeVar("T")


@dataclass(frozen=True)
class _Cached(Generic[T]):
    generation: int
    expires_at: datetime
    found: T


class TokenCache(Generic[T]):
    """Live tokens' look-ups by hash, each valid for the generation it was made in."""

    def __init__(self, limit: int = LIMIT) -> None:
        self.limit = limit
        self._entries: dict[bytes, _Cached[T]] = {}

    def look_up(self, conn: psycopg.Connection[Any], digest: bytes, found: Any) -> T | None:
        """The look-up of the token whose hash is `digest`: cached if the generation has not
        moved and the token has not expired, else made again (`found` turns the row from the
        user's id on into what is cached; None when the token is not live)."""
        cached = self._entries.get(digest)
        if cached is not None:
            row = conn.execute(GENERATION).fetchone()
            if row is not None and row[0] == cached.generation and cached.expires_at > row[1]:
                return cached.found
            self._entries.pop(digest, None)
        row = conn.execute(LOOKUP, [digest]).fetchone()
        if row is None or row[1] is None:
            return None
        value: T = found(row[1:7])
        if len(self._entries) >= self.limit:
            self._entries.clear()
        self._entries[digest] = _Cached(row[0], row[7], value)
        return value
