"""Health, workflows and metrics."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from referral_engine.bootstrap import Runtime
from tests.e2e.conftest import (
    WORKFLOW,
    Caller,
    Callers,
    assert_problem,
    case_in,
    open_case,
    take_step,
)


def test_health_needs_no_token_and_checks_the_database(client: TestClient) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_health_reports_an_unreachable_database_as_503(
    client: TestClient, pg_runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pg_runtime, "database_url", "postgresql://nobody@127.0.0.1:9/none")

    response = client.get("/healthz")

    assert_problem(response, 503, "service-unavailable")
    assert response.headers["retry-after"]


def test_the_loaded_workflows_are_listed(client: TestClient, callers: Callers) -> None:
    response = client.get("/api/workflows", headers=callers["analyst"].auth)

    assert response.status_code == 200
    assert [(w["id"], w["version"]) for w in response.json()] == [
        ("uk-nrm", 1),
        (WORKFLOW, 1),
        (WORKFLOW, 2),
    ]


def test_a_workflow_comes_with_its_definition_and_a_mermaid_diagram(
    client: TestClient, callers: Callers
) -> None:
    response = client.get(f"/api/workflows/{WORKFLOW}", headers=callers["lsa"].auth)

    workflow = response.json()
    assert (workflow["id"], workflow["version"]) == (WORKFLOW, 2)  # the newest by default
    assert workflow["opening"]["dest"] == "screened"
    grant = next(t for t in workflow["transitions"] if t["trigger"] == "grant_status")
    assert (grant["sources"], grant["dest"], grant["roles"]) == (
        ["identified"],
        "status_granted",
        ["decision_maker"],
    )
    assert workflow["referrals"]["send"]["requires"] == ["consent"]
    assert {d["name"] for d in workflow["deadlines"]} >= {"interview", "status_decision"}
    assert workflow["mermaid"].startswith("---\n")
    assert "stateDiagram" in workflow["mermaid"]
    assert "identified --> status_granted" in workflow["mermaid"]


def test_a_workflow_version_can_be_asked_for(client: TestClient, callers: Callers) -> None:
    found = client.get(f"/api/workflows/{WORKFLOW}?version=1", headers=callers["lsa"].auth)
    missing = client.get(f"/api/workflows/{WORKFLOW}?version=9", headers=callers["lsa"].auth)

    assert found.json()["version"] == 1
    assert_problem(missing, 404, "not-found")


def test_an_unknown_workflow_is_not_found(client: TestClient, callers: Callers) -> None:
    response = client.get("/api/workflows/atlantis-nrm", headers=callers["lsa"].auth)

    assert_problem(response, 404, "not-found")


# -- metrics: counters are process-wide, so each test measures what it adds -----------------------


def sample(client: TestClient, reader: Caller, name: str, **labels: str) -> float:
    """The current value of one Prometheus sample (0 when not yet exported)."""
    response = client.get("/metrics", headers=reader.auth)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    for family in text_string_to_metric_families(response.text):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                return float(s.value)
    return 0.0


def test_metrics_need_a_token(client: TestClient) -> None:
    assert_problem(client.get("/metrics"), 401, "unauthorized")


def test_requests_are_counted_and_timed_by_route_and_status(
    client: TestClient, callers: Callers
) -> None:
    reader = callers["admin"]
    route = {"method": "GET", "route": "/api/cases/{case_id}"}
    requests = "referral_engine_http_requests_total"
    timed = "referral_engine_http_request_duration_seconds_count"
    before = (
        sample(client, reader, requests, **route, status="200"),
        sample(client, reader, requests, **route, status="404"),
        sample(client, reader, timed, **route),
    )
    case_id = open_case(client, callers["screener"])["id"]

    client.get(f"/api/cases/{case_id}", headers=callers["lsa"].auth)
    client.get(f"/api/cases/{case_id}", headers=callers["lviv-lsa"].auth)
    client.get(f"/api/cases/{case_id}", headers=callers["lsa"].auth)

    after = (
        sample(client, reader, requests, **route, status="200"),
        sample(client, reader, requests, **route, status="404"),
        sample(client, reader, timed, **route),
    )
    assert [a - b for a, b in zip(after, before, strict=True)] == [2, 1, 3]


def test_commands_are_counted_by_trigger(client: TestClient, callers: Callers) -> None:
    reader, name = callers["admin"], "referral_engine_commands_total"
    before = sample(client, reader, name, trigger="register_application")

    case_in(client, callers, "application_registered")

    assert sample(client, reader, name, trigger="register_application") == before + 1


def test_version_conflicts_are_counted(client: TestClient, callers: Callers) -> None:
    reader, name = callers["admin"], "referral_engine_version_conflicts_total"
    case_id, version = case_in(client, callers, "screened")
    before = sample(client, reader, name)

    take_step(client, callers["lsa"], case_id, "register_application", version - 1)

    assert sample(client, reader, name) == before + 1
