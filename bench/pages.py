"""Pages benchmark: the case page and the queue at 100,000 cases against the JSON API.

Seeds 100,000 synthetic cases (about 1,000,000 events; the person search benchmark's seeding:
walked demo cases replicated under new ids, regions, names and case keys), builds every read
model, then through the ASGI app in-process (the same client for both sides) asks, as an LSA
official of one region with a signed-in session and with a bearer token:

- the queue (`/cases`: the first page, a state filter, the overdue filter, a later page by its
  cursor) against `GET /api/cases` with the same filters;
- the case page (`/cases/{id}`: header, sections, the next steps) against `GET /api/cases/{id}`
  for the same cases.

Prints p50 and p95 of each, the ratio page / API at p95, and PASS or MISS against the target
(p95 < 150 ms for each page).

    PYTHONPATH=. .venv/bin/python bench/pages.py [--cases N] [--requests N]
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).parent))

from common import finish, machine, scratch_runtime, timed, verdict
from referral_engine.application import demo
from referral_engine.bootstrap import Runtime
from referral_engine.entrypoints.asgi import create_app
from search import percentile, seed

TARGET_MS = 150.0


def _sign_in(client: TestClient, token: str) -> int:
    form = client.get("/sign-in").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', form)
    assert csrf is not None
    data = {"csrf": csrf.group(1), "token": token}
    status: int = client.post("/sign-in", data=data, follow_redirects=False).status_code
    return status


def _cases_of(runtime: Runtime, region: str, n: int, rng: random.Random) -> list[str]:
    def run(conn: psycopg.Connection[Any], schema: str) -> list[Any]:
        rows: list[Any] = conn.execute(
            "select case_id from case_queue where region = %s limit 5000", [region]
        ).fetchall()
        return rows

    ids = [str(row[0]) for row in runtime.projections.reading("case_queue", run)]
    return rng.sample(ids, min(n, len(ids)))


def _measure(get: Callable[[str], Any], paths: list[str]) -> list[float]:
    for path in paths[:5]:  # warm the pools, caches and templates
        get(path)
    latencies = []
    for path in paths:
        seconds, response = timed(lambda p=path: get(p))  # type: ignore[misc]
        assert response.status_code == 200, (path, response.status_code, response.text[:300])
        latencies.append(seconds)
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    rng = random.Random(2026)
    with scratch_runtime(run_projections=False) as runtime:
        print(f"machine: {machine()}; database: {runtime.display_url}")
        seconds, (written, _) = timed(lambda: seed(runtime, args.cases, rng))
        print(f"seeded {args.cases:,} cases, {written:,} events in {seconds:.1f} s")
        names = list(runtime.projections.models)
        seconds, _ = timed(lambda: runtime.projections.rebuild_many(names))
        print(f"built {len(names)} read models in {seconds:.1f} s")
        region = demo.REGIONS[0]
        runtime.users.add("bench-lsa", "lsa_official", "lsa-bench", [region])
        token = runtime.users.issue_token("bench-lsa")
        app = create_app(runtime, live_projections=False)
        with TestClient(app) as pages, TestClient(app) as api:
            assert _sign_in(pages, token) in (302, 303)
            api.headers["Authorization"] = f"Bearer {token}"
            first = api.get("/api/cases", params={"limit": 50}).json()
            later = first["next_cursor"]
            states = sorted({item["state"] for item in first["items"]})
            queries = [
                "",
                *(f"state={s}" for s in states),
                "overdue=yes",
                f"cursor={later}",
            ]
            queue = [queries[i % len(queries)] for i in range(args.requests)]
            overdue = {"overdue=yes": "overdue=true"}
            figures = {
                "queue": (
                    _measure(pages.get, [f"/cases?{q}" for q in queue]),
                    _measure(api.get, [f"/api/cases?{overdue.get(q, q)}" for q in queue]),
                ),
            }
            ids = _cases_of(runtime, region, args.requests, rng)
            figures["case page"] = (
                _measure(pages.get, [f"/cases/{i}" for i in ids]),
                _measure(api.get, [f"/api/cases/{i}" for i in ids]),
            )
        for name, (page, json) in figures.items():
            p50, p95 = percentile(page, 0.5), percentile(page, 0.95)
            a50, a95 = percentile(json, 0.5), percentile(json, 0.95)
            print(
                f"{name} at {args.cases:,} cases: p50 {p50:.1f} ms, p95 {p95:.1f} ms; "
                f"JSON API p50 {a50:.1f} ms, p95 {a95:.1f} ms; page / API at p95: {p95 / a95:.2f}"
            )
            verdict(f"{name} p95 at {args.cases:,} cases", p95, TARGET_MS, False, unit=" ms")


if __name__ == "__main__":
    main()
    finish()
