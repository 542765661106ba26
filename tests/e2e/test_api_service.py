"""Health and workflows (metrics: test_metrics.py)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from referral_engine.bootstrap import Runtime
from tests.e2e.conftest import (
    WORKFLOW,
    Callers,
    assert_problem,
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
        ("uk-nrm", 2),
        ("uk-nrm", 3),
        ("uk-nrm", 4),
        (WORKFLOW, 1),
        (WORKFLOW, 2),
        (WORKFLOW, 3),
        (WORKFLOW, 4),
        (WORKFLOW, 5),
        (WORKFLOW, 6),
    ]


def test_a_workflow_comes_with_its_definition_and_a_mermaid_diagram(
    client: TestClient, callers: Callers
) -> None:
    response = client.get(f"/api/workflows/{WORKFLOW}", headers=callers["lsa"].auth)

    workflow = response.json()
    assert (workflow["id"], workflow["version"]) == (WORKFLOW, 6)  # the newest by default
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
