"""Referrals: sent by the case's workers, answered only by the receiving agency."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.e2e.conftest import (
    Callers,
    assert_problem,
    case_in,
    history,
    referral_step,
    send_referral,
    walk,
)


def test_sending_a_referral_answers_201_with_its_id(client: TestClient, callers: Callers) -> None:
    case_id, version = case_in(client, callers, "application_registered")

    response = send_referral(client, callers["lsa"], case_id, version, "clinic-kyiv", "medical")

    assert response.status_code == 201
    assert response.json() == {
        "case_id": case_id,
        "version": version + 1,
        "state": "application_registered",
        "event": "ReferralSent",
        "referral_id": "r1",
        "replayed": False,
    }


def test_the_receiving_agency_accepts_its_referral(client: TestClient, callers: Callers) -> None:
    case_id, version = case_in(client, callers, "application_registered")
    send_referral(client, callers["lsa"], case_id, version, agency="shelter-kyiv")

    response = referral_step(client, callers["shelter"], case_id, "r1", "accept", version + 1)

    assert response.status_code == 200
    assert (response.json()["referral_id"], response.json()["event"]) == ("r1", "ReferralAccepted")
    case = client.get(f"/api/cases/{case_id}", headers=callers["lsa"].auth).json()
    assert case["referrals"][0]["state"] == "accepted"


def test_the_receiving_agency_records_assistance_and_completes(
    client: TestClient, callers: Callers
) -> None:
    case_id, version = case_in(client, callers, "application_registered")
    send_referral(client, callers["lsa"], case_id, version, agency="shelter-kyiv")
    shelter = callers["shelter"]
    for offset, trigger in enumerate(["accept", "deliver_assistance", "complete"], start=1):
        response = referral_step(client, shelter, case_id, "r1", trigger, version + offset)
        assert response.status_code == 200, response.text

    case = client.get(f"/api/cases/{case_id}", headers=callers["lsa"].auth).json()

    assert case["referrals"][0]["state"] == "done"
    assert [s["name"] for s in case["referrals"][0]["steps"]] == [
        "ReferralSent",
        "ReferralAccepted",
        "AssistanceDelivered",
        "ReferralCompleted",
    ]


def test_another_agency_may_not_answer_the_referral(client: TestClient, callers: Callers) -> None:
    case_id, version = case_in(client, callers, "application_registered")
    send_referral(client, callers["lsa"], case_id, version, agency="shelter-kyiv")

    response = referral_step(client, callers["clinic"], case_id, "r1", "accept", version + 1)

    # the case is not referred to the clinic: it does not even learn that it exists
    body = assert_problem(response, 404, "not-found")
    assert "shelter-kyiv" not in body["detail"]
    assert len(history(client, callers["lsa"], case_id)) == version + 1


def test_an_agency_may_not_answer_another_agencys_referral_on_a_case_it_sees(
    client: TestClient, callers: Callers
) -> None:
    case_id, version = case_in(client, callers, "application_registered")
    send_referral(client, callers["lsa"], case_id, version, agency="shelter-kyiv")
    send_referral(client, callers["lsa"], case_id, version + 1, agency="clinic-kyiv")

    response = referral_step(client, callers["clinic"], case_id, "r1", "accept", version + 2)

    assert_problem(response, 404, "not-found")  # r1 is not the clinic's to see
    assert len(history(client, callers["lsa"], case_id)) == version + 2


def test_a_referral_without_consent_is_refused(client: TestClient, callers: Callers) -> None:
    case_id, version = case_in(client, callers, "application_registered")
    version = walk(client, callers, case_id, version, "withdraw_consent")

    response = send_referral(client, callers["lsa"], case_id, version)

    body = assert_problem(response, 409, "precondition-missing")
    assert (body["trigger"], body["missing"]) == ("send_referral", ["consent"])
    assert len(history(client, callers["lsa"], case_id)) == version


def test_a_referral_the_case_does_not_have_is_not_found(
    client: TestClient, callers: Callers
) -> None:
    case_id, version = case_in(client, callers, "application_registered")

    response = referral_step(client, callers["shelter"], case_id, "r9", "accept", version)

    assert_problem(response, 404, "not-found")


def test_an_adults_referral_before_the_application_is_refused_naming_the_condition(
    client: TestClient, callers: Callers
) -> None:
    case_id, version = case_in(client, callers, "screened")  # an adult's case

    response = send_referral(client, callers["lsa"], case_id, version)

    # version 6: from the screening only a child is referred (Law 3739-VI, arts. 22-24)
    body = assert_problem(response, 409, "condition-not-met")
    assert body["trigger"] == "send_referral"
    assert body["unmet_conditions"] == [{"field": "is_child", "equals": True}]
