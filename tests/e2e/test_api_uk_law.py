"""uk-nrm version 4's refusals as an API client meets them: a reconsideration asked for after
day 30 (409 too-late, with the last day it was allowed), a local-authority panel deciding on an
adult (422 on the field, and the value not offered), a Duty to Notify from a body that owes none
(409 condition-not-met listing the bodies that do), a Duty to Notify on a case naming the adult
(422 on each identifying field, with the rule), a removal decision during the recovery period
(409 with the rule); and a late request posted from the case page, refused in the page's
language."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from referral_engine.bootstrap import Runtime
from tests.e2e.conftest import Caller, Callers, assert_problem
from tests.e2e.pages import csrf_of, sign_in
from tests.factories import FixedClock, data_for

LONDON = "GB-ENG"


def opened(client: TestClient, runtime: Runtime, caller: Caller, **opening: Any) -> dict[str, Any]:
    uk = runtime.engine.workflows.get("uk-nrm")
    data = data_for(uk.opening, **{"is_child": False, "first_responder_type": "police", **opening})
    body = {"workflow": "uk-nrm", "region": LONDON, "data": data}
    response = client.post("/api/cases", json=body, headers=caller.auth)
    assert response.status_code == 201, response.text
    return dict(response.json())


def stepped(
    client: TestClient,
    runtime: Runtime,
    case: dict[str, Any],
    trigger: str,
    caller: Caller,
    **data: Any,
) -> Any:
    spec = next(
        t for t in runtime.engine.workflows.get("uk-nrm").transitions if t.trigger == trigger
    )
    body = {"trigger": trigger, "data": data_for(spec, **data), "expected_version": case["version"]}
    return client.post(f"/api/cases/{case['id']}/steps", json=body, headers=caller.auth)


def test_the_uk_rules_refuse_with_their_problems(
    client: TestClient, pg_runtime: Runtime, callers: Callers, clock: FixedClock
) -> None:
    fr = callers.add(pg_runtime, "fr", "first_responder", "police-met", [LONDON])
    ca = callers.add(pg_runtime, "ca", "competent_authority", "sca", [LONDON])
    case = opened(client, pg_runtime, fr)
    for trigger, caller, data in [
        ("record_consent", fr, {}),
        ("refer_adult", fr, {}),
    ]:
        response = stepped(client, pg_runtime, case, trigger, caller, **data)
        assert response.status_code == 200, response.text
        case["version"] = response.json()["version"]

    shown = client.get(f"/api/cases/{case['id']}", headers=ca.auth).json()
    decide = next(s for s in shown["allowed_steps"] if s["trigger"] == "decide_rg_negative")
    authority = next(f for f in decide["fields"] if f["name"] == "competent_authority")
    assert authority["values"] == ["sca", "ieca"]  # the panel is not offered for an adult
    panel = stepped(
        client,
        pg_runtime,
        case,
        "decide_rg_negative",
        ca,
        competent_authority="local_authority_panel",
    )
    problem = assert_problem(panel, 422, "validation")
    assert [e["path"] for e in problem["errors"]] == ["data.competent_authority"]

    response = stepped(
        client, pg_runtime, case, "decide_rg_negative", ca, competent_authority="sca"
    )
    assert response.status_code == 200, response.text
    case["version"] = response.json()["version"]
    decided_on = clock.now.date()
    clock.advance(days=31)
    late = stepped(client, pg_runtime, case, "request_rg_reconsideration", fr)
    problem = assert_problem(late, 409, "too-late")
    assert problem["latest_on"] == (decided_on + timedelta(days=30)).isoformat()
    assert (problem["closed_by"], problem["counted_from"]) == (
        "close_after_negative_rg",
        "NegativeReasonableGrounds",
    )

    ngo = opened(client, pg_runtime, fr, first_responder_type="ngo")
    refused = stepped(client, pg_runtime, ngo, "notify_without_consent", fr)
    problem = assert_problem(refused, 409, "condition-not-met")
    assert problem["unmet_conditions"] == [
        {
            "field": "first_responder_type",
            "one_of": [
                "police",
                "national_crime_agency",
                "local_authority",
                "gangmasters_labour_abuse_authority",
            ],
        }
    ]


def test_the_duty_to_notify_and_the_recovery_period_refuse_naming_their_rule(
    client: TestClient, pg_runtime: Runtime, callers: Callers
) -> None:
    fr = callers.add(pg_runtime, "fr", "first_responder", "police-met", [LONDON])
    ca = callers.add(pg_runtime, "ca", "competent_authority", "sca", [LONDON])
    uk = pg_runtime.engine.workflows.get("uk-nrm")
    data = data_for(uk.opening, is_child=False, first_responder_type="police")
    body = {"workflow": "uk-nrm", "region": LONDON, "data": data | {"person_name": "Synthetic"}}
    problem = assert_problem(
        client.post("/api/cases", json=body, headers=fr.auth), 422, "validation"
    )
    [withheld] = problem["errors"]  # an adult's name waits for their consent
    assert (withheld["path"], withheld["code"]) == ("data.person_name", "withheld")
    assert "MSA 2015 s.52(3)" in withheld["params"]["rule"]
    notified = opened(client, pg_runtime, fr)
    response = stepped(client, pg_runtime, notified, "notify_without_consent", fr)
    assert response.status_code == 200, response.text

    case = opened(client, pg_runtime, fr)
    for trigger, caller, data in [
        ("record_consent", fr, {}),
        ("refer_adult", fr, {"person_name": "Synthetic Person"}),
        ("decide_rg_positive", ca, {"competent_authority": "sca"}),
    ]:
        response = stepped(client, pg_runtime, case, trigger, caller, **data)
        assert response.status_code == 200, response.text
        case["version"] = response.json()["version"]
    refused = stepped(client, pg_runtime, case, "record_removal_decision", ca)
    problem = assert_problem(refused, 409, "illegal-transition")
    assert "NABA 2022 s.61" in problem["rule"] and "NABA 2022 s.61" in problem["detail"]


def test_a_late_request_posted_from_the_page_is_refused_in_ukrainian_with_its_last_day(
    client: TestClient, pg_runtime: Runtime, callers: Callers, clock: FixedClock
) -> None:
    fr = callers.add(pg_runtime, "fr", "first_responder", "police-met", [LONDON])
    ca = callers.add(pg_runtime, "ca", "competent_authority", "sca", [LONDON])
    case = opened(client, pg_runtime, fr)
    for trigger, caller, data in [
        ("record_consent", fr, {}),
        ("refer_adult", fr, {}),
        ("decide_rg_negative", ca, {"competent_authority": "sca"}),
    ]:
        response = stepped(client, pg_runtime, case, trigger, caller, **data)
        assert response.status_code == 200, response.text
        case["version"] = response.json()["version"]
    sign_in(client, fr.token)
    client.get("/lang/uk?next=/")
    page = client.get(f"/cases/{case['id']}").text  # on day 0: the request is offered
    assert "Запитати перегляд негативного рішення RG" in page
    latest = (clock.now.date() + timedelta(days=30)).isoformat()
    clock.advance(days=31)
    assert "Запитати перегляд негативного рішення RG" not in client.get(f"/cases/{case['id']}").text
    response = client.post(
        f"/cases/{case['id']}/steps",
        data={
            "csrf": csrf_of(page),
            "trigger": "request_rg_reconsideration",
            "expected_version": str(case["version"]),
            "data.new_information": "Synthetic new evidence",
        },
        follow_redirects=False,
    )
    assert response.status_code == 409
    said = f"можна було виконати лише до {latest}: строк сплив, коли стало можливим «Закрити"
    assert said in response.text
    assert "close_after_negative_rg" not in response.text
