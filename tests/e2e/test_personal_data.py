"""Personal data: sealed at rest, shown by role and region, audited, erasable (case keys and
rotation: tests/integration/test_case_keys.py)."""

from __future__ import annotations

import hashlib
import json
import logging
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg import sql

from referral_engine.adapters.case_keys import PostgresCaseKeys
from referral_engine.bootstrap import Runtime
from referral_engine.domain.commands import Actor, fingerprint
from tests.e2e.conftest import (
    KYIV,
    WORKFLOW,
    Callers,
    assert_problem,
    history,
    open_case,
    opening_data,
    send_referral,
    step_data,
    take_step,
    walk,
)
from tests.pg import CI

NAME = "Synthetic Personname Qzxwv"
NARRATIVE = "Synthetic account told at screening: Vqzjx harbour"
ERASED = {"redacted": "erased"}
HIDDEN = {"redacted": "not-permitted"}
OPERATOR = Actor("operator", "admin", "it")


def personal_case(client: TestClient, callers: Callers) -> tuple[str, int]:
    """A case with a synthetic name and narrative, walked past its interview."""
    case = open_case(client, callers["screener"], person_name=NAME, narrative=NARRATIVE)
    notes = step_data("conduct_interview", interview_notes=f"Interview with {NAME}")
    version = walk(
        client, callers, case["id"], case["version"], "record_consent", "register_application"
    )
    response = take_step(
        client, callers["lsa"], case["id"], "conduct_interview", version, data=notes
    )
    assert response.status_code == 200, response.text
    return case["id"], response.json()["version"]


def shared_with_shelter_and_police(
    client: TestClient, callers: Callers, case_id: str, version: int
) -> int:
    """Refer the case to the shelter and ask the police for verification, so that both reach
    it (need-to-know); returns the case's version."""
    sent = send_referral(client, callers["lsa"], case_id, version)
    assert sent.status_code == 201, sent.text
    asked = take_step(client, callers["lsa"], case_id, "request_verification", version + 1)
    assert asked.status_code == 200, asked.text
    return int(asked.json()["version"])


def case_json(client: TestClient, caller: Any, case_id: str, **params: Any) -> dict[str, Any]:
    response = client.get(f"/api/cases/{case_id}", params=params, headers=caller.auth)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def database_contains(runtime: Runtime, needle: str) -> list[str]:
    """Every table of the engine's schema and its read models' schemas holding `needle`, as
    text or as bytes, in any column."""
    schema = runtime.settings.database_schema
    found = []
    with psycopg.connect(runtime.database_url) as conn:
        tables = conn.execute(
            "select n.nspname, c.relname from pg_class c join pg_namespace n "
            "on n.oid = c.relnamespace where c.relkind = 'r' "
            "and (n.nspname = %s or n.nspname like %s)",
            [schema, schema + "\\_\\_%"],
        ).fetchall()
        assert len(tables) > 10  # events, keys, users, audit, every read model
        for namespace, table in tables:
            with conn.cursor(binary=True) as cur:
                rows = cur.execute(
                    sql.SQL("select * from {}").format(sql.Identifier(namespace, table))
                ).fetchall()
            for row in rows:
                for value in row:
                    if _holds(value, needle):
                        found.append(f"{namespace}.{table}")
    return found


def _holds(value: Any, needle: str) -> bool:
    if isinstance(value, bytes | bytearray | memoryview):
        raw = bytes(value)
        return needle.encode() in raw or needle.encode("utf-16-le") in raw
    if isinstance(value, str):
        return needle in value
    if value is None:
        return False
    return needle in json.dumps(value, default=str)


