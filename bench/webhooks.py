"""Webhook delivery to a local receiver: throughput, and lag at 200 steps/s, each against a
baseline measured in the same run.

1. Throughput: events copied into the log for one subscription (every event, every region) are
   fanned out and delivered by the worker as its own process (`referral-engine webhooks run`)
   to a receiver of its own process (`tests/webhook_receiver.py`); deliveries/s from the first
   delivery to the last. Baseline: as many raw POSTs of a payload of the same size to the same
   receiver from the same client pool (the worker's `Sender`, unsigned). Target >= 500/s.
2. Lag: steps at 200/s for 10 s (`bench/lag.py`'s load) with the webhook worker and the
   projection worker running; each step's lag from its recording to its delivery. Baseline:
   the read-model worker's lag to case_queue, sampled by that same load. Target p95 < 1 s.

    PYTHONPATH=. .venv/bin/python bench/webhooks.py [--events 6000] [--rate 200] [--seconds 10]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from ipaddress import ip_network
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).parent))
from common import finish, machine, process_env, scratch_runtime, seed_events, verdict
from lag import measure
from referral_engine.adapters.webhooks.sender import Policy, Sender
from referral_engine.bootstrap import Runtime
from referral_engine.domain.commands import Actor

ADMIN = Actor("bench-admin", "admin", "it")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=6000)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    os.environ.setdefault("REFERRAL_ENGINE_WEBHOOK_ALLOWED_NETWORKS", "127.0.0.0/8")  # receiver
    receiver = subprocess.Popen(
        [sys.executable, "-m", "tests.webhook_receiver"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert receiver.stdout is not None
        url = f"http://127.0.0.1:{receiver.stdout.readline().strip()}/hook"
        with scratch_runtime(run_projections=False, run_webhooks=False) as runtime:
            print(f"machine: {machine()}; database: {runtime.display_url}")
            subscription, _ = runtime.webhooks.subscribe("integration", "bench", url, actor=ADMIN)
            written = seed_events(runtime, args.events, templates=20)
            env = process_env(runtime)
            worker = spawn(["webhooks", "run"], env)
            try:
                throughput(runtime, subscription.id, written, url)
                projections = spawn(["projections", "run", "--poll", "1"], env)
                try:
                    lag(runtime, subscription.id, args.rate, args.seconds, projections.pid)
                finally:
                    stop(projections)
            finally:
                stop(worker)
    finally:
        receiver.terminate()
        receiver.wait(timeout=10)


def throughput(runtime: Runtime, subscription: Any, events: int, url: str) -> None:
    wait_for(lambda: delivered(runtime, subscription) >= events, 300)
    with runtime.db.pool.connection() as conn:
        row = conn.execute(
            "select count(*), extract(epoch from max(delivered_at) - min(delivered_at)) "
            "from webhook_deliveries where subscription_id = %s",
            [subscription],
        ).fetchone()
    assert row is not None
    count, seconds = int(row[0]), float(row[1])
    rate = (count - 1) / seconds
    sample = next(iter(runtime.events.page(0, 1, audience_of_all()).events))
    body = orjson.dumps(sample.payload())
    raw = raw_posts(url, body, count)
    print(
        f"throughput: {count} deliveries in {seconds:.1f} s = {rate:.0f}/s; "
        f"raw POSTs of {len(body)}-byte bodies from the same client pool: {raw:.0f}/s; "
        f"ratio {rate / raw:.2f}x"
    )
    verdict("webhook deliveries", rate, 500, True, unit="/s", digits=0)


def raw_posts(url: str, body: bytes, count: int) -> float:
    """POSTs/s of `body` to the receiver from the worker's client pool, unsigned."""
    sender = Sender(Policy(allowed=(ip_network("127.0.0.0/8"),)))  # the receiver: loopback
    try:
        list(sender.pool.map(lambda _: sender.client.post(url, content=body), range(200)))
        started = time.perf_counter()
        list(sender.pool.map(lambda _: sender.client.post(url, content=body), range(count)))
        return count / (time.perf_counter() - started)
    finally:
        sender.close()


def lag(runtime: Runtime, subscription: Any, rate: float, seconds: float, worker: int) -> None:
    wait_for(lambda: all(s.lag_events == 0 for s in runtime.projections.status()), 120)
    start = runtime.projections.head()
    read_model = sorted(measure(runtime, rate, seconds, worker))
    head = runtime.projections.head()
    wait_for(lambda: delivered(runtime, subscription, after=start) >= head - start, 120)
    with runtime.db.pool.connection() as conn:
        hooks = sorted(
            float(lag_s)
            for (lag_s,) in conn.execute(
                "select extract(epoch from d.delivered_at - (convert_from(e.state, 'UTF8')::jsonb"
                " -> 'timestamp' ->> '_data_')::timestamptz) from webhook_deliveries d "
                "join cases_events e on e.notification_id = d.position "
                "where d.subscription_id = %s and d.position > %s",
                [subscription, start],
            ).fetchall()
        )
    p95, base = percentile(hooks, 0.95), percentile(read_model, 0.95)
    print(
        f"lag at {rate:.0f} steps/s: {len(hooks)} deliveries, median "
        f"{percentile(hooks, 0.5) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms; "
        f"read-model worker's p95 {base * 1000:.0f} ms; ratio {p95 / base:.1f}x"
    )
    verdict("webhook lag p95", p95 * 1000, 1000, False, unit=" ms", digits=0)


def delivered(runtime: Runtime, subscription: Any, after: int = 0) -> int:
    with runtime.db.pool.connection() as conn:
        row = conn.execute(
            "select count(*) from webhook_deliveries where subscription_id = %s "
            "and state = 'delivered' and position > %s",
            [subscription, after],
        ).fetchone()
    return int(row[0]) if row else 0


def audience_of_all() -> Any:
    from referral_engine.domain.webhooks import Audience

    return Audience.of_integration(None)


def percentile(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(q * (len(values) - 1)))]


def spawn(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "referral_engine", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    process.wait(timeout=30)


def wait_for(condition: Any, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {timeout} s")
        time.sleep(0.05)


if __name__ == "__main__":
    main()
    finish()
