"""A command's audit entry is written in the transaction of its events: both or neither."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from referral_engine.bootstrap import Runtime
from tests.e2e.conftest import Callers, case_in, open_case, send_referral, take_step
from tests.e2e.pages import post_form, sign_in


def rows(runtime: Runtime, query: str, *params: Any) -> list[tuple[Any, ...]]:
    with runtime.db.pool.connection() as conn:
        return conn.execute(query, list(params)).fetchall()


def event_xmin(runtime: Runtime, case_id: str, version: int) -> int:
    ((xmin,),) = rows(
        runtime,
        "select xmin::text::bigint from cases_events where originator_id = %s "
        "and originator_version = %s",
        case_id,
        version,
    )
    return int(xmin)


def entries_of(runtime: Runtime, case_id: str, action: str) -> list[tuple[Any, ...]]:
    return rows(
        runtime,
        "select xmin::text::bigint, status, detail from audit_log where case_id = %s "
        "and action = %s order by id",
        case_id,
        action,
    )


def test_a_step_writes_exactly_one_entry_in_the_transaction_of_its_event(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    case_id, version = case_in(client, callers, "screened")

    response = take_step(client, callers["lsa"], case_id, "register_application", version)

    assert response.status_code == 200, response.text
    ((xmin, status, detail),) = entries_of(pg_runtime, case_id, "case.step")[-1:]
    assert len(entries_of(pg_runtime, case_id, "case.step")) == 2  # consent, then this step
    assert (status, detail) == (200, {"trigger": "register_application"})
    assert xmin == event_xmin(pg_runtime, case_id, response.json()["version"])


def test_opening_and_referring_write_their_entries_with_their_events(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    case = open_case(client, callers["screener"])
    ((xmin, status, detail),) = entries_of(pg_runtime, case["id"], "case.open")
    assert (status, detail) == (201, {"personal_fields": ["person_name"]})
    assert xmin == event_xmin(pg_runtime, case["id"], 1)

    case_id, version = case_in(client, callers, "application_registered")
    sent = send_referral(client, callers["lsa"], case_id, version)
    assert sent.status_code == 201, sent.text
    ((xmin, status, _),) = entries_of(pg_runtime, case_id, "referral.send")
    assert (xmin, status) == (event_xmin(pg_runtime, case_id, version + 1), 201)


def test_a_retried_step_writing_nothing_is_still_recorded_once_per_request(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    case_id, version = case_in(client, callers, "screened")
    for _ in range(2):
        response = take_step(
            client, callers["lsa"], case_id, "register_application", version, key="retry-1"
        )
        assert response.status_code == 200, response.text

    (first, retried) = entries_of(pg_runtime, case_id, "case.step")[-2:]
    assert first[0] == event_xmin(pg_runtime, case_id, version + 1)
    assert retried[0] != first[0]  # the retry wrote no event: its entry has its own transaction


def test_a_step_from_the_pages_writes_one_entry_with_its_event(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    case_id, version = case_in(client, callers, "application_registered")
    sign_in(client, callers["lsa"].token)
    response = post_form(
        client,
        f"/cases/{case_id}",
        f"/cases/{case_id}/steps",
        {
            "trigger": "send_referral",
            "expected_version": str(version),
            "data.agency": "shelter-kyiv",
            "data.service": "shelter",
        },
    )
    assert response.status_code == 303, response.text
    ((xmin, status, _),) = entries_of(pg_runtime, case_id, "case.step")[-1:]
    assert (xmin, status) == (event_xmin(pg_runtime, case_id, version + 1), 303)


def test_a_step_whose_entry_cannot_be_written_is_not_recorded_either(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    case_id, version = case_in(client, callers, "screened")
    before = entries_of(pg_runtime, case_id, "case.step")
    with pg_runtime.db.pool.connection() as conn:
        conn.execute(
            "create function refuse_steps() returns trigger language plpgsql as $$ begin "
            "raise exception 'the audit log refuses this entry'; end $$"
        )
        conn.execute(
            "create trigger refuse_steps before insert on audit_log for each row "
            "when (new.action = 'case.step') execute function refuse_steps()"
        )

    response = take_step(client, callers["lsa"], case_id, "register_application", version)

    assert response.status_code >= 500 and "refuses" not in response.text
    events = rows(pg_runtime, "select count(*) from cases_events where originator_id = %s", case_id)
    assert events == [(version,)]  # the step was not committed without its entry
    assert entries_of(pg_runtime, case_id, "case.step") == before
