"""Schemathesis against the app's own OpenAPI schema: no 5xx, every response as documented.

Each operation gets valid and invalid requests (schemathesis' positive and negative modes), half
of them aimed at a real case with a referral so that the deeper paths run too, as a caller who
may use the operation (25 examples per operation), and then as every other role of the workflow
with a token of its own (10 examples per operation and role): a role refused or kept out of a
case is answered as documented too, never with a 5xx. Derandomized for a stable CI run.

The app, its schema, its database schema and its callers are made once per module (per xdist
worker), not per operation: a fresh database schema per operation and role cost most of the
suite's time. Each operation still gets a case and a referral of its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from referral_engine.bootstrap import Runtime, build
from referral_engine.entrypoints.asgi import create_app
from tests.e2e.conftest import WORKFLOW, Callers, callers_of, case_in, send_referral
from tests.factories import FixedClock, with_synthetic_agencies
from tests.pg import fresh_schema

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
OPERATIONS = [
    (method.upper(), path)
    for path, methods in create_app(None).openapi()["paths"].items()
    for method in methods
]


@pytest.fixture(scope="module")
def module_runtime(
    pg_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Runtime]:
    with (
        fresh_schema(pg_database_url, tmp_path_factory.mktemp("home")) as settings,
        build(settings, clock=FixedClock()) as runtime,
    ):
        with_synthetic_agencies(runtime.engine)
        yield runtime


@pytest.fixture(scope="module")
def client(module_runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(module_runtime), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def callers(module_runtime: Runtime) -> Callers:
    return callers_of(module_runtime)


@pytest.fixture(scope="module")
def schema(client: TestClient) -> Any:
    return schemathesis.openapi.from_asgi("/openapi.json", client.app)


# Every caller of the e2e fixtures but the two used above: each role, a service provider with and
# one without the referral (shelter-kyiv has r1, clinic-kyiv none), another region's caseworker.
OTHER_CALLERS = [
    "screener",
    "police",
    "decider",
    "shelter",
    "clinic",
    "analyst",
    "lviv-lsa",
    "admin",
]


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_no_request_gets_a_5xx_or_an_undocumented_answer(
    client: TestClient, schema: Any, callers: Callers, method: str, path: str
) -> None:
    caller = "supervisor" if path.startswith("/api/audit") else "lsa"
    if path.startswith("/api/exports"):
        caller = "statistician"  # the only role that passes: the export itself is fuzzed
    fuzz(client, schema, callers, method, path, caller, examples=25)


@pytest.mark.parametrize("caller", OTHER_CALLERS)
@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_no_role_gets_a_5xx_or_an_undocumented_answer(
    client: TestClient, schema: Any, callers: Callers, method: str, path: str, caller: str
) -> None:
    fuzz(client, schema, callers, method, path, caller, examples=10)


def fuzz(
    client: TestClient,
    schema: Any,
    callers: Callers,
    method: str,
    path: str,
    caller_name: str,
    examples: int,
) -> None:
    """Valid and invalid requests to one operation as one caller, checked against the schema."""
    operation = schema[path][method]
    caller = callers[caller_name]
    existing = existing_things(client, callers, path)
    requests = st.one_of(
        *(
            operation.as_strategy(mode, path_parameters=fixed)
            for mode in GenerationMode
            for fixed in (None, existing)
        )
    )

    @given(requests)
    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def each_request_is_answered_as_documented(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=caller.auth, checks=CHECKS)

    each_request_is_answered_as_documented()


def existing_things(client: TestClient, callers: Callers, path: str) -> dict[str, str] | None:
    """Path parameters naming things that exist: the workflow, a dashboard, a Kyiv case with
    referral r1."""
    if "{workflow_id}" in path:
        return {"workflow_id": WORKFLOW}
    if path.startswith("/api/dashboards/"):
        return {"name": "referrals"}
    if "{case_id}" not in path:
        return None
    case_id, version = case_in(client, callers, "application_registered")
    assert send_referral(client, callers["lsa"], case_id, version).status_code == 201
    return (
        {"case_id": case_id, "referral_id": "r1"}
        if "{referral_id}" in path
        else {"case_id": case_id}
    )
