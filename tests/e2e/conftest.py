"""The real app on PostgreSQL, driven through HTTP (FastAPI's TestClient), with users per role."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from referral_engine.application import demo_agencies
from referral_engine.bootstrap import Runtime
from referral_engine.domain.workflow import TransitionSpec
from referral_engine.entrypoints.asgi import create_app
from tests.factories import data_for, path_to, ukraine

KYIV = "UA-32"
LVIV = "UA-46"
ENGLAND = "GB-ENG"


@dataclass(frozen=True)
class Caller:
    """A signed-in user: their name, role and the Authorization header to send."""

    name: str
    role: str
    agency: str
    token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


class Callers(dict[str, Caller]):
    def add(
        self, runtime: Runtime, name: str, role: str, agency: str, regions: list[str]
    ) -> Caller:
        runtime.users.add(name, role, agency, regions)
        caller = Caller(name, role, agency, runtime.users.issue_token(name))
        self[name] = caller
        return caller


@pytest.fixture
def client(pg_runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(pg_runtime), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def callers(pg_runtime: Runtime) -> Callers:
    return callers_of(pg_runtime)


def callers_of(runtime: Runtime) -> Callers:
    """One user per role in Kyiv Oblast (UA-32; the supervisor also in England), plus a Lviv
    caseworker, an all-regions statistician and an all-regions admin."""
    found = Callers()
    found.add(runtime, "screener", "nrm_actor", "ngo-synthetic", [KYIV])
    found.add(runtime, "lsa", "lsa_official", "lsa-kyivska", [KYIV])
    found.add(runtime, "police", "police", POLICE_UNIT, [KYIV])
    found.add(runtime, "decider", "decision_maker", "msp-kyivska", [KYIV])
    found.add(runtime, "shelter", "service_provider", "shelter-kyiv", [KYIV])
    found.add(runtime, "clinic", "service_provider", "clinic-kyiv", [KYIV])
    found.add(runtime, "supervisor", "supervisor", "lsa-kyivska", [KYIV, ENGLAND])
    found.add(runtime, "analyst", "analyst", "msp-analytics", [KYIV])
    found.add(runtime, "statistician", "statistician", "msp-statistics", ["*"])
    found.add(runtime, "lviv-lsa", "lsa_official", "lsa-lvivska", [LVIV])
    found.add(runtime, "admin", "admin", "it", ["*"])
    return found


# -- story helpers: drive the API the way a caseworker's client would --------------------------

WORKFLOW = "ukraine-nrm"
workflow = cache(ukraine)
PROBLEM_JSON = "application/problem+json"
CALLER_FOR_ROLE = {
    "nrm_actor": "screener",
    "lsa_official": "lsa",
    "police": "police",
    "decision_maker": "decider",
    "supervisor": "supervisor",
    "service_provider": "shelter",
}


def step_spec(trigger: str) -> TransitionSpec:
    """The declaration of a case-level, referral or referral-sending trigger."""
    referrals = workflow().referrals
    assert referrals is not None
    specs = [*workflow().transitions, referrals.send, *referrals.transitions]
    return next(s for s in specs if s.trigger == trigger)


POLICE_UNIT = "police-kyivska"
"""The police caller's unit: verification is requested from it unless a test says otherwise, so
that the police caller reaches the cases it is asked to verify (`names_agency`)."""


def step_data(trigger: str, **overrides: object) -> dict[str, Any]:
    """Valid data for a trigger (every required field), with overrides."""
    if trigger == "request_verification":
        overrides.setdefault("police_unit", POLICE_UNIT)
    return data_for(step_spec(trigger), **overrides)


def opening_data(**overrides: object) -> dict[str, Any]:
    """A synthetic person's screening data: an adult citizen of Ukraine unless told otherwise
    (a foreigner's case offers the steps version 6 gives foreigners)."""
    return data_for(workflow().opening, **{"is_child": False, "citizenship": "UA", **overrides})


def open_case(
    client: TestClient, caller: Caller, region: str = KYIV, **overrides: object
) -> dict[str, Any]:
    """Screen a synthetic person through the API; returns the new case."""
    response = client.post(
        "/api/cases",
        json={"workflow": WORKFLOW, "region": region, "data": opening_data(**overrides)},
        headers=caller.auth,
    )
    assert response.status_code == 201, response.text
    case: dict[str, Any] = response.json()
    return case


def take_step(
    client: TestClient,
    caller: Caller,
    case_id: str,
    trigger: str,
    version: int,
    data: dict[str, Any] | None = None,
    key: str | None = None,
) -> httpx.Response:
    """POST one step (valid data unless given) decided on `version`."""
    headers = {**caller.auth, **({"Idempotency-Key": key} if key else {})}
    body = {"trigger": trigger, "data": step_data(trigger) if data is None else data}
    return client.post(
        f"/api/cases/{case_id}/steps", json={**body, "expected_version": version}, headers=headers
    )


def walk(client: TestClient, callers: Callers, case_id: str, version: int, *triggers: str) -> int:
    """Take each step as the first role allowed to; returns the case version reached."""
    for trigger in triggers:
        caller = callers[CALLER_FOR_ROLE[sorted(step_spec(trigger).roles)[0]]]
        response = take_step(client, caller, case_id, trigger, version)
        assert response.status_code == 200, response.text
        version = response.json()["version"]
    return version


def case_in(
    client: TestClient, callers: Callers, state: str, *, consent: bool = True
) -> tuple[str, int]:
    """A fresh Kyiv case walked to `state` (consent first unless told otherwise): id, version."""
    case = open_case(client, callers["screener"])
    triggers = (["record_consent"] if consent else []) + path_to(workflow(), state)
    return case["id"], walk(client, callers, case["id"], case["version"], *triggers)


def send_referral(
    client: TestClient,
    caller: Caller,
    case_id: str,
    version: int,
    agency: str = "shelter-kyiv",
    service: str | None = None,
) -> httpx.Response:
    """Refer to `agency` for `service` (by default the first the synthetic agency offers)."""
    if service is None:
        offered = next((e.services for e in demo_agencies.ENTRIES if e.slug == agency), ())
        service = offered[0] if offered else "shelter"
    body = {"agency": agency, "service": service, "data": {}, "expected_version": version}
    return client.post(f"/api/cases/{case_id}/referrals", json=body, headers=caller.auth)


def referral_step(
    client: TestClient,
    caller: Caller,
    case_id: str,
    referral_id: str,
    trigger: str,
    version: int,
    data: dict[str, Any] | None = None,
) -> httpx.Response:
    body = {"trigger": trigger, "data": step_data(trigger) if data is None else data}
    return client.post(
        f"/api/cases/{case_id}/referrals/{referral_id}/steps",
        json={**body, "expected_version": version},
        headers=caller.auth,
    )


def history(client: TestClient, caller: Caller, case_id: str) -> list[dict[str, Any]]:
    response = client.get(f"/api/cases/{case_id}/history", headers=caller.auth)
    assert response.status_code == 200, response.text
    entries: list[dict[str, Any]] = response.json()
    return entries


def assert_problem(response: httpx.Response, status: int, slug: str) -> dict[str, Any]:
    """The response is an RFC 9457 problem document of this status and type; returns its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    body: dict[str, Any] = response.json()
    assert body["type"] == f"/problems/{slug}"
    assert body["status"] == status
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str)
    return body
