"""Every refusal is an RFC 9457 problem document with a stable type; none is a 500."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any
from uuid import uuid4

import httpx
import pytest
from fastapi.testclient import TestClient

from referral_engine.bootstrap import Runtime
from tests.e2e.conftest import (
    KYIV,
    WORKFLOW,
    Callers,
    assert_problem,
    case_in,
    history,
    opening_data,
    take_step,
)


def test_an_illegal_step_names_the_state_and_what_the_caller_may_do_instead(
    client: TestClient, callers: Callers
) -> None:
    case_id, version = case_in(client, callers, "screened", consent=False)

    response = take_step(client, callers["lsa"], case_id, "grant_status", version)

    body = assert_problem(response, 409, "illegal-transition")
    assert (body["state"], body["trigger"]) == ("screened", "grant_status")
    assert body["legal_triggers"] == [
        "record_consent",
        "withdraw_consent",
        "record_reportable_facts",
    ]
    assert len(history(client, callers["lsa"], case_id)) == version


def test_the_legal_steps_named_are_those_of_the_caller(
    client: TestClient, callers: Callers
) -> None:
    case_id, version = case_in(client, callers, "screened")

    as_supervisor = take_step(client, callers["supervisor"], case_id, "grant_status", version)
    as_decider = take_step(client, callers["decider"], case_id, "grant_status", version)

    assert assert_problem(as_supervisor, 409, "illegal-transition")["legal_triggers"] == [
        "withdraw_consent",
        "override_consent",
        "close_case",
    ]
    assert assert_problem(as_decider, 409, "illegal-transition")["legal_triggers"] == []


def test_a_step_for_children_only_is_refused_for_an_adult_naming_the_condition(
    client: TestClient, callers: Callers
) -> None:
    case_id, version = case_in(client, callers, "application_registered")  # an adult's case

    response = take_step(client, callers["lsa"], case_id, "waive_interview_for_child", version)

    body = assert_problem(response, 409, "condition-not-met")
    assert body["trigger"] == "waive_interview_for_child"
    (unmet,) = body["unmet_conditions"]  # version 6: a child under 14 on the day (art. 15(2))
    assert (unmet["field"], unmet["age_below"]) == ("date_of_birth", 14) and "on" in unmet
    assert "date_of_birth is of a person under 14" in body["detail"]
    case = client.get(f"/api/cases/{case_id}", headers=callers["lsa"].auth).json()
    assert "waive_interview_for_child" not in {s["trigger"] for s in case["allowed_steps"]}
    assert case["version"] == version


def test_a_stale_version_is_a_conflict_naming_the_current_one(
    client: TestClient, callers: Callers
) -> None:
    case_id, version = case_in(client, callers, "screened")

    response = take_step(client, callers["lsa"], case_id, "register_application", version - 1)

    body = assert_problem(response, 409, "version-conflict")
    assert (body["current_version"], body["expected_version"]) == (version, version - 1)
    assert len(history(client, callers["lsa"], case_id)) == version


def test_an_unknown_workflow_is_not_found(client: TestClient, callers: Callers) -> None:
    body = {"workflow": "atlantis-nrm", "region": KYIV, "data": opening_data()}

    response = client.post("/api/cases", json=body, headers=callers["screener"].auth)

    assert "atlantis-nrm" in assert_problem(response, 404, "not-found")["detail"]


def test_unknown_routes_and_methods_answer_with_problems_too(
    client: TestClient, callers: Callers
) -> None:
    assert_problem(client.get("/api/nothing-here", headers=callers["lsa"].auth), 404, "not-found")
    assert_problem(
        client.delete(f"/api/cases/{uuid4()}", headers=callers["lsa"].auth),
        405,
        "method-not-allowed",
    )


# -- bodies over the configured limit ----------------------------------------------------------


def oversized(runtime: Runtime) -> bytes:
    padding = "x" * runtime.settings.max_body_bytes
    return (
        f'{{"workflow": "{WORKFLOW}", "region": "{KYIV}", "data": {{"n": "{padding}"}}}}'.encode()
    )


def test_a_body_declared_too_large_is_refused(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    headers = {**callers["screener"].auth, "Content-Type": "application/json"}

    response = client.post("/api/cases", content=oversized(pg_runtime), headers=headers)

    assert response.request.headers["content-length"]
    body = assert_problem(response, 413, "payload-too-large")
    assert str(pg_runtime.settings.max_body_bytes) in body["detail"]


def test_a_streamed_body_without_a_length_is_refused_once_too_large(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    body = oversized(pg_runtime)

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 4096):
            yield body[start : start + 4096]

    headers = {**callers["screener"].auth, "Content-Type": "application/json"}
    response = client.post("/api/cases", content=chunks(), headers=headers)

    assert "content-length" not in response.request.headers
    assert response.request.headers["transfer-encoding"] == "chunked"
    assert_problem(response, 413, "payload-too-large")


def test_a_chunked_body_is_not_read_past_the_limit(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    """Chunk by chunk, as a server hands them over (TestClient joins them into one)."""
    limit, chunk = pg_runtime.settings.max_body_bytes, 8192
    sent: list[int] = []

    async def endless() -> AsyncIterator[bytes]:
        while len(sent) < 1000:
            sent.append(chunk)
            yield b" " * chunk

    async def post() -> httpx.Response:
        transport = httpx.ASGITransport(app=client.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as http:
            headers = {**callers["screener"].auth, "Content-Type": "application/json"}
            return await http.post("/api/cases", content=endless(), headers=headers)

    response = asyncio.run(post())

    assert_problem(response, 413, "payload-too-large")
    assert sum(sent) == (limit // chunk + 1) * chunk


# -- validation: every offending field, with its path ------------------------------------------


def open_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"workflow": WORKFLOW, "region": KYIV, "data": opening_data()}
    for name, value in changes.items():
        if name == "data" and isinstance(value, dict):
            body["data"] = {k: v for k, v in {**body["data"], **value}.items() if v is not None}
        elif value is None:
            body.pop(name)
        else:
            body[name] = value
    return body


@pytest.mark.parametrize(
    ("body", "path", "message"),
    [
        (open_body(colour="red"), "colour", "unknown field"),
        (open_body(workflow=None), "workflow", "is required"),
        (open_body(region=""), "region", "String should have at least 1 character"),
        (open_body(data=[]), "data", "Input should be a valid dictionary"),
        (open_body(data={"hair_colour": "red"}), "data.hair_colour", "unknown field for this step"),
        (open_body(data={"person_name": None}), "data.person_name", "is required"),
        (open_body(data={"is_child": "yes"}), "data.is_child", "must be true or false"),
        (open_body(data={"indicators": ["magic"]}), "data.indicators", "unknown value(s)"),
        (open_body(occurred_at="2026-03-01T10:00:00"), "occurred_at", "timezone"),
    ],
    ids=[
        "unknown top-level field",
        "missing top-level field",
        "blank region",
        "data not an object",
        "unknown data field",
        "missing required data field",
        "wrong type in data",
        "value outside an enum",
        "time without a zone",
    ],
)
def test_invalid_input_names_each_offending_field(
    client: TestClient, callers: Callers, body: dict[str, Any], path: str, message: str
) -> None:
    response = client.post("/api/cases", json=body, headers=callers["screener"].auth)

    problem = assert_problem(response, 422, "validation")
    assert [e["path"] for e in problem["errors"]] == [path]
    assert message in problem["errors"][0]["message"]
    assert path in problem["detail"]


def test_every_problem_of_a_request_is_listed_at_once(client: TestClient, callers: Callers) -> None:
    body = {"trigger": "", "data": {}, "expected_version": "two", "note": "x"}

    response = client.post("/api/cases/not-a-uuid/steps", json=body, headers=callers["lsa"].auth)

    problem = assert_problem(response, 422, "validation")
    assert {e["path"] for e in problem["errors"]} == {
        "path.case_id",
        "trigger",
        "expected_version",
        "note",
    }


def test_malformed_json_is_a_validation_problem_of_the_body(
    client: TestClient, callers: Callers
) -> None:
    headers = {**callers["screener"].auth, "Content-Type": "application/json"}

    response = client.post("/api/cases", content=b'{"workflow": "ukraine-nrm",', headers=headers)

    problem = assert_problem(response, 422, "validation")
    assert [e["path"] for e in problem["errors"]] == ["body"]
    assert problem["errors"][0]["message"].startswith("is not valid JSON")


def test_a_case_id_that_is_not_a_uuid_is_a_validation_problem(
    client: TestClient, callers: Callers
) -> None:
    response = client.get("/api/cases/12345", headers=callers["lsa"].auth)

    problem = assert_problem(response, 422, "validation")
    assert [e["path"] for e in problem["errors"]] == ["path.case_id"]


def test_a_body_that_is_not_utf8_is_a_bad_request(client: TestClient, callers: Callers) -> None:
    headers = {**callers["screener"].auth, "Content-Type": "application/json"}

    response = client.post("/api/cases", content=b'{"workflow": "\xff\xfe"}', headers=headers)

    assert_problem(response, 400, "bad-request")
