"""Need-to-know (#14, item 2): a receiving agency reaches only the cases referred to it, a police
unit only those whose verification was requested from it, and of a referred case an agency sees
only what the workflow shares with receiving agencies."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from referral_engine.bootstrap import Runtime
from tests.e2e.conftest import (
    Callers,
    assert_problem,
    case_in,
    open_case,
    send_referral,
    step_data,
    take_step,
)

NAME = "Synthetic Needtoknow Qzxv"
CONTACT = "+000 synthetic 4417"
COUNTRY = "Syntheticland"


def queue_ids(client: TestClient, callers: Callers, who: str) -> set[str]:
    response = client.get("/api/cases", headers=callers[who].auth)
    assert response.status_code == 200, response.text
    return {item["case_id"] for item in response.json()["items"]}


def test_a_clinic_with_no_referral_neither_lists_nor_reads_a_kyiv_case(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    """The issue's finding: `clinic-kyiv` listed every Kyivska case and read its victim."""
    case = open_case(
        client, callers["screener"], person_name=NAME, contact=CONTACT,
        country_of_exploitation=COUNTRY,
    )  # fmt: skip
    pg_runtime.projections.catch_up()

    assert case["id"] in queue_ids(client, callers, "lsa")
    assert case["id"] not in queue_ids(client, callers, "clinic")
    read = client.get(f"/api/cases/{case['id']}", headers=callers["clinic"].auth)
    assert_problem(read, 404, "not-found")
    for value in (NAME, CONTACT, COUNTRY):
        assert value not in read.text
    (refusal,) = pg_runtime.audit.query(user_name="clinic", limit=1, newest_first=True)
    assert (refusal.status, str(refusal.case_id), refusal.action) == (404, case["id"], "case.read")
    assert refusal.region == "UA-32"  # filed for the region's supervisors, told to no one


def test_a_receiving_agency_reads_only_what_is_shared_with_its_referral(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    case_id, version = case_in(client, callers, "application_registered")
    to_shelter = send_referral(client, callers["lsa"], case_id, version)
    assert to_shelter.status_code == 201, to_shelter.text
    body: dict[str, Any] = {
        "agency": "clinic-kyiv",
        "service": "medical",
        "data": {"referral_notes": "Synthetic notes for the clinic only"},
        "expected_version": to_shelter.json()["version"],
    }
    to_clinic = client.post(
        f"/api/cases/{case_id}/referrals", json=body, headers=callers["lsa"].auth
    )
    assert to_clinic.status_code == 201, to_clinic.text
    pg_runtime.projections.catch_up()

    shelter = client.get(f"/api/cases/{case_id}", headers=callers["shelter"].auth)
    assert shelter.status_code == 200, shelter.text
    seen = shelter.json()
    assert [r["agency"] for r in seen["referrals"]] == ["shelter-kyiv"]
    assert "Synthetic notes for the clinic only" not in shelter.text
    assert seen["data"]["person_name"] not in ({"redacted": "not-permitted"}, None)
    assert seen["data"]["application_number"] == {"redacted": "not-permitted"}
    assert case_id in queue_ids(client, callers, "shelter")
    assert case_id in queue_ids(client, callers, "clinic")

    entries = client.get(f"/api/cases/{case_id}/history", headers=callers["shelter"].auth).json()
    assert {e["referral_id"] for e in entries} == {"r1"}


def test_a_police_unit_reaches_only_the_cases_whose_verification_it_was_asked_for(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    asked, version = case_in(client, callers, "interviewed")
    data = step_data("request_verification", police_unit="police-kyivska")
    sent = take_step(client, callers["lsa"], asked, "request_verification", version, data)
    assert sent.status_code == 200, sent.text
    other, version = case_in(client, callers, "interviewed")
    data = step_data("request_verification", police_unit="police-elsewhere")
    assert take_step(client, callers["lsa"], other, "request_verification", version, data)
    pg_runtime.projections.catch_up()

    police = callers["police"]
    assert client.get(f"/api/cases/{asked}", headers=police.auth).status_code == 200
    assert_problem(client.get(f"/api/cases/{other}", headers=police.auth), 404, "not-found")
    assert queue_ids(client, callers, "police") == {asked}
    answer = take_step(client, police, asked, "record_verification", sent.json()["version"])
    assert answer.status_code == 200, answer.text


def test_a_role_of_another_workflow_lists_no_case_through_an_agency_of_the_same_name(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    """Found by a review: the queue's marks named no workflow, so a UK first responder of the
    Ukraine screener's agency listed the Ukraine cases that agency opened."""
    callers.add(pg_runtime, "fr", "first_responder", callers["screener"].agency, ["UA-32"])
    case = open_case(client, callers["screener"], person_name=NAME)
    pg_runtime.projections.catch_up()

    assert case["id"] in queue_ids(client, callers, "screener")
    assert case["id"] not in queue_ids(client, callers, "fr")
    read = client.get(f"/api/cases/{case['id']}", headers=callers["fr"].auth)
    assert_problem(read, 404, "not-found")
