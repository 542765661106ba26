"""A client that knows nothing of the workflow follows the API's own offers: every allowed step
says where it is taken, and a refusal offers only what the route that refused it takes."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from referral_engine.bootstrap import Runtime
from tests.e2e.conftest import (
    ENGLAND,
    Callers,
    assert_problem,
    case_in,
    send_referral,
    take_step,
)
from tests.e2e.generic_client import GenericClient, read, receiving_roles
from tests.factories import FixedClock


def test_each_allowed_step_says_where_it_is_taken_and_with_which_body(
    client: TestClient, callers: Callers
) -> None:
    case_id, _ = case_in(client, callers, "application_registered")

    steps = {s["trigger"]: s for s in read(client, callers["lsa"], case_id)["allowed_steps"]}

    assert steps["send_referral"]["method"] == "POST"
    assert steps["send_referral"]["href"] == f"/api/cases/{case_id}/referrals"
    assert steps["send_referral"]["body"]["trigger"] is None
    paths = steps["send_referral"]["body"]["field_paths"]
    assert (paths["agency"], paths["service"], paths["urgent"]) == (
        "agency",
        "service",
        "data.urgent",
    )
    assert steps["conduct_interview"]["href"] == f"/api/cases/{case_id}/steps"
    assert steps["conduct_interview"]["body"]["trigger"] == "conduct_interview"
    assert set(steps["conduct_interview"]["body"]["field_paths"].values()) == {
        f"data.{f['name']}" for f in steps["conduct_interview"]["fields"]
    }


def test_a_referral_step_is_offered_at_that_referrals_own_route(
    client: TestClient, callers: Callers
) -> None:
    case_id, version = case_in(client, callers, "application_registered")
    assert send_referral(client, callers["lsa"], case_id, version).status_code == 201

    steps = read(client, callers["shelter"], case_id)["allowed_steps"]

    accept = next(s for s in steps if s["trigger"] == "accept")
    assert accept["href"] == f"/api/cases/{case_id}/referrals/r1/steps"
    assert accept["body"]["trigger"] == "accept"


def test_sending_a_referral_as_a_case_step_is_refused_offering_only_case_steps(
    client: TestClient, callers: Callers
) -> None:
    case_id, version = case_in(client, callers, "application_registered")
    offered = read(client, callers["lsa"], case_id)["allowed_steps"]

    response = take_step(client, callers["lsa"], case_id, "send_referral", version, data={})

    body = assert_problem(response, 409, "illegal-transition")
    assert "send_referral" not in body["legal_triggers"] + legal_in_detail(body)
    case_steps = [s["trigger"] for s in offered if s["href"].endswith(f"{case_id}/steps")]
    assert body["legal_triggers"] == case_steps
    assert legal_in_detail(body) == case_steps
    assert {(s["method"], s["href"]) for s in body["legal_steps"]} == {
        ("POST", f"/api/cases/{case_id}/steps")
    }


def test_a_referral_sent_where_none_may_be_is_refused_offering_no_case_steps(
    client: TestClient, callers: Callers
) -> None:
    # consent given, the status over (from version 6 a child is referred from the screening)
    case_id, version = case_in(client, callers, "status_expired")

    response = send_referral(client, callers["lsa"], case_id, version)

    body = assert_problem(response, 409, "illegal-transition")
    assert body["legal_triggers"] == []
    assert body["legal_steps"] == []
    assert body["detail"] == (
        "'send_referral' is not legal from state 'status_expired'; legal now: none"
    )


def test_a_referral_step_refused_offers_that_referrals_steps_at_its_route(
    client: TestClient, callers: Callers
) -> None:
    case_id, version = case_in(client, callers, "application_registered")
    version = send_referral(client, callers["lsa"], case_id, version).json()["version"]

    response = client.post(
        f"/api/cases/{case_id}/referrals/r1/steps",
        json={"trigger": "complete", "data": {"outcome": "x"}, "expected_version": version},
        headers=callers["shelter"].auth,
    )

    body = assert_problem(response, 409, "illegal-transition")
    assert body["legal_triggers"] == legal_in_detail(body) == ["accept", "reject"]
    href = f"/api/cases/{case_id}/referrals/r1/steps"
    assert body["legal_steps"] == [
        {"trigger": "accept", "method": "POST", "href": href},
        {"trigger": "reject", "method": "POST", "href": href},
    ]


def test_a_stale_version_and_a_retried_command_are_answered_as_before(
    client: TestClient, callers: Callers
) -> None:
    case_id, version = case_in(client, callers, "application_registered")
    lsa = callers["lsa"]
    first = take_step(client, lsa, case_id, "conduct_interview", version, key="interview-1")

    stale = take_step(client, lsa, case_id, "conduct_interview", version)
    retried = take_step(client, lsa, case_id, "conduct_interview", version, key="interview-1")

    body = assert_problem(stale, 409, "version-conflict")
    assert set(body) == {"type", "title", "status", "detail", "current_version", "expected_version"}
    assert (body["expected_version"], body["current_version"]) == (version, version + 1)
    assert retried.status_code == 200, retried.text
    assert retried.json() == {**first.json(), "replayed": True}


def test_the_openapi_document_describes_where_a_step_is_taken(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]

    assert {"method", "href", "body"} <= set(schemas["AllowedStepOut"]["properties"])
    assert {"trigger", "field_paths"} <= set(schemas["StepBodyOut"]["properties"])


# -- a generic client: it knows the API, a goal and its users, nothing of the workflow --------

GOALS = {
    "ukraine-nrm": ("status_granted", "AssistanceDelivered"),
    "uk-nrm": ("move_on_support", "SupportDelivered"),
}


@pytest.mark.parametrize("workflow_id", sorted(GOALS))
def test_a_generic_client_reaches_a_granted_status_and_delivered_assistance_from_offers_alone(
    client: TestClient,
    callers: Callers,
    pg_runtime: Runtime,
    clock: FixedClock,
    workflow_id: str,
) -> None:
    if workflow_id == "uk-nrm":
        add_uk_users(pg_runtime, callers)
    served = client.get(f"/api/workflows/{workflow_id}", headers=callers["admin"].auth).json()
    goal_state, goal_event = GOALS[workflow_id]
    users = [c for c in callers.values() if c.role in served["roles"] and c.name != "lviv-lsa"]
    agency = next(c.agency for c in users if c.role in receiving_roles(served))
    walker = GenericClient(client, served, users, agency, clock)

    case = walker.walk(goal_state, goal_event)

    assert case["state"] == goal_state
    events = [h["event"] for h in walker.history(case["id"])]
    assert goal_event in events
    assert walker.refused == []
    assert any(href.endswith("/referrals") for _, href in walker.taken)  # the step once refused


def add_uk_users(runtime: Runtime, callers: Callers) -> None:
    """The UK roles, in England (the first region of the UK workflow's registry)."""
    callers.add(runtime, "responder", "first_responder", "police-synthetic", [ENGLAND])
    callers.add(runtime, "sca", "competent_authority", "sca-synthetic", [ENGLAND])
    callers.add(runtime, "provider", "support_provider", "provider-synthetic", [ENGLAND])


def legal_in_detail(body: dict[str, Any]) -> list[str]:
    """The legal triggers the problem's human-readable detail names."""
    named = re.search(r"legal now: (.*)$", body["detail"])
    assert named is not None, body["detail"]
    return [] if named.group(1) == "none" else named.group(1).split(", ")
