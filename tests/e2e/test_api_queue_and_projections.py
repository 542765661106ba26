"""The case queue from the case_queue read model, and read model status and rebuilds."""

from __future__ import annotations

from fastapi.testclient import TestClient

from referral_engine.bootstrap import Runtime
from tests.e2e.conftest import LVIV, Callers, assert_problem, case_in, open_case
from tests.factories import FixedClock, wait_until


def test_the_queue_lists_only_the_callers_regions_page_by_page(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    kyiv = {open_case(client, callers["screener"])["id"] for _ in range(5)}
    open_case(client, callers["lviv-lsa"], region=LVIV)
    pg_runtime.projections.catch_up()
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/cases", params=params, headers=callers["lsa"].auth).json()
        seen += [item["case_id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(kyiv)
    assert all(
        item["region"] == LVIV
        for item in client.get("/api/cases", headers=callers["lviv-lsa"].auth).json()["items"]
    )


def test_the_queue_filters_by_state_and_overdue(
    client: TestClient, callers: Callers, pg_runtime: Runtime, clock: FixedClock
) -> None:
    registered, _ = case_in(client, callers, "application_registered")
    open_case(client, callers["screener"])
    pg_runtime.projections.catch_up()
    by_state = client.get(
        "/api/cases", params={"state": "application_registered"}, headers=callers["lsa"].auth
    ).json()["items"]
    assert [item["case_id"] for item in by_state] == [registered]
    assert by_state[0]["next_deadline"] is not None  # the interview clock
    overdue = {"overdue": "true"}
    assert client.get("/api/cases", params=overdue, headers=callers["lsa"].auth).json() == {
        "items": [],
        "next_cursor": None,
    }
    clock.advance(days=10)  # the interview was due three working days after registration
    late = client.get("/api/cases", params=overdue, headers=callers["lsa"].auth).json()["items"]
    assert [(item["case_id"], item["overdue"]) for item in late] == [(registered, True)]


def test_analysts_get_no_queue(client: TestClient, callers: Callers) -> None:
    assert_problem(client.get("/api/cases", headers=callers["analyst"].auth), 403, "forbidden")


def test_projection_status_and_a_rebuild_started_over_http(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    open_case(client, callers["screener"])
    status = {
        s["name"]: s for s in client.get("/api/projections", headers=callers["lsa"].auth).json()
    }
    assert status["case_queue"]["lag_events"] == 1
    assert_problem(
        client.post("/api/projections/case_queue/rebuild", headers=callers["lsa"].auth),
        403,
        "forbidden",
    )
    assert_problem(
        client.post("/api/projections/nope/rebuild", headers=callers["admin"].auth),
        404,
        "not-found",
    )
    started = client.post("/api/projections/case_queue/rebuild", headers=callers["analyst"].auth)
    assert started.status_code == 202, started.text

    def rebuilt() -> bool:
        listed = client.get("/api/projections", headers=callers["lsa"].auth).json()
        case_queue = next(s for s in listed if s["name"] == "case_queue")
        return not case_queue["rebuilding"] and case_queue["lag_events"] == 0

    wait_until(rebuilt, what="the rebuild of case_queue")  # it runs on past the request
