"""Dashboards over HTTP: aggregates for analysts, never a count below k, CSV downloads."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient

from referral_engine import demo
from referral_engine.bootstrap import Runtime
from tests.e2e.conftest import Callers, assert_problem

NAMES = {"status_decisions", "referrals", "assistance", "funnel", "deadlines"}


def seeded(runtime: Runtime, cases: int = 40) -> None:
    demo.seed(runtime.engine, "ukraine-nrm", cases, seed=31)
    runtime.projections.catch_up()


def test_the_dashboards_listed_are_the_read_models_that_publish_one(
    client: TestClient, callers: Callers
) -> None:
    listed = client.get("/api/dashboards", headers=callers["analyst"].auth).json()
    assert {d["name"] for d in listed} == NAMES


def test_an_analyst_never_receives_a_count_below_k(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    seeded(pg_runtime)
    k = pg_runtime.settings.suppression_k
    for name in NAMES:
        body = client.get(f"/api/dashboards/{name}", headers=callers["analyst"].auth).json()
        assert body["k"] == k
        cells = [r[c] for r in body["rows"] for c in body["counts"]]
        cells += list(body["totals"].values())
        assert all(v is None or v == 0 or v >= k for v in cells), name
        hidden = {(s["row"], s["column"]) for s in body["suppressed"]}
        for column in body["counts"]:  # a shown total never gives away a lone hidden cell
            members = [(i, column) for i in range(len(body["rows"]))] + [(-1, column)]
            assert sum(m in hidden for m in members) != 1, (name, column)


def test_a_dashboard_downloads_as_csv_with_suppressed_cells_marked(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    seeded(pg_runtime)
    response = client.get(
        "/api/dashboards/funnel", params={"format": "csv"}, headers=callers["analyst"].auth
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0][:3] == ["region", "cohort", "screened"]
    assert rows[-1][0] == "total"
    body = client.get("/api/dashboards/funnel", headers=callers["analyst"].auth).json()
    assert len(rows) == len(body["rows"]) + 2
    marked = sum(cell == "x" for line in rows[1:-1] for cell in line[2:8])
    assert marked == sum(
        1 for s in body["suppressed"] if s["row"] >= 0 and s["column"] in body["counts"]
    )


def test_dashboards_filter_by_region_and_refuse_a_reversed_period(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    seeded(pg_runtime, 20)
    body = client.get(
        "/api/dashboards/status_decisions",
        params={"region": "Lvivska"},
        headers=callers["analyst"].auth,
    ).json()
    assert all(r["region"] == "Lvivska" for r in body["rows"])
    reversed_period = client.get(
        "/api/dashboards/funnel",
        params={"from": "2026-05-01", "to": "2026-01-01"},
        headers=callers["analyst"].auth,
    )
    assert_problem(reversed_period, 422, "validation")
    assert_problem(
        client.get("/api/dashboards/nope", headers=callers["analyst"].auth), 404, "not-found"
    )
    assert_problem(client.get("/api/dashboards/funnel"), 401, "unauthorized")
