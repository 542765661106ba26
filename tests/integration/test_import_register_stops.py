"""`referral-engine import` stopped halfway (SIGTERM: after the batch in flight, exit 130) and
killed halfway (SIGKILL: the batch in flight rolled back), then run again to the end, leaves what
one uninterrupted import of the same file leaves: the same cases, in the same states, with the
same events, counted in the same statistics. "Halfway" is what the events table shows: some but
not all rows' CaseImported events are in."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import psycopg
from eventsourcing.utils import get_topic
from psycopg import sql

from referral_engine.application.demo_register import synthetic_register
from referral_engine.bootstrap import Runtime, build
from referral_engine.config import PROJECT_ROOT
from referral_engine.domain.case import Case
from tests.factories import wait_until
from tests.integration.test_import_register import (
    WORKFLOW,
    figures,
    fresh_runtime,
    histories,
    queue,
    run_import,
)

ROWS = 4_000
"""Eight batches: long enough to be caught halfway twice, short enough for the suite."""
MAPPING_FILE = PROJECT_ROOT / "docs" / "import" / "ministry-register.yaml"


def start(runtime: Runtime, register: Path) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "REFERRAL_ENGINE_DATABASE_URL": runtime.database_url,
        "REFERRAL_ENGINE_DATABASE_SCHEMA": runtime.db.schema,
    }  # the master key: the test run's own, in the environment (tests/conftest.py)
    return subprocess.Popen(
        [sys.executable, "-m", "referral_engine", "import", str(register),
         "--workflow", WORKFLOW, "--mapping", str(MAPPING_FILE)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip


def imported_rows(runtime: Runtime) -> int:
    with psycopg.connect(runtime.database_url) as conn:
        row = conn.execute(
            sql.SQL("select count(*) from {} where topic = %s").format(
                sql.Identifier(runtime.db.schema, "cases_events")
            ),
            [get_topic(Case.Imported)],
        ).fetchone()
    assert row is not None
    return int(row[0])


def halfway(runtime: Runtime, process: subprocess.Popen[str], above: int) -> int:
    """Wait until the import has written more rows than `above` and is still running."""
    wait_until(
        lambda: imported_rows(runtime) > above or process.poll() is not None,
        what="the import writing its first batches",
    )
    done = imported_rows(runtime)
    assert process.poll() is None and above < done < ROWS, "the import ended before halfway"
    return done


def test_an_import_stopped_then_killed_then_run_again_equals_one_uninterrupted_run(
    pg_database_url: str, tmp_path: Path
) -> None:
    data, expected = synthetic_register(ROWS, seed=13)
    register = tmp_path / "register.csv"
    register.write_bytes(data)
    with (
        fresh_runtime(pg_database_url, tmp_path / "interrupted") as interrupted,
        fresh_runtime(pg_database_url, tmp_path / "whole") as whole,
    ):
        stopped = start(interrupted, register)
        first = halfway(interrupted, stopped, 0)
        stopped.send_signal(signal.SIGTERM)
        out, err = stopped.communicate(timeout=120)
        assert stopped.returncode == 130, err
        assert "stopped: run the same command again" in out
        assert first <= imported_rows(interrupted) < ROWS

        killed = start(interrupted, register)
        second = halfway(interrupted, killed, imported_rows(interrupted))
        killed.kill()
        killed.communicate(timeout=60)
        assert killed.returncode == -signal.SIGKILL
        assert second <= imported_rows(interrupted) < ROWS

        finished = start(interrupted, register)
        out, err = finished.communicate(timeout=300)
        assert finished.returncode == 0, err
        assert f"{ROWS} of {ROWS} rows" in out and "imported" in out and "unchanged" in out

        report = run_import(whole, data)
        assert dict(report.counts) == {"imported": ROWS}
        assert histories(interrupted) == histories(whole)  # the same cases, events, in order
        for runtime in (interrupted, whole):
            runtime.projections.rebuild_many(["statistics", "case_queue"])
        assert queue(interrupted) == queue(whole) and len(queue(whole)) == ROWS
        for report_name, by in (("status", ("year",)), ("identification", ("year", "region"))):
            assert figures(interrupted, report_name, *by) == figures(whole, report_name, *by)
        assert figures(whole, "status", "year")["granted"].value("total") == sum(
            expected.granted.values()
        )
        with build(interrupted.settings) as again:  # keys and events agree: every case reads
            assert len({again.engine.case(c).state for c in list(histories(again))[:50]}) > 1
