"""Reportable facts through the API: a bad citizenship is refused by name, a good one recorded."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.e2e.conftest import KYIV, WORKFLOW, Callers, opening_data
from tests.factories import ukraine


def test_opening_a_version_3_case_with_a_bad_citizenship_answers_422_naming_the_field(
    client: TestClient, callers: Callers
) -> None:
    body = {"workflow": WORKFLOW, "region": KYIV, "data": opening_data(citizenship="Ukraine")}

    response = client.post("/api/cases", json=body, headers=callers["screener"].auth)

    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    (error,) = response.json()["errors"]
    assert error["path"] == "data.citizenship"
    assert "ISO 3166-1" in error["message"] and "Ukraine" not in error["message"]


def test_a_case_opened_with_its_facts_records_the_derived_age_band(
    client: TestClient, callers: Callers
) -> None:
    data = opening_data(citizenship="UA", sex="female", date_of_birth="2000-01-01")
    body = {"workflow": WORKFLOW, "region": KYIV, "data": data}

    opened = client.post("/api/cases", json=body, headers=callers["screener"].auth)

    assert opened.status_code == 201, opened.text
    case = client.get(f"/api/cases/{opened.json()['id']}", headers=callers["lsa"].auth)
    assert case.json()["workflow"] == {"id": WORKFLOW, "version": ukraine().version}  # 3 or later
    assert case.json()["data"]["age_at_identification"] == "25-34"
    assert case.json()["data"]["citizenship"] == "UA"
