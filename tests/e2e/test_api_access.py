"""Who may do what: bearer tokens, roles per trigger, analysts, and region scopes."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient

from referral_engine.bootstrap import Runtime
from tests.e2e.conftest import (
    KYIV,
    LVIV,
    WORKFLOW,
    Callers,
    assert_problem,
    case_in,
    history,
    open_case,
    opening_data,
    send_referral,
    step_data,
    step_spec,
    take_step,
)

ROUTES_NEEDING_A_TOKEN = [
    ("GET", "/api/cases/{case}"),
    ("GET", "/api/cases/{case}/history"),
    ("POST", "/api/cases"),
    ("POST", "/api/cases/{case}/steps"),
    ("POST", "/api/cases/{case}/referrals"),
    ("POST", "/api/cases/{case}/referrals/r1/steps"),
    ("GET", "/api/workflows"),
    ("GET", "/api/workflows/ukraine-nrm"),
    ("GET", "/api/audit"),
]


def case_route_requests(case_id: str, version: int) -> list[tuple[str, str, dict[str, Any]]]:
    """A valid request to every case route, for a case with referral r1 at `version`."""
    return [
        ("GET", f"/api/cases/{case_id}", {}),
        ("GET", f"/api/cases/{case_id}?version=1", {}),
        ("GET", f"/api/cases/{case_id}/history", {}),
        (
            "POST",
            "/api/cases",
            {"workflow": WORKFLOW, "region": KYIV, "data": opening_data()},
        ),
        (
            "POST",
            f"/api/cases/{case_id}/steps",
            {"trigger": "waive_interview", "data": step_data("waive_interview")},
        ),
        (
            "POST",
            f"/api/cases/{case_id}/referrals",
            {"agency": "clinic-kyiv", "service": "medical"},
        ),
        ("POST", f"/api/cases/{case_id}/referrals/r1/steps", {"trigger": "accept"}),
    ]


@pytest.fixture
def case_with_referral(client: TestClient, callers: Callers) -> tuple[str, int]:
    case_id, version = case_in(client, callers, "application_registered")
    assert send_referral(client, callers["lsa"], case_id, version).status_code == 201
    return case_id, version + 1


@pytest.mark.parametrize(("method", "path"), ROUTES_NEEDING_A_TOKEN)
def test_every_route_but_health_needs_a_token(client: TestClient, method: str, path: str) -> None:
    response = client.request(method, path.format(case=uuid4()), json={})

    assert_problem(response, 401, "unauthorized")
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer nonsense",
        "Bearer ret_" + "x" * 43,
        "Bearer ret_" + "x" * 200,
        "Basic bHNhOnNlY3JldA==",
        "Bearer",
        "ret_abc",
    ],
)
def test_a_token_that_is_not_a_live_one_is_refused(client: TestClient, authorization: str) -> None:
    response = client.get("/api/workflows", headers={"Authorization": authorization})

    assert_problem(response, 401, "unauthorized")


def test_a_revoked_token_stops_working(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    lsa = callers["lsa"]
    assert client.get("/api/workflows", headers=lsa.auth).status_code == 200
    (token,) = pg_runtime.users.tokens("lsa")

    assert pg_runtime.users.revoke(token.id)

    assert_problem(client.get("/api/workflows", headers=lsa.auth), 401, "unauthorized")


ROLE_RULES = [
    # state, trigger, a caller whose role may not, a caller whose role may
    ("identified", "grant_status", "lsa", "decider"),
    ("identified", "refuse_status", "supervisor", "decider"),
    ("identified", "return_incomplete", "police", "decider"),
    ("awaiting_verification", "record_verification", "decider", "police"),
    ("screened", "register_application", "screener", "lsa"),
    ("screened", "override_consent", "screener", "supervisor"),
    ("screened", "close_case", "lsa", "supervisor"),
]


@pytest.mark.parametrize(("state", "trigger", "refused", "allowed"), ROLE_RULES)
def test_only_the_roles_the_workflow_names_may_take_a_step(
    client: TestClient, callers: Callers, state: str, trigger: str, refused: str, allowed: str
) -> None:
    case_id, version = case_in(client, callers, state)

    denied = take_step(client, callers[refused], case_id, trigger, version)
    granted = take_step(client, callers[allowed], case_id, trigger, version)

    body = assert_problem(denied, 403, "forbidden-role")
    assert (body["trigger"], body["allowed_roles"]) == (trigger, sorted(step_spec(trigger).roles))
    assert granted.status_code == 200
    assert [e["trigger"] for e in history(client, callers[allowed], case_id)[version:]] == [trigger]


def test_a_role_that_may_not_open_cases_is_told_which_roles_may(
    client: TestClient, callers: Callers
) -> None:
    body = {"workflow": WORKFLOW, "region": KYIV, "data": opening_data()}

    response = client.post("/api/cases", json=body, headers=callers["decider"].auth)

    problem = assert_problem(response, 403, "forbidden-role")
    assert problem["allowed_roles"] == ["lsa_official", "nrm_actor"]


def test_analysts_get_no_case_route_at_all(
    client: TestClient, callers: Callers, case_with_referral: tuple[str, int]
) -> None:
    case_id, version = case_with_referral

    for method, path, body in case_route_requests(case_id, version):
        json = {**body, "expected_version": version} if "/api/cases/" in path else body
        response = client.request(method, path, json=json or None, headers=callers["analyst"].auth)
        assert_problem(response, 403, "forbidden")

    assert len(history(client, callers["lsa"], case_id)) == version


def test_opening_a_case_outside_ones_regions_is_forbidden(
    client: TestClient, callers: Callers
) -> None:
    body = {"workflow": WORKFLOW, "region": LVIV, "data": opening_data()}

    response = client.post("/api/cases", json=body, headers=callers["lsa"].auth)

    problem = assert_problem(response, 403, "forbidden-region")
    assert LVIV in problem["detail"]


def test_a_case_of_another_region_looks_exactly_like_a_missing_one(
    client: TestClient, callers: Callers
) -> None:
    kyiv_case = open_case(client, callers["screener"])["id"]
    missing = str(uuid4())
    lviv = callers["lviv-lsa"]

    hidden = client.get(f"/api/cases/{kyiv_case}", headers=lviv.auth)
    absent = client.get(f"/api/cases/{missing}", headers=lviv.auth)

    assert hidden.status_code == absent.status_code == 404
    assert hidden.headers["content-type"] == absent.headers["content-type"]
    assert hidden.text.replace(kyiv_case, "<id>") == absent.text.replace(missing, "<id>")


def test_another_region_can_neither_read_nor_act_on_a_case(
    client: TestClient, callers: Callers, case_with_referral: tuple[str, int]
) -> None:
    case_id, version = case_with_referral
    lviv = callers["lviv-lsa"]

    for method, path, body in case_route_requests(case_id, version):
        if path == "/api/cases":
            continue  # opening names a region, not a case
        json = {**body, "expected_version": version} if method == "POST" else None
        assert_problem(client.request(method, path, json=json, headers=lviv.auth), 404, "not-found")

    assert len(history(client, callers["lsa"], case_id)) == version


def test_an_all_regions_user_sees_every_region(client: TestClient, callers: Callers) -> None:
    kyiv_case = open_case(client, callers["screener"], KYIV)["id"]
    lviv_case = open_case(client, callers["lviv-lsa"], LVIV)["id"]

    for case_id in (kyiv_case, lviv_case):
        assert client.get(f"/api/cases/{case_id}", headers=callers["admin"].auth).status_code == 200
