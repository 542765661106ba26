"""Live projection lag: time from a committed step to its row in case_queue, at 200 steps/s.

The projection worker runs as its own process (`referral-engine projections run`), woken by
NOTIFY; this process writes steps at a steady rate and times, for a sample of them, how long
until case_queue has folded the step's event. Target: p95 under 200 ms.

The clock starts once the worker has folded the opening of the 50 cases stepped (every read
model, and the duplicate checks that an opening's name and date of birth start): before, the
first half second of steps queued behind that burst, and those 10 of 200 samples were the p95.
How long the burst took is printed beside the lag, for information.

    PYTHONPATH=. .venv/bin/python bench/lag.py [--rate 200] [--seconds 10]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from psycopg import sql

sys.path.insert(0, str(Path(__file__).parent))
from tests.factories import data_for, real_today, ukraine

from common import finish, machine, process_env, scratch_runtime, verdict
from referral_engine.domain.commands import Actor

LSA = Actor("bench-lsa", "lsa_official", "lsa-bench")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    with scratch_runtime(run_projections=False) as runtime:
        print(f"machine: {machine()}; database: {runtime.display_url}")
        env = process_env(runtime)
        worker = subprocess.Popen(
            [sys.executable, "-m", "referral_engine", "projections", "run", "--poll", "1"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            lags = measure(runtime, args.rate, args.seconds, worker.pid)
        finally:
            worker.terminate()
            worker.wait(timeout=20)
        lags.sort()
        p95 = lags[int(0.95 * (len(lags) - 1))]
        print(
            f"{len(lags)} sampled steps at {args.rate:.0f} steps/s: median "
            f"{statistics.median(lags) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
            f"max {lags[-1] * 1000:.0f} ms"
        )
        verdict("live lag p95", p95 * 1000, 200, False, unit=" ms", digits=0)


def cpu_seconds(pid: int) -> float | None:
    """The processor time a process has used (user and system, all its threads; Linux)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def settled(runtime, deadline: float = 300.0) -> None:  # type: ignore[no-untyped-def]
    """Wait until the worker process has built every read model and folded, with the duplicate
    checks, every event committed so far (an observable condition, not a fixed sleep)."""
    projections, head = runtime.projections, runtime.projections.head()
    give_up = time.monotonic() + deadline
    while True:
        if all(s.active_schema is not None and not s.stale for s in projections.status()):
            with projections._connect() as conn:
                checked = 0
                if conn.execute("select to_regclass('duplicate_checks')").fetchone() != (None,):
                    found = conn.execute("select position from duplicate_checks").fetchone()
                    checked = int(found[0]) if found else 0
            if checked >= head:
                return
        if time.monotonic() > give_up:
            raise RuntimeError(f"the projection worker did not catch up within {deadline} s")
        time.sleep(0.01)


def measure(runtime, rate: float, seconds: float, worker: int) -> list[float]:  # type: ignore[no-untyped-def]
    engine = runtime.engine
    consent = data_for(ukraine().guard.step("screened", "record_consent"), facts=real_today())
    cases = [
        [
            engine.open_case(
                "ukraine-nrm", "UA-32", data_for(ukraine().opening), actor=LSA
            ).case_id,
            1,
        ]
        for _ in range(50)
    ]
    waited = time.perf_counter()
    settled(runtime)
    waited = time.perf_counter() - waited
    print(f"the worker started and folded the {len(cases)} openings in {waited:.2f} s")
    schema = runtime.settings.database_schema
    events = sql.Identifier(schema, "cases_events")
    lags: list[float] = []
    pending: list[tuple[float, object, int]] = []
    lock = threading.Lock()
    done = threading.Event()

    def queue_schema(conn):  # type: ignore[no-untyped-def]
        return runtime.projections.active_schema(conn, "case_queue")

    def watch() -> None:
        with runtime.projections._connect() as conn:
            while not done.is_set() or pending:
                with lock:
                    batch = list(pending)
                for committed_at, case_id, version in batch:
                    row = conn.execute(
                        sql.SQL(
                            "select q.last_position >= e.notification_id "
                            "from {}.case_queue q, {} e where q.case_id = %s "
                            "and e.originator_id = %s and e.originator_version = %s"
                        ).format(
                            sql.Identifier(runtime.projections.active_schema(conn, "case_queue")),
                            events,
                        ),
                        [case_id, case_id, version],
                    ).fetchone()
                    conn.commit()
                    if row and row[0]:
                        lags.append(time.perf_counter() - committed_at)
                        with lock:
                            pending.remove((committed_at, case_id, version))
                time.sleep(0.002)

    watcher = threading.Thread(target=watch)
    watcher.start()
    busy = cpu_seconds(worker)
    interval, started, n = 1 / rate, time.perf_counter(), 0
    while time.perf_counter() - started < seconds:
        case = cases[n % len(cases)]
        result = engine.take_step(
            case[0], "record_consent", consent, actor=LSA, expected_version=case[1]
        )
        case[1] = result.version
        if n % 10 == 0:
            with lock:
                pending.append((time.perf_counter(), case[0], result.version))
        n += 1
        time.sleep(max(0.0, started + n * interval - time.perf_counter()))
    done.set()
    watcher.join(timeout=30)
    print(f"wrote {n} steps in {time.perf_counter() - started:.1f} s")
    if busy is not None and (now := cpu_seconds(worker)) is not None:
        print(
            f"the worker process used {now - busy:.2f} s of processor time meanwhile "
            f"({(now - busy) / n * 1000:.2f} ms a step)"
        )
    return lags


if __name__ == "__main__":
    main()
    finish()