def test_personal_values_are_sealed_everywhere_at_rest(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    case_id, _ = personal_case(client, callers)
    pg_runtime.projections.catch_up()

    assert case_json(client, callers["lsa"], case_id)["data"]["person_name"] == NAME
    for needle in (NAME, "Qzxwv", "Vqzjx harbour"):
        assert database_contains(pg_runtime, needle) == []
    # nor a digest that would confirm a guessed name: the commands' fingerprints are sealed too
    opened = opening_data(person_name=NAME, narrative=NARRATIVE)
    notes = step_data("conduct_interview", interview_notes=f"Interview with {NAME}")
    digests = [
        fingerprint("open", WORKFLOW, KYIV, opened, None),
        fingerprint("step", case_id, "conduct_interview", notes, None),
        hashlib.sha256(NAME.encode()).hexdigest(),
    ]
    for digest in digests:
        assert database_contains(pg_runtime, digest) == []


def test_the_server_log_never_receives_personal_values(
    client: TestClient,
    callers: Callers,
    pg_runtime: Runtime,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger: the engine's, the libraries', uncaught errors
    marker = f"referral-engine-log-check-{uuid.uuid4().hex}"
    with psycopg.connect(pg_runtime.database_url, autocommit=True) as conn:
        conn.execute(sql.SQL("do $$ begin raise log '{}'; end $$").format(sql.SQL(marker)))
    case_id, version = personal_case(client, callers)
    # failures that reach the server: a conflicting write and an invalid step carrying a name
    take_step(client, callers["lsa"], case_id, "waive_interview", version - 1)
    bad = client.post(
        f"/api/cases/{case_id}/steps",
        json={
            "trigger": "conduct_interview",
            "expected_version": version,
            "data": {"interview_notes": NAME, "questionnaire_completed": "yes " + NAME},
        },
        headers=callers["lsa"].auth,
    )
    assert bad.status_code in (409, 422)
    assert NAME not in bad.text  # nor echoed back in the problem document
    # an error nobody expected, whose message quotes a personal value: logged, but not the value
    monkeypatch.setattr(pg_runtime.engine, "case_history", _fails_quoting(NAME))
    crashed = client.get(f"/api/cases/{case_id}/history", headers=callers["lsa"].auth)
    assert_problem(crashed, 500, "internal")
    assert NAME not in crashed.text

    text = _server_log_with(pg_runtime, marker)
    if marker not in text:
        message = "no readable PostgreSQL server log holds this test's entries"
        if CI:
            pytest.fail(message)  # under CI the check must not pass without looking
        pytest.skip(message)
    assert "Qzxwv" not in text
    uncaught = [r for r in caplog.records if "unexpected error" in r.getMessage()]
    assert uncaught and "RuntimeError" in caplog.text  # the application's log was captured
    assert "Qzxwv" not in caplog.text


def _fails_quoting(value: str) -> Any:
    def fail(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(f"could not handle {value!r}")

    return fail


def _server_log_with(runtime: Runtime, marker: str, wait: float = 5.0) -> str:
    """The PostgreSQL server's log (through the server, or its files on this machine), once it
    holds `marker` or `wait` seconds have passed."""
    deadline = time.monotonic() + wait
    while True:
        text = ""
        with psycopg.connect(runtime.database_url, autocommit=True) as conn:
            log = conn.execute("select pg_current_logfile()").fetchone()
            if log is not None and log[0] is not None:
                row = conn.execute("select pg_read_file(%s)", [log[0]]).fetchone()
                text += row[0] if row else ""
        for path in Path("/var/log/postgresql").glob("*.log"):
            try:
                text += path.read_text("utf-8", errors="replace")
            except OSError:
                continue
        if marker in text or time.monotonic() > deadline:
            return text
        time.sleep(0.2)


def test_roles_see_only_the_personal_fields_the_workflow_allows_them(
    client: TestClient, callers: Callers
) -> None:
    case_id, version = personal_case(client, callers)
    assert send_referral(client, callers["lsa"], case_id, version).status_code == 201

    lsa = case_json(client, callers["lsa"], case_id)["data"]
    shelter = case_json(client, callers["shelter"], case_id)["data"]
    admin = case_json(client, callers["admin"], case_id)["data"]
    past = case_json(client, callers["shelter"], case_id, version=1)["data"]

    assert (lsa["person_name"], lsa["narrative"]) == (NAME, NARRATIVE)
    assert lsa["interview_notes"].startswith("Interview with")
    # a service provider needs the name to help, not the screening story or the interview
    assert (shelter["person_name"], shelter["narrative"]) == (NAME, HIDDEN)
    assert shelter["interview_notes"] == HIDDEN
    assert past["narrative"] == HIDDEN  # the same at any version
    assert all(admin[f] == HIDDEN for f in ("person_name", "narrative", "interview_notes"))
    assert admin["is_child"] == lsa["is_child"]  # not personal: shown to all who see the case

    # a receiving agency's history holds its referral's steps only, not the screening
    shelter_history = history(client, callers["shelter"], case_id)
    assert {e["referral_id"] for e in shelter_history} == {"r1"}
    supervisor_history = history(client, callers["supervisor"], case_id)
    assert supervisor_history[0]["data"]["narrative"] == NARRATIVE
    # another region's caseworker does not even learn that the case exists
    out_of_region = client.get(f"/api/cases/{case_id}", headers=callers["lviv-lsa"].auth)
    assert_problem(out_of_region, 404, "not-found")
    assert_problem(
        client.get(f"/api/cases/{case_id}/history", headers=callers["analyst"].auth),
        403,
        "forbidden",
    )


def test_supervisors_list_who_read_which_personal_fields(
    client: TestClient, callers: Callers
) -> None:
    case_id, version = personal_case(client, callers)
    shared_with_shelter_and_police(client, callers, case_id, version)
    case_json(client, callers["shelter"], case_id)
    case_json(client, callers["admin"], case_id)  # saw no personal field: not a personal read
    history(client, callers["police"], case_id)

    page = personal_reads(client, callers["supervisor"], case_id)
    reads = [(r["user_name"], r["action"], r["detail"]["personal_fields"]) for r in page["items"]]
    assert reads[:2] == [  # newest first; the application number is personal: it leads to them
        (
            "police",
            "case.history",
            ["application_number", "interview_notes", "narrative", "person_name"],
        ),
        ("shelter", "case.read", ["person_name"]),  # only what is shared with a referral
    ]
    assert all(user != "admin" for user, _, _ in reads)
    refused = client.get(
        f"/api/cases/{case_id}/personal-data-reads", headers=callers["shelter"].auth
    )
    assert_problem(refused, 403, "forbidden")


def test_personal_data_reads_come_newest_first_a_page_at_a_time(
    client: TestClient, callers: Callers
) -> None:
    case_id, version = personal_case(client, callers)
    shared_with_shelter_and_police(client, callers, case_id, version)
    readers = ["lsa", "police", "shelter", "decider", "supervisor"] * 3
    for name in readers:
        case_json(client, callers[name], case_id)
    pages, cursor = [], None
    while True:
        page = personal_reads(client, callers["supervisor"], case_id, limit=4, cursor=cursor)
        pages.append(page["items"])
        if (cursor := page["next_cursor"]) is None:
            break
    seen = [e for items in pages for e in items]
    assert all(len(items) == 4 for items in pages[:-1]) and 1 <= len(pages[-1]) <= 4
    ids = [e["id"] for e in seen]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == len(ids)  # no entry twice
    reads = [e["user_name"] for e in seen if e["action"] == "case.read"]
    assert reads[: len(readers)] == readers[::-1]
    assert [e["action"] for e in seen[len(readers) :]] == ["case.open"]  # it showed data too
    bad = client.get(
        f"/api/cases/{case_id}/personal-data-reads",
        params={"limit": 0},
        headers=callers["supervisor"].auth,
    )
    assert_problem(bad, 422, "validation")


def personal_reads(client: TestClient, caller: Any, case_id: str, **params: Any) -> Any:
    response = client.get(
        f"/api/cases/{case_id}/personal-data-reads",
        params={k: v for k, v in params.items() if v is not None},
        headers=caller.auth,
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_erasure_destroys_the_key_and_leaves_history_state_and_counts(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    case_id, version = personal_case(client, callers)
    pg_runtime.projections.catch_up()
    dashboards_before = _dashboards(pg_runtime)
    steps_before = [
        (h["version"], h["event"], h["to_state"])
        for h in history(client, callers["supervisor"], case_id)
    ]
    keys = pg_runtime.engine.store.keys
    assert isinstance(keys, PostgresCaseKeys)

    refused = client.post(
        f"/api/cases/{case_id}/erase",
        json={"reason": "Art. 17 request 42"},
        headers=callers["supervisor"].auth,
    )
    assert_problem(refused, 403, "forbidden")
    response = client.post(
        f"/api/cases/{case_id}/erase",
        json={"reason": "Art. 17 request 42"},
        headers=callers["admin"].auth,
    )
    assert response.status_code == 200, response.text
    assert response.json()["event"] == "PersonalDataErased"
    again = client.post(
        f"/api/cases/{case_id}/erase",
        json={"reason": "Art. 17 request 42"},
        headers=callers["admin"].auth,
    )
    assert again.status_code == 200 and again.json()["replayed"] is True

    now = case_json(client, callers["lsa"], case_id)
    assert now["state"] == "interviewed" and now["version"] == version + 1
    assert [now["data"][f] for f in ("person_name", "narrative", "interview_notes")] == [ERASED] * 3
    entries = history(client, callers["supervisor"], case_id)
    assert [(h["version"], h["event"], h["to_state"]) for h in entries[:-1]] == steps_before
    assert entries[-1]["event"] == "PersonalDataErased"
    assert entries[0]["data"]["person_name"] == ERASED
    assert isinstance(entries[0]["data"]["is_child"], bool)  # what is not personal stays
    past = case_json(client, callers["lsa"], case_id, version=1)
    assert past["data"]["person_name"] == ERASED

    # the key is gone for good: not even the master key opens the case again
    fresh = PostgresCaseKeys(pg_runtime.db, keys.master)
    assert fresh.key(uuid.UUID(case_id)) is None
    with psycopg.connect(pg_runtime.database_url) as conn:
        (wrapped,) = conn.execute(
            sql.SQL("select wrapped from {} where case_id = %s").format(
                sql.Identifier(pg_runtime.settings.database_schema, "case_keys")
            ),
            [case_id],
        ).fetchone()  # type: ignore[misc]
    assert wrapped is None

    # statistics unchanged, live and after a full rebuild
    pg_runtime.projections.catch_up()
    assert _dashboards(pg_runtime) == dashboards_before
    pg_runtime.projections.rebuild_many(list(pg_runtime.projections.models))
    assert _dashboards(pg_runtime) == dashboards_before
    assert database_contains(pg_runtime, NAME) == []

    # the case goes on, but takes no personal data any more
    no_pii = take_step(client, callers["lsa"], case_id, "request_verification", version + 1)
    assert no_pii.status_code == 200, no_pii.text
    with_pii = client.post(
        f"/api/cases/{case_id}/referrals",
        json={
            "agency": "shelter-kyiv",
            "service": "shelter",
            "expected_version": version + 2,
            "data": {"referral_notes": "Synthetic note"},
        },
        headers=callers["lsa"].auth,
    )
    body = assert_problem(with_pii, 409, "personal-data-erased")
    assert "referral_notes" in body["detail"]


def test_an_erasure_reason_is_short_and_documented_as_no_place_for_personal_data(
    client: TestClient, callers: Callers
) -> None:
    case_id, _ = personal_case(client, callers)
    too_long = client.post(
        f"/api/cases/{case_id}/erase", json={"reason": "x" * 501}, headers=callers["admin"].auth
    )
    body = assert_problem(too_long, 422, "validation")
    assert body["errors"][0]["path"] == "reason"
    schema = client.get("/openapi.json").json()["components"]["schemas"]["ErasureCreate"]
    assert schema["properties"]["reason"]["maxLength"] == 500
    assert "Must not contain personal data" in schema["properties"]["reason"]["description"]
    assert case_json(client, callers["lsa"], case_id)["data"]["person_name"] == NAME


def _dashboards(runtime: Runtime) -> dict[str, Any]:
    params = {"region": None, "from": None, "to": None, "today": runtime.engine.clock().date()}
    return {
        name: runtime.projections.query(name, "dashboard", params)
        for name in runtime.projections.dashboards()
    }


def test_responses_carry_security_headers(client: TestClient, callers: Callers) -> None:
    case_id, _ = personal_case(client, callers)
    response = client.get(f"/api/cases/{case_id}", headers=callers["lsa"].auth)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-store"  # personal data stays out of caches
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp


def test_an_address_guessing_tokens_is_slowed_down(client: TestClient, callers: Callers) -> None:
    bad = {"Authorization": "Bearer ret_guessed-token"}
    statuses = [client.get("/api/cases", headers=bad).status_code for _ in range(20)]
    assert statuses == [401] * 19 + [429]  # the address's limit (operations.md 7.4)
    body = assert_problem(client.get("/api/cases", headers=bad), 429, "too-many-requests")
    assert "try again" in body["detail"]
    # a valid token is never refused because someone else at the same address guessed
    assert client.get("/api/cases", headers=callers["lsa"].auth).status_code == 200
