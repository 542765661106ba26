"""Backdating through the API on uk-nrm: a reasonable-grounds decision stated 35 days ago does
not open the conclusive decision the same day (the issue's finding); beyond the workflow's
limit a stated date is refused; a supervisor confirms another person's stated date afterwards,
on the workflow as shipped."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient

from referral_engine.bootstrap import Runtime
from referral_engine.domain.date_rules import DateFacts
from tests.e2e.conftest import Caller, Callers, assert_problem
from tests.factories import START, data_for
from tests.unit.test_uk_nrm import UK


def uk_callers(runtime: Runtime) -> Callers:
    found = Callers()
    found.add(runtime, "fr", "first_responder", "police-met", ["GB-ENG"])
    found.add(runtime, "ca", "competent_authority", "sca", ["GB-ENG"])
    found.add(runtime, "sup", "supervisor", "sca", ["GB-ENG"])
    return found


def post_step(
    client: TestClient, caller: Caller, case_id: str, trigger: str, version: int, **body: Any
) -> Any:
    spec = UK.guard.step(UK.transitions[0].sources[0], trigger) or next(
        t for t in UK.transitions if t.trigger == trigger
    )
    stated = date.fromisoformat(str(body.get("occurred_at", START.isoformat()))[:10])
    data = data_for(spec, facts=DateFacts(stated, stated))  # its dates on the stated day
    payload = {"trigger": trigger, "data": data, "expected_version": version, **body}
    return client.post(f"/api/cases/{case_id}/steps", json=payload, headers=caller.auth)


def referred(client: TestClient, callers: Callers, days_ago: int) -> tuple[str, int]:
    """An adult referred into the NRM, every step stated `days_ago` days before now."""
    at = (START - timedelta(days=days_ago)).isoformat()
    opened = client.post(
        "/api/cases",
        json={
            "workflow": "uk-nrm",
            "region": "GB-ENG",
            "data": data_for(UK.opening, is_child=False),
            "occurred_at": at,
        },
        headers=callers["fr"].auth,
    )
    assert opened.status_code == 201, opened.text
    case_id, version = opened.json()["id"], opened.json()["version"]
    for trigger in ("record_consent", "refer_adult"):
        response = post_step(client, callers["fr"], case_id, trigger, version, occurred_at=at)
        assert response.status_code == 200, response.text
        version = response.json()["version"]
    return case_id, version


def test_a_backdated_rg_decision_does_not_open_the_cg_decision_the_same_day(
    client: TestClient, pg_runtime: Runtime
) -> None:
    callers = uk_callers(pg_runtime)
    case_id, version = referred(client, callers, days_ago=36)
    stated = (START - timedelta(days=35)).isoformat()
    rg = post_step(
        client, callers["ca"], case_id, "decide_rg_positive", version, occurred_at=stated
    )
    assert rg.status_code == 200, rg.text

    cg = post_step(client, callers["ca"], case_id, "decide_cg_positive", version + 1)

    body = assert_problem(cg, 409, "too-early")
    assert (START.date() + timedelta(days=30)).isoformat() in body["detail"]


def test_a_date_beyond_the_workflows_backdating_limit_is_refused_naming_it(
    client: TestClient, pg_runtime: Runtime
) -> None:
    callers = uk_callers(pg_runtime)
    referred(client, callers, days_ago=90)  # at the limit: taken
    opened = client.post(
        "/api/cases",
        json={
            "workflow": "uk-nrm",
            "region": "GB-ENG",
            "data": data_for(UK.opening, is_child=False),
            "occurred_at": (START - timedelta(days=91)).isoformat(),
        },
        headers=callers["fr"].auth,
    )
    body = assert_problem(opened, 422, "validation")
    assert body["errors"][0]["path"] == "occurred_at" and "90 days" in body["detail"]


def test_only_a_confirming_role_may_give_a_backdating_reason(
    client: TestClient, pg_runtime: Runtime
) -> None:
    callers = uk_callers(pg_runtime)
    case_id, version = referred(client, callers, days_ago=36)
    stated = (START - timedelta(days=35)).isoformat()
    rg = post_step(
        client,
        callers["ca"],
        case_id,
        "decide_rg_positive",
        version,
        occurred_at=stated,
        backdating_reason="Paper file",
    )
    body = assert_problem(rg, 422, "validation")
    assert "backdating_reason" in str(body) and "supervisor" in str(body)


def test_a_supervisor_confirms_the_cas_backdated_rg_decision_on_the_shipped_workflow(
    client: TestClient, pg_runtime: Runtime
) -> None:
    """The issue's finding on uk-nrm as shipped: only the competent authority takes the RG
    decision, and a supervisor confirms its stated date afterwards, as a second person."""
    callers = uk_callers(pg_runtime)
    case_id, version = referred(client, callers, days_ago=36)
    stated = (START - timedelta(days=35)).isoformat()
    rg = post_step(
        client, callers["ca"], case_id, "decide_rg_positive", version, occurred_at=stated
    )
    assert rg.status_code == 200, rg.text
    rg_version = rg.json()["version"]
    cg = post_step(client, callers["ca"], case_id, "decide_cg_positive", rg_version)
    assert_problem(cg, 409, "too-early")

    body = {"version": rg_version, "reason": "Paper decision, file 2026-17"}
    by_ca = client.post(
        f"/api/cases/{case_id}/stated-dates",
        json={**body, "expected_version": rg_version},
        headers=callers["ca"].auth,
    )
    assert_problem(by_ca, 403, "forbidden-role")
    confirmed = client.post(
        f"/api/cases/{case_id}/stated-dates",
        json={**body, "expected_version": rg_version},
        headers=callers["sup"].auth,
    )
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["event"] == "StatedDateConfirmed"

    cg = post_step(client, callers["ca"], case_id, "decide_cg_positive", rg_version + 1)
    assert cg.status_code == 200, cg.text
    history = client.get(f"/api/cases/{case_id}/history", headers=callers["sup"].auth)
    entry = next(h for h in history.json() if h["event"] == "StatedDateConfirmed")
    assert entry["data"]["reason"] == "Paper decision, file 2026-17"
    assert entry["data"]["step_version"] == rg_version
    assert entry["actor"]["role"] == "supervisor"


def test_a_confirmation_with_nothing_to_confirm_is_a_clear_problem(
    client: TestClient, pg_runtime: Runtime
) -> None:
    callers = uk_callers(pg_runtime)
    case_id, version = referred(client, callers, days_ago=0)
    rg = post_step(client, callers["ca"], case_id, "decide_rg_positive", version)
    assert rg.status_code == 200, rg.text
    url = f"/api/cases/{case_id}/stated-dates"
    sup = callers["sup"].auth
    ask = {"version": version + 1, "expected_version": version + 1}
    assert_problem(
        client.post(url, json={**ask, "reason": "Paper"}, headers=sup), 409, "date-not-confirmable"
    )
    assert_problem(client.post(url, json={**ask, "reason": ""}, headers=sup), 422, "validation")
    wrong = {**ask, "reason": "Paper", "version": "3"}
    assert_problem(client.post(url, json=wrong, headers=sup), 422, "validation")
