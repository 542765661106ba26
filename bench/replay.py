"""Replay benchmark: a case as of a version, for 20, 200 and 2,000-event cases.

Baseline, same run: raw psycopg selecting the same stream's rows. Target: under 5 ms for 200.

    PYTHONPATH=. .venv/bin/python bench/replay.py
"""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
from psycopg import sql

sys.path.insert(0, str(Path(__file__).parent))
from tests.factories import data_for, real_today, ukraine

from common import finish, machine, median_ms, scratch_runtime, timed, verdict
from referral_engine.bootstrap import Runtime
from referral_engine.domain.commands import Actor

LSA = Actor("bench-lsa", "lsa_official", "lsa-bench")


def case_with(runtime: Runtime, events: int) -> UUID:
    engine = runtime.engine
    case_id = engine.open_case("ukraine-nrm", "UA-32", data_for(ukraine().opening), actor=LSA)
    consent = data_for(ukraine().guard.step("screened", "record_consent"), facts=real_today())
    for version in range(1, events):
        engine.take_step(
            case_id.case_id, "record_consent", consent, actor=LSA, expected_version=version
        )
    return case_id.case_id


def _fetch_all(conn: psycopg.Connection[Any], query: sql.Composed, case_id: UUID) -> list[Any]:
    return conn.execute(query, [case_id]).fetchall()


def main() -> None:
    with scratch_runtime(run_projections=False) as runtime:
        print(f"machine: {machine()}; database: {runtime.display_url}")
        table = sql.Identifier(runtime.settings.database_schema, "cases_events")
        select = sql.SQL(
            "select originator_version, topic, state from {} where originator_id = %s "
            "order by originator_version"
        ).format(table)
        for events in (20, 200, 2000):
            case_id = case_with(runtime, events)
            with runtime.projections._connect() as conn:
                raw = [timed(partial(_fetch_all, conn, select, case_id))[0] for _ in range(30)]
            replay = [
                timed(partial(runtime.engine.case_at_version, case_id, events))[0]
                for _ in range(30)
            ]
            print(
                f"{events:>5} events: raw select {median_ms(raw):7.2f} ms, replay "
                f"{median_ms(replay):7.2f} ms, ratio {median_ms(raw) / median_ms(replay):.2f}"
            )
            if events == 200:
                ratio = median_ms(raw) / median_ms(replay)
                verdict("replay of 200 events / raw select", ratio, 0.5, True)


if __name__ == "__main__":
    main()
    finish()
