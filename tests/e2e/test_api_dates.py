"""Dates that make sense through the API: each rule a date field declares refuses a date with a
422 problem naming the field (`path`) and the rule (`code`, `params`), and records nothing; the
day is Kyiv's; the workflow serves its rules so that a client can keep them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from fastapi.testclient import TestClient

from tests.e2e.conftest import (
    KYIV,
    WORKFLOW,
    Callers,
    assert_problem,
    case_in,
    history,
    opening_data,
    referral_step,
    send_referral,
    step_data,
    take_step,
)
from tests.factories import FixedClock

TODAY = date(2026, 3, 2)  # the tests' clock: 09:00 UTC, 11:00 in Kyiv


def day(days: int = 0) -> str:
    return (TODAY + timedelta(days=days)).isoformat()


def refused_with(response: httpx.Response, path: str, code: str) -> dict[str, Any]:
    """The one field error of a 422 validation problem: on `path`, for rule `code`; its params."""
    (error,) = assert_problem(response, 422, "validation")["errors"]
    assert (error["path"], error["code"]) == (path, code), error
    params: dict[str, Any] = error["params"]
    return params


def opened(client: TestClient, callers: Callers, **data: object) -> httpx.Response:
    body = {"workflow": WORKFLOW, "region": KYIV, "data": opening_data(**data)}
    return client.post("/api/cases", json=body, headers=callers["screener"].auth)


def consent(
    client: TestClient, callers: Callers, case_id: str, version: int, signed_on: str
) -> httpx.Response:
    data = step_data("record_consent", signed_on=signed_on)
    return take_step(client, callers["lsa"], case_id, "record_consent", version, data)


def test_a_consent_signed_in_the_future_is_refused_and_nothing_recorded(
    client: TestClient, callers: Callers
) -> None:
    case_id, version = case_in(client, callers, "screened", consent=False)
    params = refused_with(
        consent(client, callers, case_id, version, day(1)), "data.signed_on", "date_in_future"
    )
    assert params == {"rule": "not_after", "against": "today", "on": day()}
    assert len(history(client, callers["lsa"], case_id)) == version


def test_a_consent_signed_before_the_case_was_opened_is_refused(
    client: TestClient, callers: Callers
) -> None:
    case_id, version = case_in(client, callers, "screened", consent=False)
    params = refused_with(
        consent(client, callers, case_id, version, day(-1)), "data.signed_on", "date_before_opened"
    )
    assert params == {"rule": "not_before", "against": "opened", "on": day()}


def test_a_withdrawal_before_the_consent_it_withdraws_is_refused(
    client: TestClient, callers: Callers, clock: FixedClock
) -> None:
    case_id, version = case_in(client, callers, "screened", consent=False)
    clock.advance(days=3)
    version = consent(client, callers, case_id, version, day(2)).json()["version"]
    data = step_data("withdraw_consent", withdrawn_on=day(1))
    response = take_step(client, callers["lsa"], case_id, "withdraw_consent", version, data)
    params = refused_with(response, "data.withdrawn_on", "date_before_field")
    assert params == {"rule": "not_before", "against": "signed_on", "on": day(2)}
    data = step_data("withdraw_consent", withdrawn_on=day(2))
    assert take_step(client, callers["lsa"], case_id, "withdraw_consent", version, data).is_success


def test_a_certificate_ending_before_the_decision_or_an_extension_before_its_end_is_refused(
    client: TestClient, callers: Callers
) -> None:
    case_id, version = case_in(client, callers, "identified")
    grant = step_data("grant_status", valid_until=day(-1))
    response = take_step(client, callers["decider"], case_id, "grant_status", version, grant)
    params = refused_with(response, "data.valid_until", "date_in_past")
    assert params == {"rule": "not_before", "against": "today", "on": day()}
    grant = step_data("grant_status", valid_until=day(700))
    version = take_step(client, callers["decider"], case_id, "grant_status", version, grant).json()[
        "version"
    ]
    # from version 6 the LSA's reasoned submission comes first (Law No. 3739-VI, art. 15(5))
    asked = step_data("request_extension")
    response = take_step(client, callers["lsa"], case_id, "request_extension", version, asked)
    version = response.json()["version"]
    extend = step_data("extend_status", valid_until=day(699))
    response = take_step(client, callers["decider"], case_id, "extend_status", version, extend)
    params = refused_with(response, "data.valid_until", "date_before_field")
    assert params == {"rule": "not_before", "against": "valid_until", "on": day(700)}


def test_a_birth_date_must_agree_with_the_child_flag_on_the_day_of_screening(
    client: TestClient, callers: Callers
) -> None:
    child = refused_with(
        opened(client, callers, is_child=True, date_of_birth="2008-03-02"),
        "data.date_of_birth",
        "birth_date_child",
    )
    assert child == {"rule": "child_flag", "flag": "is_child", "on": day(), "age": 18}
    adult = refused_with(
        opened(client, callers, is_child=False, date_of_birth="2008-03-03"),
        "data.date_of_birth",
        "birth_date_adult",
    )
    assert adult["age"] == 17
    assert opened(client, callers, is_child=True, date_of_birth="2008-03-03").status_code == 201


def test_a_birth_date_in_the_future_is_refused_as_such(
    client: TestClient, callers: Callers
) -> None:
    response = opened(client, callers, is_child=True, date_of_birth=day(1))
    refused_with(response, "data.date_of_birth", "date_in_future")


def test_assistance_delivered_in_the_future_is_refused(
    client: TestClient, callers: Callers
) -> None:
    case_id, version = case_in(client, callers, "application_registered")
    version = send_referral(client, callers["lsa"], case_id, version).json()["version"]
    shelter = callers["shelter"]
    version = referral_step(client, shelter, case_id, "r1", "accept", version, {}).json()["version"]
    data = step_data("deliver_assistance", delivered_on=day(1))
    response = referral_step(client, shelter, case_id, "r1", "deliver_assistance", version, data)
    refused_with(response, "data.delivered_on", "date_in_future")


def test_today_is_kyivs_day_not_utcs(
    client: TestClient, callers: Callers, clock: FixedClock
) -> None:
    case_id, version = case_in(client, callers, "screened", consent=False)
    clock.now = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)  # 01:30 on 3 March in Kyiv
    response = consent(client, callers, case_id, version, day(1))
    assert response.status_code == 200, response.text
    refused_with(
        consent(client, callers, case_id, response.json()["version"], day(2)),
        "data.signed_on",
        "date_in_future",
    )


def test_a_backdated_step_is_judged_on_its_stated_day(
    client: TestClient, callers: Callers, clock: FixedClock
) -> None:
    case_id, version = case_in(client, callers, "screened", consent=False)
    clock.advance(days=5)
    body = {
        "trigger": "record_consent",
        "data": step_data("record_consent", signed_on=day(2)),
        "expected_version": version,
        "occurred_at": f"{day(1)}T10:00:00+02:00",
    }
    response = client.post(f"/api/cases/{case_id}/steps", json=body, headers=callers["lsa"].auth)
    assert refused_with(response, "data.signed_on", "date_in_future")["on"] == day(1)


def test_a_status_expired_in_the_future_is_refused(client: TestClient, callers: Callers) -> None:
    case_id, version = case_in(client, callers, "status_granted")
    data = step_data("expire_status", expired_on=day(1))
    response = take_step(client, callers["decider"], case_id, "expire_status", version, data)
    refused_with(response, "data.expired_on", "date_in_future")


def test_the_workflow_serves_its_date_rules_and_time_zone(
    client: TestClient, callers: Callers
) -> None:
    served = client.get(f"/api/workflows/{WORKFLOW}", headers=callers["lsa"].auth).json()
    assert served["time_zone"] == "Europe/Kyiv"
    opening = {f["name"]: f for f in served["opening"]["fields"]}
    assert opening["date_of_birth"]["not_after"] == ["today"]
    assert opening["date_of_birth"]["child_flag"] == "is_child"
    withdraw = next(t for t in served["transitions"] if t["trigger"] == "withdraw_consent")
    (withdrawn_on,) = withdraw["fields"]
    assert withdrawn_on["not_before"] == ["opened", "signed_on"]
