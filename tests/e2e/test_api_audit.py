"""The audit log: every read and command recorded, readable by supervisors, never altered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from referral_engine.bootstrap import Runtime
from tests.e2e.conftest import (
    LVIV,
    Caller,
    Callers,
    assert_problem,
    case_in,
    open_case,
    referral_step,
    send_referral,
    take_step,
)
from tests.e2e.pages import sign_in


def audit(client: TestClient, reader: Caller, **filters: str) -> list[dict[str, Any]]:
    response = client.get("/api/audit", params=filters, headers=reader.auth)
    assert response.status_code == 200, response.text
    entries: list[dict[str, Any]] = response.json()
    return entries


def test_reading_a_case_records_who_what_when_and_from_where(
    client: TestClient, callers: Callers
) -> None:
    case_id = open_case(client, callers["screener"])["id"]
    before = datetime.now(UTC)

    client.get(f"/api/cases/{case_id}", headers=callers["decider"].auth)

    (entry,) = audit(client, callers["supervisor"], case=case_id, user="decider")
    assert entry | {"id": None, "at": None} == {
        "id": None,
        "at": None,
        "user_name": "decider",
        "role": "decision_maker",
        "agency": "msp-kyivska",
        "action": "case.read",
        "method": "GET",
        "path": f"/api/cases/{case_id}",
        "status": 200,
        "case_id": case_id,
        "region": "UA-32",
        "address": "testclient",
        "detail": {"personal_fields": ["person_name"]},  # what the decision-maker saw
        "channel": "http",
        "os_user": None,
    }
    assert before <= datetime.fromisoformat(entry["at"]) <= datetime.now(UTC)


def test_every_command_and_history_read_is_recorded(client: TestClient, callers: Callers) -> None:
    case_id, version = case_in(client, callers, "application_registered")
    send_referral(client, callers["lsa"], case_id, version)
    referral_step(client, callers["shelter"], case_id, "r1", "accept", version + 1)
    client.get(f"/api/cases/{case_id}/history", headers=callers["supervisor"].auth)

    entries = audit(client, callers["supervisor"], case=case_id)

    assert [(e["user_name"], e["action"], e["status"], e["detail"]) for e in entries] == [
        ("screener", "case.open", 201, {"personal_fields": ["person_name"]}),
        ("lsa", "case.step", 200, {"trigger": "record_consent"}),
        ("lsa", "case.step", 200, {"trigger": "register_application"}),
        ("lsa", "referral.send", 201, {}),
        ("shelter", "referral.step", 200, {"trigger": "accept", "referral_id": "r1"}),
        (
            "supervisor",
            "case.history",
            200,
            {"personal_fields": ["application_number", "person_name"]},
        ),
    ]


def test_refused_requests_are_recorded_under_the_cases_region(
    client: TestClient, callers: Callers
) -> None:
    case_id, version = case_in(client, callers, "screened")
    take_step(client, callers["lsa"], case_id, "register_application", version - 1)
    client.get(f"/api/cases/{case_id}", headers=callers["lviv-lsa"].auth)
    take_step(client, callers["lsa"], case_id, "grant_status", version)

    refused = [e for e in audit(client, callers["supervisor"], case=case_id) if e["status"] >= 400]

    assert [(e["user_name"], e["action"], e["status"]) for e in refused] == [
        ("lsa", "case.step", 409),
        ("lviv-lsa", "case.read", 404),
        ("lsa", "case.step", 409),
    ]
    assert {e["region"] for e in refused} == {"UA-32"}


@pytest.fixture
def case_reads(pg_runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The case streams read from the event store from now on (a case, its history, a past
    view: every read of a case goes through this one call)."""
    reads: list[str] = []
    events = pg_runtime.engine.store.events
    get = events.get

    def counted(originator_id: Any, *args: Any, **kwargs: Any) -> Any:
        reads.append(str(originator_id))
        return get(originator_id, *args, **kwargs)

    monkeypatch.setattr(events, "get", counted)
    return reads


