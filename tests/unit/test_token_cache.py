"""The token cache's rule (adapters/token_cache.py): a cached look-up costs one read of the
generation, and any change of generation or an expiry reached makes the look-up again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from referral_engine.adapters.token_cache import GENERATION, LOOKUP, TokenCache

NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)
LATER = NOW + timedelta(days=1)


class Conn:
    """A connection answering the generation and the look-up from what the test sets."""

    def __init__(self) -> None:
        self.generation = 1
        self.now = NOW
        self.live = True
        self.statements: list[str] = []

    def execute(self, statement: str, params: Any = None) -> Conn:
        self.statements.append(statement)
        if statement == GENERATION:
            self.row: tuple[Any, ...] = (self.generation, self.now)
        else:
            assert statement == LOOKUP
            user = ("id", "name", "role", "agency", ["UA-32"], "token-id")
            self.row = (self.generation, *(user if self.live else (None,) * 6), LATER)
        return self

    def fetchone(self) -> tuple[Any, ...]:
        return self.row


def found(row: Any) -> str:
    return f"user {row[1]}"


def test_a_cached_look_up_costs_one_read_of_the_generation() -> None:
    cache: TokenCache[str] = TokenCache()
    conn = Conn()
    assert cache.look_up(conn, b"h", found) == "user name"  # type: ignore[arg-type]
    assert cache.look_up(conn, b"h", found) == "user name"  # type: ignore[arg-type]
    assert cache.look_up(conn, b"h", found) == "user name"  # type: ignore[arg-type]
    assert conn.statements == [LOOKUP, GENERATION, GENERATION]


def test_a_new_generation_makes_the_look_up_again() -> None:
    cache: TokenCache[str] = TokenCache()
    conn = Conn()
    cache.look_up(conn, b"h", found)  # type: ignore[arg-type]
    conn.generation, conn.live = 2, False  # revoked

    assert cache.look_up(conn, b"h", found) is None  # type: ignore[arg-type]
    assert conn.statements == [LOOKUP, GENERATION, LOOKUP]
    assert cache.look_up(conn, b"h", found) is None  # type: ignore[arg-type]
    assert conn.statements[-1] == LOOKUP  # nothing cached for a token that is not live


def test_an_expiry_reached_makes_the_look_up_again() -> None:
    cache: TokenCache[str] = TokenCache()
    conn = Conn()
    cache.look_up(conn, b"h", found)  # type: ignore[arg-type]
    conn.now, conn.live = LATER, False

    assert cache.look_up(conn, b"h", found) is None  # type: ignore[arg-type]


def test_a_full_cache_starts_again() -> None:
    cache: TokenCache[str] = TokenCache(limit=2)
    conn = Conn()
    for digest in (b"a", b"b", b"c"):
        cache.look_up(conn, digest, found)  # type: ignore[arg-type]
    conn.statements.clear()

    cache.look_up(conn, b"c", found)  # type: ignore[arg-type]
    cache.look_up(conn, b"a", found)  # type: ignore[arg-type]
    assert conn.statements == [GENERATION, LOOKUP]
