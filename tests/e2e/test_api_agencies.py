"""The agency registry over HTTP: admins register and change agencies and record and end their
agreements (audited); every signed-in user reads it; bad input is a 422, an unknown agency or
agreement a 404, a second registration or ending a 409 — never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.e2e.conftest import Callers, assert_problem

pytestmark = pytest.mark.usefixtures("empty_registry")  # the registry as the test makes it

SHELTER = {
    "id": "shelter-kyiv",
    "names": {"en": "Shelter Kyiv", "uk": "Притулок Київ"},
    "kind": "ngo",
    "services": ["accommodation", "legal_aid"],
    "regions": ["UA-32"],
}
LSA = {
    "id": "lsa-kyivska",
    "names": {"en": "LSA Kyiv Oblast"},
    "kind": "state_body",
    "regions": ["UA-32"],
}
AGREEMENT = {
    "id": "2026-17",
    "with_agency": "lsa-kyivska",
    "services": ["accommodation"],
    "signed_on": "2026-01-15",
    "valid_until": "2027-01-14",
    "reference": "Order 17",
}
END = {"ended_on": "2026-06-30", "reason": "Merged"}


def registered(client: TestClient, callers: Callers, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/api/agencies", json=body, headers=callers["admin"].auth)
    assert response.status_code == 201, response.text
    assert response.headers["Location"] == f"/api/agencies/{body['id']}"
    found: dict[str, Any] = response.json()
    return found


def test_an_admin_keeps_the_registry_and_every_user_reads_it(
    client: TestClient, callers: Callers
) -> None:
    admin = callers["admin"].auth
    assert registered(client, callers, SHELTER)["version"] == 1
    registered(client, callers, LSA)
    wider = {"regions": ["UA-32", "UA-46"]}
    changed = client.patch("/api/agencies/shelter-kyiv", json=wider, headers=admin)
    assert changed.status_code == 200 and changed.json()["version"] == 2, changed.text
    agreements = "/api/agencies/shelter-kyiv/agreements"
    recorded = client.post(agreements, json=AGREEMENT, headers=admin)
    assert recorded.status_code == 201, recorded.text
    ended = client.post(f"{agreements}/2026-17/end", json=END, headers=admin)
    assert ended.json()["agreements"][0]["ended_on"] == "2026-06-30", ended.text

    reader = callers["shelter"].auth
    listed = client.get("/api/agencies", params={"region": "UA-46"}, headers=reader).json()
    assert [a["id"] for a in listed] == ["shelter-kyiv"]
    bodies = client.get("/api/agencies", params={"kind": "state_body"}, headers=reader).json()
    assert [a["id"] for a in bodies] == ["lsa-kyivska"]
    history = client.get("/api/agencies/shelter-kyiv/history", headers=reader).json()
    events = ["registered", "details_changed", "agreement_recorded", "agreement_ended"]
    assert [e["event"] for e in history] == events
    past = client.get("/api/agencies/shelter-kyiv", params={"version": 1}, headers=reader).json()
    assert (past["regions"], past["agreements"]) == (["UA-32"], [])

    audit = client.get("/api/audit", params={"user": "admin"}, headers=admin).json()
    actions = {e["action"] for e in audit}
    assert {f"agency.{a}" for a in ("register", "change", "agreement.record", "agreement.end")} <= (
        actions
    )


def test_only_admins_change_the_registry(client: TestClient, callers: Callers) -> None:
    registered(client, callers, SHELTER)
    for who in ("supervisor", "shelter", "statistician"):
        auth = callers[who].auth
        assert_problem(client.post("/api/agencies", json=LSA, headers=auth), 403, "forbidden")
        patch = client.patch("/api/agencies/shelter-kyiv", json={"kind": "ngo"}, headers=auth)
        assert_problem(patch, 403, "forbidden")
    assert client.get("/api/agencies").status_code == 401


def test_bad_input_unknown_ids_and_conflicts_are_problems(
    client: TestClient, callers: Callers
) -> None:
    admin = callers["admin"].auth
    registered(client, callers, SHELTER)
    registered(client, callers, LSA)
    bad = {**SHELTER, "id": "Shelter Kyiv", "regions": ["Kyiv"]}
    body = assert_problem(client.post("/api/agencies", json=bad, headers=admin), 422, "validation")
    assert {e["path"] for e in body["errors"]} == {"id", "regions[0]"}
    hidden = {**SHELTER, "names": {"en": "Shelter\u200bKyiv"}}
    assert_problem(client.post("/api/agencies", json=hidden, headers=admin), 422, "validation")
    assert_problem(client.post("/api/agencies", json=SHELTER, headers=admin), 409, "agency-exists")
    assert_problem(client.get("/api/agencies/shelter-lviv", headers=admin), 404, "not-found")
    unknown = client.patch("/api/agencies/nope", json={"kind": "ngo"}, headers=admin)
    assert_problem(unknown, 404, "not-found")

    agreements = "/api/agencies/shelter-kyiv/agreements"
    backwards = {**AGREEMENT, "valid_until": "2026-01-01"}
    assert_problem(client.post(agreements, json=backwards, headers=admin), 422, "validation")
    stranger = {**AGREEMENT, "with_agency": "police-lviv"}
    assert_problem(client.post(agreements, json=stranger, headers=admin), 422, "validation")
    client.post(agreements, json=AGREEMENT, headers=admin)
    again = client.post(agreements, json=AGREEMENT, headers=admin)
    assert_problem(again, 409, "agreement-conflict")
    assert client.post(f"{agreements}/2026-17/end", json=END, headers=admin).status_code == 200
    twice = client.post(f"{agreements}/2026-17/end", json=END, headers=admin)
    assert_problem(twice, 409, "agreement-conflict")
    none = client.post(f"{agreements}/none/end", json=END, headers=admin)
    assert_problem(none, 404, "not-found")