def test_each_case_request_reads_the_case_once_and_files_it_under_its_region(
    client: TestClient, callers: Callers, case_reads: list[str]
) -> None:
    case_id = open_case(client, callers["screener"])["id"]
    missing = "00000000-0000-4000-8000-000000000000"
    requests = [
        ("decider", f"/api/cases/{case_id}"),
        ("supervisor", f"/api/cases/{case_id}/history"),
        ("clinic", f"/api/cases/{case_id}"),  # not referred to it: 404 after the read
        ("lviv-lsa", f"/api/cases/{case_id}"),  # another region's case: 404 after the read
        ("lviv-lsa", f"/api/cases/{case_id}/history"),
        ("analyst", f"/api/cases/{case_id}"),  # refused before any read: the audit looks
        ("lsa", f"/api/cases/{missing}/history"),
    ]

    answered = []
    for name, path in requests:
        case_reads.clear()
        response = client.get(path, headers=callers[name].auth)
        answered.append((name, response.status_code, len(case_reads)))

    assert answered == [
        ("decider", 200, 1),
        ("supervisor", 200, 1),
        ("clinic", 404, 1),
        ("lviv-lsa", 404, 1),
        ("lviv-lsa", 404, 1),
        ("analyst", 403, 1),
        ("lsa", 404, 1),
    ]
    entries = audit(client, callers["supervisor"], case=case_id)[1:]
    assert [(e["user_name"], e["status"], e["region"]) for e in entries] == [
        ("decider", 200, "UA-32"),
        ("supervisor", 200, "UA-32"),
        ("clinic", 404, "UA-32"),  # filed for the region's supervisors; the clinic learns nothing
        ("lviv-lsa", 404, "UA-32"),
        ("lviv-lsa", 404, "UA-32"),
        ("analyst", 403, "UA-32"),
    ]
    (probe,) = audit(client, callers["admin"], case=missing)
    assert (probe["user_name"], probe["status"], probe["region"]) == ("lsa", 404, None)


def test_a_refused_step_is_filed_under_its_cases_region_from_the_read_that_refused_it(
    client: TestClient, callers: Callers, case_reads: list[str]
) -> None:
    case_id, version = case_in(client, callers, "screened")

    case_reads.clear()
    stale = take_step(client, callers["lsa"], case_id, "register_application", version - 1)
    illegal = take_step(client, callers["lsa"], case_id, "grant_status", version)

    assert (stale.status_code, illegal.status_code, len(case_reads)) == (409, 409, 2)
    refused = [e for e in audit(client, callers["supervisor"], case=case_id) if e["status"] >= 400]
    assert [(e["action"], e["region"]) for e in refused] == [("case.step", "UA-32")] * 2


def test_a_page_refused_for_another_regions_case_reads_it_once_and_files_it_there(
    client: TestClient, callers: Callers, case_reads: list[str]
) -> None:
    case_id = open_case(client, callers["screener"])["id"]
    sign_in(client, callers["lviv-lsa"].token)

    case_reads.clear()
    response = client.get(f"/cases/{case_id}")

    assert (response.status_code, len(case_reads)) == (404, 1)
    (entry,) = audit(client, callers["supervisor"], case=case_id, user="lviv-lsa")
    assert (entry["action"], entry["region"]) == ("case.read", "UA-32")


def test_probing_a_case_that_does_not_exist_is_recorded_for_admins(
    client: TestClient, callers: Callers
) -> None:
    missing = "00000000-0000-4000-8000-000000000000"

    client.get(f"/api/cases/{missing}/history", headers=callers["lsa"].auth)

    (entry,) = audit(client, callers["admin"], case=missing)
    assert (entry["user_name"], entry["status"], entry["region"]) == ("lsa", 404, None)
    assert audit(client, callers["supervisor"], case=missing) == []


def test_the_log_filters_by_user_and_period(client: TestClient, callers: Callers) -> None:
    case_id = open_case(client, callers["screener"])["id"]
    client.get(f"/api/cases/{case_id}", headers=callers["lsa"].auth)
    now = datetime.now(UTC)
    hour = timedelta(hours=1)
    supervisor = callers["supervisor"]

    assert {e["user_name"] for e in audit(client, supervisor, user="lsa")} == {"lsa"}
    assert len(audit(client, supervisor, **{"from": (now - hour).isoformat()})) == 2
    assert audit(client, supervisor, **{"from": (now + hour).isoformat()}) == []
    assert audit(client, supervisor, to=(now - hour).isoformat()) == []


