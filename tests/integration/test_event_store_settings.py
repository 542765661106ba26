"""The event store is configured by Settings alone: eventsourcing's own environment variables,
set in the process for some other program, never move it off PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg import sql

from referral_engine.bootstrap import build
from referral_engine.config import Settings
from tests.factories import FixedClock, open_case


def test_eventsourcing_variables_in_the_environment_are_ignored(
    pg_settings: Settings, clock: FixedClock, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    stray = tmp_path / "stray.sqlite"
    for name in ("PERSISTENCE_MODULE", "CASES_PERSISTENCE_MODULE"):
        monkeypatch.setenv(name, "eventsourcing.sqlite")
    for name in ("SQLITE_DBNAME", "CASES_SQLITE_DBNAME"):
        monkeypatch.setenv(name, str(stray))
    monkeypatch.setenv("CASES_POSTGRES_SCHEMA", "somewhere_else")

    with build(pg_settings, clock=clock) as runtime:
        assert isinstance(runtime.engine.store.recorder, PostgresApplicationRecorder)
        case_id = open_case(runtime.engine).case_id
        with psycopg.connect(runtime.database_url) as conn:
            query = sql.SQL("select count(*) from {}.cases_events where originator_id = %s")
            table = sql.Identifier(pg_settings.database_schema)
            row = conn.execute(query.format(table), [case_id]).fetchone()

    assert row == (1,)
    assert not stray.exists()
