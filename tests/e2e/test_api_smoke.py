"""A caseworker's first minutes with the API: open a case, take two steps, read its history."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.e2e.conftest import KYIV, Callers
from tests.factories import data_for, ukraine


def test_open_a_case_take_two_steps_and_read_the_history(
    client: TestClient, callers: Callers
) -> None:
    screener, lsa = callers["screener"], callers["lsa"]
    opened = client.post(
        "/api/cases",
        json={"workflow": "ukraine-nrm", "region": KYIV, "data": data_for(ukraine().opening)},
        headers=screener.auth,
    )
    assert opened.status_code == 201, opened.text
    case = opened.json()
    consent = data_for(ukraine().guard.step("screened", "record_consent"))
    first = client.post(
        f"/api/cases/{case['id']}/steps",
        json={"trigger": "record_consent", "data": consent, "expected_version": 1},
        headers=lsa.auth,
    )
    assert first.status_code == 200, first.text
    register = data_for(ukraine().guard.step("screened", "register_application"))
    second = client.post(
        f"/api/cases/{case['id']}/steps",
        json={"trigger": "register_application", "data": register, "expected_version": 2},
        headers=lsa.auth,
    )
    assert second.json()["state"] == "application_registered"
    history = client.get(f"/api/cases/{case['id']}/history", headers=lsa.auth).json()
    assert [h["event"] for h in history] == [
        "PersonScreened",
        "ConsentRecorded",
        "StatusApplicationRegistered",
    ]
    assert history[2]["actor"] == {
        "user_id": "lsa",
        "role": "lsa_official",
        "agency": "lsa-kyivska",
    }