def test_a_period_without_a_time_zone_is_refused(client: TestClient, callers: Callers) -> None:
    response = client.get(
        "/api/audit", params={"from": "2026-03-02T09:00:00"}, headers=callers["supervisor"].auth
    )

    assert [e["path"] for e in assert_problem(response, 422, "validation")["errors"]] == [
        "query.from"
    ]


def test_supervisors_see_their_regions_and_admins_see_all(
    client: TestClient, callers: Callers
) -> None:
    open_case(client, callers["screener"])
    open_case(client, callers["lviv-lsa"], LVIV)

    assert {e["region"] for e in audit(client, callers["supervisor"])} == {"UA-32"}
    assert {e["region"] for e in audit(client, callers["admin"])} == {"UA-32", LVIV}


@pytest.mark.parametrize("reader", ["lsa", "screener", "shelter", "decider", "analyst"])
def test_caseworkers_and_analysts_may_not_read_the_log(
    client: TestClient, callers: Callers, reader: str
) -> None:
    response = client.get("/api/audit", headers=callers[reader].auth)

    assert_problem(response, 403, "forbidden")


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_the_api_offers_no_way_to_change_the_log(
    client: TestClient, callers: Callers, method: str
) -> None:
    response = client.request(method, "/api/audit", json={}, headers=callers["admin"].auth)

    assert_problem(response, 405, "method-not-allowed")
    assert response.headers["allow"] == "GET"


@pytest.mark.parametrize(
    "statement",
    [
        "update audit_log set user_name = 'nobody'",
        "delete from audit_log",
        "truncate audit_log",
    ],
)
def test_sql_cannot_rewrite_or_erase_the_log(
    client: TestClient, callers: Callers, pg_runtime: Runtime, statement: str
) -> None:
    open_case(client, callers["screener"])
    entries = audit(client, callers["admin"])

    with (
        pytest.raises(psycopg.errors.RaiseException, match="append-only"),
        pg_runtime.db.pool.connection() as conn,
    ):
        conn.execute(statement)

    assert audit(client, callers["admin"])[: len(entries)] == entries


def test_a_trigger_postgres_text_cannot_hold_is_refused_before_it_reaches_anything(
    client: TestClient, callers: Callers
) -> None:
    case_id, version = case_in(client, callers, "screened")

    response = take_step(client, callers["lsa"], case_id, "grant\x00status", version, data={})

    body = assert_problem(response, 422, "validation")
    assert [e["path"] for e in body["errors"]] == ["trigger"]


def test_filtering_by_a_name_postgres_text_cannot_hold_is_refused(
    client: TestClient, callers: Callers
) -> None:
    response = client.get("/api/audit", params={"user": "ls\x00a"}, headers=callers["admin"].auth)

    body = assert_problem(response, 422, "validation")
    assert [e["path"] for e in body["errors"]] == ["query.user"]


def test_a_request_the_log_cannot_record_is_answered_503_without_its_data(
    client: TestClient, callers: Callers, pg_runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id = open_case(client, callers["screener"])["id"]

    def unavailable(**entry: object) -> None:
        raise psycopg.OperationalError("the audit log's disk is full")

    monkeypatch.setattr(pg_runtime.audit, "record", unavailable)
    response = client.get(f"/api/cases/{case_id}", headers=callers["decider"].auth)

    assert_problem(response, 503, "service-unavailable")
    assert case_id not in response.text and "disk" not in response.text
    assert response.headers["x-frame-options"] == "DENY"
    assert "content-security-policy" in response.headers


def test_a_request_that_fails_inside_is_recorded_as_the_500_it_became(
    client: TestClient, callers: Callers, pg_runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id = open_case(client, callers["screener"])["id"]

    engine = pg_runtime.engine
    case = engine.case

    def broken(case_id: Any, **kwargs: Any) -> Any:
        if "reader" in kwargs:  # the route's read, not the audit's look-up of the region
            raise RuntimeError("a bug")
        return case(case_id, **kwargs)

    monkeypatch.setattr(engine, "case", broken)
    response = client.get(f"/api/cases/{case_id}", headers=callers["police"].auth)
    monkeypatch.undo()

    assert response.status_code == 500 and "a bug" not in response.text
    assert response.headers["x-content-type-options"] == "nosniff"
    failed = [e for e in audit(client, callers["supervisor"]) if e["status"] == 500]
    assert [(e["action"], e["user_name"], e["case_id"]) for e in failed] == [
        ("case.read", "police", case_id)
    ]
