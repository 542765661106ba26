"""Notification lag: time from a committed step to its notification row, at 200 steps/s.

The notification worker runs as its own process (`referral-engine notifications run`), woken by
NOTIFY; this process sends referrals at a steady rate (each tells the receiving agency's five
users) and times, for every tenth, how long until its notifications are written. The baseline,
measured in the same run at the same rate: the bare round trip such a worker cannot beat, a row
inserted with a NOTIFY, and a listening process that selects it and writes a row back. Target:
notification lag p95 under 1 s.

    PYTHONPATH=. .venv/bin/python bench/notifications.py [--rate 200] [--seconds 10]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

sys.path.insert(0, str(Path(__file__).parent))
from tests.factories import data_for, real_today, ukraine

from common import Tracked, finish, machine, process_env, scratch_runtime, verdict
from referral_engine.bootstrap import Runtime
from referral_engine.domain.commands import Actor

LSA = Actor("bench-lsa", "lsa_official", "lsa-kyivska")
SHELTER = "shelter-kyiv"  # of the synthetic registry (bench/common.py)
CHANNEL = "bench_notifications_baseline"
WRITERS = 4
Poll = Callable[[psycopg.Connection[Any], Any], bool]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--listen", nargs=2, help=argparse.SUPPRESS)  # the baseline's listener
    args = parser.parse_args()
    if args.listen:
        listen(*args.listen)
        return
    with scratch_runtime(run_projections=False) as runtime:
        print(f"machine: {machine()}; database: {runtime.display_url}")
        for i in range(5):
            runtime.users.add(f"shelter-{i}", "service_provider", SHELTER, ["UA-32"])
        with runtime.db.pool.connection() as conn:
            conn.execute("create table bench_sent (id bigserial primary key)")
            conn.execute("create table bench_seen (id bigint primary key)")
        base = with_process(
            runtime,
            ["--listen", runtime.database_url, runtime.settings.database_schema],
            lambda: baseline(runtime, args.rate, args.seconds),
        )
        lags = with_process(
            runtime,
            ["-m", "referral_engine", "notifications", "run", "--poll", "1"],
            lambda: notifications(runtime, args.rate, args.seconds),
        )
    p95_base, p95 = (
        report("baseline (insert, NOTIFY, select, write back)", base),
        report("notifications", lags),
    )
    print(
        f"notification lag p95 {p95 * 1000:.0f} ms, {p95 / p95_base:.1f}x the baseline's "
        f"{p95_base * 1000:.0f} ms"
    )
    verdict("notification lag p95", p95 * 1000, 1000, False, unit=" ms", digits=0)


def with_process(runtime: Runtime, argv: list[str], run: Callable[[], list[float]]) -> list[float]:
    """Run `run` while a process (the worker, or the baseline's listener) runs beside it."""
    script = [] if argv[0] == "-m" else [str(Path(__file__))]
    worker = subprocess.Popen(
        [sys.executable, *script, *argv],
        env=process_env(runtime),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(3)  # the process starts and listens
        return run()
    finally:
        worker.terminate()
        worker.wait(timeout=20)


def report(what: str, lags: list[float]) -> float:
    lags.sort()
    p95 = lags[int(0.95 * (len(lags) - 1))]
    print(
        f"{what}: {len(lags)} sampled, median {statistics.median(lags) * 1000:.0f} ms, "
        f"p95 {p95 * 1000:.0f} ms, max {lags[-1] * 1000:.0f} ms"
    )
    return p95


def notifications(runtime: Runtime, rate: float, seconds: float) -> list[float]:
    """Referrals sent at `rate`; the lag until each sampled one's notifications exist."""
    engine = runtime.engine
    workflow = ukraine()
    consent = data_for(workflow.guard.step("screened", "record_consent"), facts=real_today())
    register = data_for(workflow.guard.step("screened", "register_application"))
    assert workflow.referrals is not None
    referral = data_for(workflow.referrals.send, agency=SHELTER, service="shelter")
    cases: list[Tracked] = []
    for _ in range(50):
        opened = engine.open_case("ukraine-nrm", "UA-32", data_for(workflow.opening), actor=LSA)
        step = engine.take_step(
            opened.case_id, "record_consent", consent, actor=LSA, expected_version=1
        )
        step = engine.take_step(
            opened.case_id,
            "register_application",
            register,
            actor=LSA,
            expected_version=step.version,
        )
        cases.append(Tracked(opened.case_id, step.version))

    def writer(i: int) -> Callable[[int], Any]:
        mine = cases[i::WRITERS]  # each writer its own cases: no version conflicts

        def write(n: int) -> Any:
            case = mine[n % len(mine)]
            sent = engine.send_referral(case.id, referral, actor=LSA, expected_version=case.version)
            case.version = sent.version
            return f"event:{case.id}:{sent.version}"

        return write

    def seen(conn: psycopg.Connection[Any], source: Any) -> bool:
        row = conn.execute(
            "select count(*) from notifications where source = %s", [source]
        ).fetchone()
        return bool(row and row[0] == 5)

    return paced(runtime, rate, seconds, writer, seen)


def baseline(runtime: Runtime, rate: float, seconds: float) -> list[float]:
    """Rows inserted with a NOTIFY at `rate`; the lag until the listener wrote each back."""
    schema = runtime.settings.database_schema
    connections: list[psycopg.Connection[Any]] = []

    def writer(i: int) -> Callable[[int], Any]:
        conn = psycopg.connect(
            runtime.database_url, autocommit=True, options=f"-c search_path={schema}"
        )
        connections.append(conn)

        def write(n: int) -> Any:
            with conn.transaction():
                row = conn.execute("insert into bench_sent default values returning id").fetchone()
                conn.execute("select pg_notify(%s, '')", [CHANNEL])
            assert row is not None
            return row[0]

        return write

    def seen(conn: psycopg.Connection[Any], key: Any) -> bool:
        return conn.execute("select 1 from bench_seen where id = %s", [key]).fetchone() is not None

    try:
        return paced(runtime, rate, seconds, writer, seen)
    finally:
        for conn in connections:
            conn.close()


def listen(url: str, schema: str) -> None:
    """The baseline's worker: on each NOTIFY, write back each row not written back yet."""
    with psycopg.connect(url, autocommit=True, options=f"-c search_path={schema}") as conn:
        conn.execute(sql.SQL("listen {}").format(sql.Identifier(CHANNEL)))
        while True:
            # every row not written back yet: with several writers, ids commit out of order
            conn.execute(
                "insert into bench_seen select s.id from bench_sent s "
                "left join bench_seen x using (id) where x.id is null"
            )
            for _ in conn.notifies(timeout=1.0, stop_after=1):
                pass


def paced(
    runtime: Runtime,
    rate: float,
    seconds: float,
    writer: Callable[[int], Callable[[int], Any]],
    seen: Poll,
) -> list[float]:
    """Write at `rate` for `seconds` from WRITERS threads (one alone cannot keep 200 steps/s
    on 2 cores); for every tenth write, the time until `seen` holds."""
    lags: list[float] = []
    pending: list[tuple[float, Any]] = []
    lock = threading.Lock()
    done = threading.Event()
    schema = runtime.settings.database_schema
    written = [0] * WRITERS

    def watch() -> None:
        with psycopg.connect(
            runtime.database_url, autocommit=True, options=f"-c search_path={schema}"
        ) as conn:
            while not done.is_set() or pending:
                with lock:
                    batch = list(pending)
                for written_at, key in batch:
                    if seen(conn, key):
                        lags.append(time.perf_counter() - written_at)
                        with lock:
                            pending.remove((written_at, key))
                time.sleep(0.002)

    def write(i: int, started: float) -> None:
        step, n = writer(i), 0
        interval = WRITERS / rate
        while time.perf_counter() - started < seconds:
            key = step(n)
            if n % 10 == 0:
                with lock:
                    pending.append((time.perf_counter(), key))
            n += 1
            time.sleep(max(0.0, started + n * interval - time.perf_counter()))
        written[i] = n

    watcher = threading.Thread(target=watch)
    watcher.start()
    started = time.perf_counter()
    threads = [threading.Thread(target=write, args=(i, started)) for i in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    done.set()
    watcher.join(timeout=60)
    print(f"wrote {sum(written)} in {elapsed:.1f} s ({sum(written) / elapsed:.0f}/s)")
    return lags


if __name__ == "__main__":
    main()
    finish()
