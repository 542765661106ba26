"""Command path benchmark: the engine's take_step against raw psycopg, same run, same database.

Baseline per command: select the case's stream, insert one event row, commit (raw psycopg,
one connection per client). Engine per command: load the case, check the workflow, append one
event (eventsourcing, optimistic concurrency, table lock for a gapless notification log).
Run with 1, 4 and 16 concurrent clients, each on cases of its own.

    .venv/bin/python bench/command.py [--seconds 5]
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import psycopg
from psycopg import sql

sys.path.insert(0, str(Path(__file__).parent))
from tests.factories import data_for, real_today, ukraine

from common import Tracked, finish, machine, scratch_runtime, verdict
from referral_engine.application.ports import AuditNote
from referral_engine.bootstrap import Runtime
from referral_engine.domain.commands import Actor

LSA = Actor("bench-lsa", "lsa_official", "lsa-bench")
CASES_PER_CLIENT = 40


def run_clients(clients: int, seconds: float, work: Callable[[int], Callable[[], None]]) -> float:
    """Commands per second over all clients, each calling its own `work(client)()` in a loop."""
    counts = [0] * clients
    stop = threading.Event()
    barrier = threading.Barrier(clients + 1)

    def loop(i: int) -> None:
        step = work(i)
        barrier.wait()
        while not stop.is_set():
            step()
            counts[i] += 1

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join()
    return sum(counts) / (time.perf_counter() - started)


def engine_work(runtime: Runtime, audited: bool = False) -> Callable[[int], Callable[[], None]]:
    """The engine's command; `audited` also writes its audit entry as the HTTP path does."""
    engine = runtime.engine
    consent = data_for(ukraine().guard.step("screened", "record_consent"), facts=real_today())
    opening = data_for(ukraine().opening)

    def work(client: int) -> Callable[[], None]:
        cases = [
            Tracked(engine.open_case("ukraine-nrm", "UA-32", opening, actor=LSA).case_id, 1)
            for _ in range(CASES_PER_CLIENT)
        ]
        turn = [0]

        def step() -> None:
            case = cases[turn[0] % len(cases)]
            turn[0] += 1
            result = engine.take_step(
                case.id,
                "record_consent",
                consent,
                actor=LSA,
                expected_version=case.version,
                audit=audit_note(case.id) if audited else None,
            )
            case.version = result.version

        return step

    return work


def audit_note(case_id: uuid.UUID) -> AuditNote:
    """The audit entry of one step, as the API hands it to the engine (written in the
    command's own transaction, chained to the entry before it)."""
    return AuditNote(
        "case.step",
        "POST",
        f"/api/cases/{case_id}/steps",
        200,
        LSA.user_id,
        LSA.role,
        LSA.agency,
        "127.0.0.1",
        {"trigger": "record_consent"},
    )


def raw_work(runtime: Runtime) -> Callable[[int], Callable[[], None]]:
    """The physical floor: the same reads and writes with nothing in between."""
    table = sql.Identifier(runtime.settings.database_schema, "raw_events")
    with psycopg.connect(runtime.database_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL(
                "create table if not exists {} (originator_id uuid, originator_version bigint, "
                "topic text, state bytea, notification_id bigserial, "
                "primary key (originator_id, originator_version))"
            ).format(table)
        )
    state = b'{"name":"ConsentRecorded","data":{"given_by":"person"}}' * 12
    select = sql.SQL(
        "select originator_version, topic, state from {} where originator_id = %s "
        "order by originator_version"
    ).format(table)
    insert = sql.SQL(
        "insert into {} (originator_id, originator_version, topic, state) values (%s, %s, %s, %s)"
    ).format(table)

    def work(client: int) -> Callable[[], None]:
        conn = psycopg.connect(runtime.database_url)
        cases = [Tracked(uuid.uuid4(), 0) for _ in range(CASES_PER_CLIENT)]
        turn = [0]

        def step() -> None:
            case = cases[turn[0] % len(cases)]
            turn[0] += 1
            conn.execute(select, [case.id]).fetchall()
            case.version += 1
            conn.execute(insert, [case.id, case.version, "bench:Event", state])
            conn.commit()

        return step

    return work


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    with scratch_runtime(run_projections=False, pool_size=20) as runtime:
        print(f"machine: {machine()}; database: {runtime.display_url}")
        for clients in (1, 4, 16):
            raw = run_clients(clients, args.seconds, raw_work(runtime))
            engine = run_clients(clients, args.seconds, engine_work(runtime))
            audited = run_clients(clients, args.seconds, engine_work(runtime, audited=True))
            print(
                f"{clients:>2} client(s): raw psycopg {raw:8,.0f} commands/s, engine "
                f"{engine:8,.0f} commands/s, ratio {engine / raw:.2f}; with its audit entry "
                f"{audited:8,.0f} commands/s, ratio {audited / raw:.2f}"
            )
            verdict(f"command path / raw psycopg, {clients} client(s)", engine / raw, 0.5, True)


if __name__ == "__main__":
    main()
    finish()
