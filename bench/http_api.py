"""HTTP benchmark: steps through the real API (uvicorn, real sockets) against direct engine calls.

Both sides run in the same run, on the same database, with the same number of concurrent
clients (16 by default), each client stepping cases of its own. Prints steps per second, p50 and
p99 latency of each side and the ratio HTTP / engine.

    PYTHONPATH=. .venv/bin/python bench/http_api.py [--clients 16] [--seconds 5]
"""

from __future__ import annotations

import argparse
import http.client
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import orjson

sys.path.insert(0, str(Path(__file__).parent))
from tests.factories import data_for, real_today, ukraine

from common import Tracked, finish, machine, process_env, scratch_runtime, verdict
from referral_engine.bootstrap import Runtime
from referral_engine.domain.commands import Actor

LSA = Actor("bench-lsa", "lsa_official", "lsa-bench")
CASES_PER_CLIENT = 20
Step = Callable[[], None]


def measure(clients: int, seconds: float, make: Callable[[int], Step]) -> tuple[float, list[float]]:
    """Steps per second over all clients and every step's latency in seconds."""
    latencies: list[list[float]] = [[] for _ in range(clients)]
    stop = threading.Event()
    barrier = threading.Barrier(clients + 1)

    def loop(i: int) -> None:
        try:
            step = make(i)
            # Each case stepped once before the clock starts, on both sides: the engine's side
            # opened its cases in its own process (cached, their keys too), the API process had
            # never read them, so a measure from cold counted, for the API only, each case's
            # first read and key load (a fifth of the API's time in the step in a 5 s run).
            for _ in range(CASES_PER_CLIENT):
                step()
        except BaseException:
            barrier.abort()  # the others and the clock stop waiting for this client
            raise
        barrier.wait()
        while not stop.is_set():
            started = time.perf_counter()
            step()
            latencies[i].append(time.perf_counter() - started)

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    every = [x for per in latencies for x in per]
    return len(every) / elapsed, every


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000


def open_cases(runtime: Runtime, count: int) -> list[Tracked]:
    opening = data_for(ukraine().opening)
    return [
        Tracked(runtime.engine.open_case("ukraine-nrm", "UA-32", opening, actor=LSA).case_id, 1)
        for _ in range(count)
    ]


def engine_client(runtime: Runtime) -> Callable[[int], Step]:
    consent = data_for(ukraine().guard.step("screened", "record_consent"), facts=real_today())

    def make(client: int) -> Step:
        cases, turn = open_cases(runtime, CASES_PER_CLIENT), [0]

        def step() -> None:
            case = cases[turn[0] % len(cases)]
            turn[0] += 1
            result = runtime.engine.take_step(
                case.id, "record_consent", consent, actor=LSA, expected_version=case.version
            )
            case.version = result.version

        return step

    return make


Post = Callable[[str, bytes], tuple[int, bytes]]
"""One client's connection: POST a JSON body to a path, get the status and the answer's body."""


def stepping(runtime: Runtime, connect: Callable[[], Post]) -> Callable[[int], Step]:
    """Clients each stepping cases of their own over a connection of their own."""
    consent = data_for(ukraine().guard.step("screened", "record_consent"), facts=real_today())

    def make(client: int) -> Step:
        cases, turn, post = open_cases(runtime, CASES_PER_CLIENT), [0], connect()

        def step() -> None:
            case = cases[turn[0] % len(cases)]
            turn[0] += 1
            body = {"trigger": "record_consent", "data": consent, "expected_version": case.version}
            status, answer = post(f"/api/cases/{case.id}/steps", orjson.dumps(body))
            if status != 200:
                raise RuntimeError(f"step refused: {status} {answer[:500]!r}")
            case.version = orjson.loads(answer)["version"]

        return step

    return make


def stdlib_connection(base: str, token: str) -> Callable[[], Post]:
    """A keep-alive connection of the standard library's `http.client`: the load generator
    shares the two cores with the API process and PostgreSQL, and httpx cost it more CPU per
    request (`--httpx`, docs/benchmarks.md)."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def connect() -> Post:
        connection = http.client.HTTPConnection(urlsplit(base).netloc, timeout=30)

        def post(path: str, body: bytes) -> tuple[int, bytes]:
            connection.request("POST", path, body, headers)
            response = connection.getresponse()
            return response.status, response.read()

        return post

    return connect


def httpx_connection(base: str, token: str) -> Callable[[], Post]:
    """An httpx.Client (the load generator before 2026-12-07, kept for comparison)."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def connect() -> Post:
        session = httpx.Client(base_url=base, headers=headers, timeout=30)

        def post(path: str, body: bytes) -> tuple[int, bytes]:
            response = session.post(path, content=body)
            return response.status_code, response.content

        return post

    return connect


def serve(
    runtime: Runtime, port: int, workers: bool = False, processes: int = 1
) -> subprocess.Popen[str]:
    """`referral-engine serve` on the benchmark's schema, as an API process of a deployment
    whose projection, notification and webhook workers run as processes of their own
    (docs/operations.md, section 2); `workers` runs them inside it instead."""
    running = "true" if workers else "false"
    env = process_env(
        runtime,
        REFERRAL_ENGINE_RUN_PROJECTIONS="false",
        REFERRAL_ENGINE_RUN_NOTIFICATIONS=running,
        REFERRAL_ENGINE_RUN_WEBHOOKS=running,
        REFERRAL_ENGINE_POOL_SIZE="20",
    )
    command = [sys.executable, "-m", "referral_engine", "serve", "--port", str(port)]
    server = subprocess.Popen(
        [*command, "--workers", str(processes)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("the API server did not start within 60 s")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def report(name: str, rate: float, latencies: list[float]) -> None:
    print(
        f"{name:<22} {rate:8,.0f} steps/s   p50 {percentile(latencies, 50):6.1f} ms   "
        f"p99 {percentile(latencies, 99):6.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument(
        "--with-workers",
        action="store_true",
        help="run the notification and webhook workers inside the API process (serve's default)",
    )
    parser.add_argument(
        "--processes",
        type=int,
        default=1,
        help="API processes (serve --workers); the verdict compares one with the engine's one",
    )
    parser.add_argument(
        "--httpx",
        action="store_true",
        help="clients on httpx (the load generator before 2026-12-07)",
    )
    args = parser.parse_args()
    with scratch_runtime(run_projections=False, pool_size=20) as runtime:
        print(f"machine: {machine()}; database: {runtime.display_url}; {args.clients} clients")
        runtime.users.add("bench-lsa", "lsa_official", "lsa-bench", ["UA-32"])
        token = runtime.users.issue_token("bench-lsa")
        engine_rate, engine_latencies = measure(args.clients, args.seconds, engine_client(runtime))
        report("engine (direct calls)", engine_rate, engine_latencies)
        port = free_port()
        server = serve(runtime, port, args.with_workers, args.processes)
        try:
            base = f"http://127.0.0.1:{port}"
            connect = (httpx_connection if args.httpx else stdlib_connection)(base, token)
            clients = stepping(runtime, connect)
            http_rate, http_latencies = measure(args.clients, args.seconds, clients)
        finally:
            server.terminate()
            server.wait(10)
        report("HTTP API (uvicorn)", http_rate, http_latencies)
        ratio = http_rate / engine_rate
        processes = f", {args.processes} API processes" if args.processes > 1 else ""
        verdict(f"HTTP API / direct engine, {args.clients} clients{processes}", ratio, 0.5, True)


if __name__ == "__main__":
    main()
    finish()
