"""Cases through the API: open one, read it, take steps, read its history."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from fastapi.testclient import TestClient

from tests.e2e.conftest import (
    KYIV,
    WORKFLOW,
    Callers,
    case_in,
    history,
    open_case,
    opening_data,
    send_referral,
    take_step,
    walk,
)
from tests.factories import FixedClock, ukraine


def test_opening_a_case_answers_201_with_the_case_in_its_first_state(
    client: TestClient, callers: Callers
) -> None:
    response = client.post(
        "/api/cases",
        json={"workflow": WORKFLOW, "region": KYIV, "data": opening_data(person_name="Iryna T.")},
        headers=callers["screener"].auth,
    )

    assert response.status_code == 201
    case = response.json()
    assert UUID(case["id"])
    assert case["workflow"] == {"id": WORKFLOW, "version": ukraine().version}  # the newest
    assert (case["state"], case["version"], case["region"]) == ("screened", 1, KYIV)
    assert case["data"]["person_name"] == "Iryna T."
    assert case["referrals"] == []


def test_a_case_shows_its_referrals_open_deadlines_and_next_steps(
    client: TestClient, callers: Callers
) -> None:
    case_id, version = case_in(client, callers, "application_registered")
    assert send_referral(client, callers["lsa"], case_id, version).status_code == 201

    case = client.get(f"/api/cases/{case_id}", headers=callers["lsa"].auth).json()

    assert (case["state"], case["version"]) == ("application_registered", 4)
    assert [(r["id"], r["agency"], r["service"], r["state"]) for r in case["referrals"]] == [
        ("r1", "shelter-kyiv", "shelter", "sent")
    ]
    # Registered on Monday 2 March 2026: both 3-working-day targets fall on Thursday.
    assert {(d["name"], d["due_on"]) for d in case["deadlines"]} == {
        ("interview", "2026-03-05"),
        ("referral_response", "2026-03-05"),
    }
    interview = next(s for s in case["allowed_steps"] if s["trigger"] == "conduct_interview")
    assert interview["required_fields"] == ["questionnaire_completed"]
    assert "consent" in case["flags"]


def test_the_next_steps_offered_depend_on_who_asks(client: TestClient, callers: Callers) -> None:
    case_id, _ = case_in(client, callers, "identified")

    def offered(name: str) -> set[str]:
        case = client.get(f"/api/cases/{case_id}", headers=callers[name].auth).json()
        return {s["trigger"] for s in case["allowed_steps"]}

    assert offered("decider") == {"grant_status", "refuse_status", "return_incomplete"}
    assert "grant_status" not in offered("lsa")
    assert {"send_referral", "record_consent"} <= offered("lsa")
    assert {"close_case", "override_consent"} <= offered("supervisor")
    assert offered("police") == set()


def test_only_the_receiving_agency_is_offered_its_referral_steps(
    client: TestClient, callers: Callers
) -> None:
    case_id, version = case_in(client, callers, "application_registered")
    send_referral(client, callers["lsa"], case_id, version, agency="shelter-kyiv")

    def offered(name: str) -> set[tuple[str, str | None]]:
        case = client.get(f"/api/cases/{case_id}", headers=callers[name].auth).json()
        return {(s["trigger"], s["referral_id"]) for s in case["allowed_steps"]}

    assert offered("shelter") == {("accept", "r1"), ("reject", "r1")}
    # another agency does not even reach the case (need-to-know)
    clinic = client.get(f"/api/cases/{case_id}", headers=callers["clinic"].auth)
    assert clinic.status_code == 404


def test_a_step_answers_200_with_the_new_state_and_version(
    client: TestClient, callers: Callers
) -> None:
    case_id, version = case_in(client, callers, "screened")

    response = take_step(client, callers["lsa"], case_id, "register_application", version)

    assert response.status_code == 200
    assert response.json() == {
        "case_id": case_id,
        "version": version + 1,
        "state": "application_registered",
        "event": "StatusApplicationRegistered",
        "referral_id": None,
        "replayed": False,
    }


def test_a_step_is_visible_to_the_next_reader(client: TestClient, callers: Callers) -> None:
    case_id, version = case_in(client, callers, "screened")
    take_step(client, callers["lsa"], case_id, "register_application", version)

    case = client.get(f"/api/cases/{case_id}", headers=callers["supervisor"].auth).json()

    assert (case["state"], case["version"]) == ("application_registered", version + 1)
    assert case["data"]["informed_of_assistance"] in (True, False)


def test_the_history_lists_every_event_with_who_did_it_and_when(
    client: TestClient, callers: Callers
) -> None:
    case = open_case(client, callers["screener"])
    walk(client, callers, case["id"], 1, "record_consent", "register_application")

    entries = history(client, callers["supervisor"], case["id"])

    assert [(e["version"], e["event"], e["trigger"]) for e in entries] == [
        (1, "PersonScreened", None),
        (2, "ConsentRecorded", "record_consent"),
        (3, "StatusApplicationRegistered", "register_application"),
    ]
    assert [(e["from_state"], e["to_state"]) for e in entries] == [
        (None, "screened"),
        ("screened", "screened"),
        ("screened", "application_registered"),
    ]
    assert [e["actor"]["user_id"] for e in entries] == ["screener", "lsa", "lsa"]
    assert entries[1]["actor"] == {
        "user_id": "lsa",
        "role": "lsa_official",
        "agency": "lsa-kyivska",
    }
    assert entries[1]["data"]["given_by"] in ("person", "legal_representative")
    assert all(e["occurred_at"] and e["recorded_at"] for e in entries)


def test_a_step_may_state_that_it_happened_before_it_was_recorded(
    client: TestClient, callers: Callers, clock: FixedClock
) -> None:
    case_id, version = case_in(client, callers, "screened")
    clock.advance(days=1)
    body = {
        "trigger": "withdraw_consent",
        "data": {"withdrawn_on": "2026-03-02"},
        "expected_version": version,
        "occurred_at": "2026-03-02T16:30:00+02:00",
    }
    client.post(f"/api/cases/{case_id}/steps", json=body, headers=callers["lsa"].auth)

    withdrawn = history(client, callers["lsa"], case_id)[-1]

    assert at(withdrawn["occurred_at"]) == datetime(2026, 3, 2, 14, 30, tzinfo=UTC)
    assert at(withdrawn["recorded_at"]) == datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_a_step_stated_before_the_previous_step_is_a_validation_problem_naming_it(
    client: TestClient, callers: Callers, clock: FixedClock
) -> None:
    case_id, version = case_in(client, callers, "screened")  # consent recorded at 09:00 UTC
    clock.advance(days=1)
    body = {
        "trigger": "withdraw_consent",
        "data": {"withdrawn_on": "2026-03-02"},
        "expected_version": version,
        "occurred_at": "2026-03-02T10:30:00+02:00",
    }

    response = client.post(f"/api/cases/{case_id}/steps", json=body, headers=callers["lsa"].auth)

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "path": "occurred_at",
            "message": "must not be before the previous step, ConsentRecorded "
            "(2026-03-02T09:00:00+00:00)",
            "code": "invalid",
        }
    ]
    assert len(history(client, callers["lsa"], case_id)) == version
