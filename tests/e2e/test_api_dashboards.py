"""Dashboards over HTTP: aggregates for every role, never a count below k, CSV downloads."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from fastapi.testclient import TestClient

from referral_engine.application import demo
from referral_engine.application.disclosure import Dashboard
from referral_engine.bootstrap import Runtime
from tests.e2e.conftest import Callers, assert_problem
from tests.factories import case_in

NAMES = {"status_decisions", "referrals", "assistance", "funnel", "deadlines"}


def seeded(runtime: Runtime, cases: int = 40) -> None:
    demo.seed(runtime.engine, "ukraine-nrm", cases, seed=31)
    runtime.projections.catch_up()


def decided(runtime: Runtime, granted: int, refused: int) -> None:
    """Kyiv applications of March 2026 decided either way, read models caught up."""
    for state, n in (("status_granted", granted), ("status_refused", refused)):
        for _ in range(n):
            case_in(runtime.engine, state)
    runtime.projections.catch_up()


def get(client: TestClient, caller: Any, name: str, **params: str) -> dict[str, Any]:
    response = client.get(f"/api/dashboards/{name}", params=params, headers=caller.auth)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_the_dashboards_listed_are_the_read_models_that_publish_one(
    client: TestClient, callers: Callers
) -> None:
    listed = client.get("/api/dashboards", headers=callers["analyst"].auth).json()
    assert {d["name"] for d in listed} == NAMES
    periods = {d["name"]: d["period"] for d in listed}
    assert periods["status_decisions"] == "month" and periods["deadlines"] is None


def test_a_small_outcome_is_hidden_with_a_partner_so_the_row_total_cannot_give_it_away(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    decided(pg_runtime, granted=6, refused=2)
    body = get(client, callers["analyst"], "status_decisions")
    [row] = body["rows"]
    assert (row["region"], row["month"], row["applications"]) == ("UA-32", "2026-03-01", 8)
    # refused (2) is below k; granted goes with it, or 8 - 0 - 0 - granted would give it back
    assert row["refused"] is None and row["granted"] is None
    assert (row["incomplete"], row["pending"]) == (0, 0)
    assert row["approval_rate"] is None and row["median_days_to_decision"] is None
    hidden = {(s["row"], s["column"]) for s in body["suppressed"]}
    assert hidden == {(0, c) for c in ("granted", "refused", "approval_rate")} | {
        (0, "median_days_to_decision"),
        (0, "p90_days_to_decision"),
    }


def test_counts_of_k_or_more_are_published_with_their_rates(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    decided(pg_runtime, granted=5, refused=0)
    [row] = get(client, callers["lsa"], "status_decisions", region="UA-32")["rows"]
    assert (row["applications"], row["granted"], row["refused"]) == (5, 5, 0)
    assert row["approval_rate"] == 1.0 and row["median_days_to_decision"] == 0


def test_an_analyst_never_receives_a_count_below_k_nor_one_a_row_gives_away(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    seeded(pg_runtime)
    k = pg_runtime.settings.suppression_k
    declared: dict[str, Dashboard] = pg_runtime.projections.dashboards()
    for name in NAMES:
        body = get(client, callers["analyst"], name)
        assert body["k"] == k and body["rows"], name
        hidden = {(s["row"], s["column"]) for s in body["suppressed"]}
        for i, row in enumerate(body["rows"]):
            for column in body["counts"]:
                assert row[column] is None or row[column] == 0 or row[column] >= k, name
                assert (row[column] is None) == ((i, column) in hidden), name
            for whole, parts in relations(declared[name], body["counts"]):
                unknown = [c for c in (whole, *parts) if (i, c) in hidden]
                assert len(unknown) != 1, (name, i, unknown)
                if unknown and whole not in unknown:  # nor hidden parts that must all be 1
                    assert row[whole] - sum(row[p] or 0 for p in parts) > len(unknown)
            for measure, sources in declared[name].derived.items():
                if any((i, s) in hidden for s in sources):
                    assert row[measure] is None, (name, measure)


def relations(d: Dashboard, counts: list[str]) -> list[tuple[str, tuple[str, ...]]]:
    found = list(d.parts.items())
    for count in d.breakdowns:
        found.append((count, tuple(c for c in counts if c.startswith(f"{count}."))))
    return found


def test_a_dashboard_downloads_as_csv_with_suppressed_cells_marked(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    seeded(pg_runtime, 20)
    response = client.get(
        "/api/dashboards/referrals", params={"format": "csv"}, headers=callers["analyst"].auth
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(response.text)))
    body = get(client, callers["analyst"], "referrals")
    assert lines[0] == body["columns"]
    assert len(lines) == len(body["rows"]) + 1
    marked = {
        (i, column)
        for i, line in enumerate(lines[1:])
        for column, cell in zip(lines[0], line, strict=True)
        if cell == "x"
    }
    assert marked == {(s["row"], s["column"]) for s in body["suppressed"]}


def test_a_period_is_widened_to_whole_months_and_a_region_selects_its_rows(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    seeded(pg_runtime, 20)
    every = get(client, callers["analyst"], "funnel")["rows"]
    some = every[0]
    cohort = some["cohort"]
    body = get(
        client,
        callers["analyst"],
        "funnel",
        region=some["region"],
        **{"from": cohort[:8] + "20", "to": cohort[:8] + "21"},
    )
    assert (body["start"], body["end"][:7]) == (cohort, cohort[:7])
    assert body["rows"] == [some]


@pytest.mark.parametrize(
    ("params", "status", "slug"),
    [
        ({"from": "2026-05-01", "to": "2026-01-01"}, 422, "validation"),
        ({"region": "Kyiv\x00ska"}, 422, "validation"),
        ({"format": "xlsx"}, 422, "validation"),
    ],
)
def test_bad_filters_are_refused_with_a_problem(
    client: TestClient, callers: Callers, params: dict[str, str], status: int, slug: str
) -> None:
    response = client.get("/api/dashboards/funnel", params=params, headers=callers["analyst"].auth)
    assert_problem(response, status, slug)


def test_unknown_dashboards_periods_of_snapshots_and_missing_tokens_are_problems(
    client: TestClient, callers: Callers
) -> None:
    analyst = callers["analyst"].auth
    assert_problem(client.get("/api/dashboards/nope", headers=analyst), 404, "not-found")
    snapshot = client.get(
        "/api/dashboards/deadlines", params={"from": "2026-01-01"}, headers=analyst
    )
    assert "no month dimension" in assert_problem(snapshot, 422, "validation")["detail"]
    assert_problem(client.get("/api/dashboards/funnel"), 401, "unauthorized")
