"""Idempotency-Key: a retried command gets the first answer and writes nothing twice."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi.testclient import TestClient

from tests.e2e.conftest import (
    KYIV,
    WORKFLOW,
    Caller,
    Callers,
    assert_problem,
    case_in,
    history,
    opening_data,
    step_data,
    take_step,
)


def open_with_key(
    client: TestClient, caller: Caller, key: str, data: dict[str, Any]
) -> httpx.Response:
    return client.post(
        "/api/cases",
        json={"workflow": WORKFLOW, "region": KYIV, "data": data},
        headers={**caller.auth, "Idempotency-Key": key},
    )


def test_opening_twice_with_one_key_gives_one_case(client: TestClient, callers: Callers) -> None:
    data = opening_data()
    first = open_with_key(client, callers["screener"], "screening-0042", data)

    again = open_with_key(client, callers["screener"], "screening-0042", data)

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["id"] == first.json()["id"]
    assert len(history(client, callers["screener"], first.json()["id"])) == 1


def test_a_key_reused_to_open_another_case_is_refused(client: TestClient, callers: Callers) -> None:
    first = open_with_key(client, callers["screener"], "screening-0042", opening_data())

    other = open_with_key(
        client, callers["screener"], "screening-0042", opening_data(person_name="Someone Else")
    )

    assert_problem(other, 422, "idempotency-key-reused")
    assert len(history(client, callers["screener"], first.json()["id"])) == 1


def test_keys_belong_to_the_user_who_sent_them(client: TestClient, callers: Callers) -> None:
    data = opening_data()
    mine = open_with_key(client, callers["screener"], "k-1", data)

    theirs = open_with_key(client, callers["lsa"], "k-1", data)

    assert theirs.status_code == 201
    assert theirs.json()["id"] != mine.json()["id"]


def test_a_retried_step_gets_the_first_answer_and_writes_no_event(
    client: TestClient, callers: Callers
) -> None:
    case_id, version = case_in(client, callers, "screened")
    data = step_data("register_application")
    first = take_step(client, callers["lsa"], case_id, "register_application", version, data, "a1")

    retry = take_step(client, callers["lsa"], case_id, "register_application", version, data, "a1")

    assert retry.status_code == 200
    assert {**retry.json(), "replayed": False} == first.json()
    assert retry.json()["replayed"] is True
    assert len(history(client, callers["lsa"], case_id)) == version + 1


def test_a_retry_after_the_case_moved_on_still_gets_the_first_answer(
    client: TestClient, callers: Callers
) -> None:
    case_id, version = case_in(client, callers, "screened")
    data = step_data("register_application")
    first = take_step(client, callers["lsa"], case_id, "register_application", version, data, "a1")
    take_step(client, callers["lsa"], case_id, "waive_interview", version + 1)

    late_retry = take_step(
        client, callers["lsa"], case_id, "register_application", version, data, "a1"
    )

    assert late_retry.status_code == 200
    assert (late_retry.json()["version"], late_retry.json()["state"]) == (
        first.json()["version"],
        "application_registered",
    )
    assert len(history(client, callers["lsa"], case_id)) == version + 2


def test_a_step_key_reused_for_another_step_is_refused_without_an_event(
    client: TestClient, callers: Callers
) -> None:
    case_id, version = case_in(client, callers, "screened")
    take_step(client, callers["lsa"], case_id, "register_application", version, key="a1")

    reused = take_step(client, callers["lsa"], case_id, "waive_interview", version + 1, key="a1")

    body = assert_problem(reused, 422, "idempotency-key-reused")
    assert "a1" in body["detail"]
    assert len(history(client, callers["lsa"], case_id)) == version + 1


def test_a_retried_referral_is_sent_once(client: TestClient, callers: Callers) -> None:
    case_id, version = case_in(client, callers, "application_registered")
    body = {"agency": "shelter-kyiv", "service": "shelter", "expected_version": version}
    headers = {**callers["lsa"].auth, "Idempotency-Key": "refer-1"}

    first = client.post(f"/api/cases/{case_id}/referrals", json=body, headers=headers)
    retry = client.post(f"/api/cases/{case_id}/referrals", json=body, headers=headers)

    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.json()["referral_id"] == first.json()["referral_id"] == "r1"
    case = client.get(f"/api/cases/{case_id}", headers=callers["lsa"].auth).json()
    assert [r["id"] for r in case["referrals"]] == ["r1"]
