"""`POST /api/exports/htcds` (#21): a statistician's anonymised HTCDS file, its report in the
answer's headers, the same bytes for the same request, audited with its parameters and digest;
everyone else refused, bad parameters named with their code."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from typing import Any

import httpx
import openpyxl
import pytest
from fastapi.testclient import TestClient

from referral_engine.application.demo_htcds import mapping, register
from referral_engine.application.htcds_export import DEFAULT_QUASI
from referral_engine.application.importing import Imports
from referral_engine.application.registers import read_register
from referral_engine.bootstrap import Runtime
from referral_engine.config import PROJECT_ROOT
from referral_engine.domain.htcds import FIELDS
from tests.e2e.conftest import Callers, assert_problem
from tests.integration.test_htcds_export import allowed
from tests.unit.test_imports import ADMIN

pytestmark = pytest.mark.postgres
URL = "/api/exports/htcds"
CASES = 300
MARKER = "Zrazok Markerenko"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def cases(pg_runtime: Runtime) -> None:
    """300 synthetic cases shaped like Ukraine's, screened from 2021 to 2025 (imported)."""
    imports = Imports(pg_runtime.engine.store, pg_runtime.engine.workflows, pg_runtime.engine.clock)
    data = register(CASES, marker=MARKER, years=(2021, 2025))
    found = imports.run(
        read_register(data, "r.csv"), "ukraine-nrm", mapping(PROJECT_ROOT), actor=ADMIN
    )
    assert found.counts["imported"] == CASES


def export(client: TestClient, callers: Callers, who: str = "statistician", **body: Any) -> Any:
    return client.post(URL, json={"from": "2021-01-01", **body}, headers=callers[who].auth)


def read_csv(response: httpx.Response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))


def test_a_statistician_gets_an_htcds_csv_and_its_report_in_the_headers(
    client: TestClient, callers: Callers, cases: None
) -> None:
    response = export(client, callers, k=5)

    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith("attachment; filename=")
    rows = read_csv(response)
    assert rows and set(rows[0]) <= set(FIELDS)
    assert not any(FIELDS[c].identifying for c in rows[0])
    assert [(c, v) for row in rows for c, v in row.items() if not allowed(c, v)] == []
    assert MARKER.encode() not in response.content
    h = response.headers
    assert int(h["x-export-considered"]) == CASES
    assert int(h["x-export-exported"]) == len(rows)
    assert int(h["x-export-suppressed"]) == CASES - len(rows)
    assert set(json.loads(h["x-export-generalisations"])) == set(DEFAULT_QUASI)
    assert h["x-export-digest"] == hashlib.sha256(response.content).hexdigest()


def test_the_same_request_twice_gives_the_same_bytes_and_the_xlsx_opens(
    client: TestClient, callers: Callers, cases: None
) -> None:
    first = export(client, callers, k=5)
    again = export(client, callers, k=5)
    assert first.content == again.content
    assert first.headers["x-export-id"] != again.headers["x-export-id"]  # two exports kept

    xlsx = export(client, callers, k=5, format="xlsx")
    assert xlsx.status_code == 200, xlsx.text
    assert xlsx.headers["content-type"] == XLSX
    assert xlsx.content == export(client, callers, k=5, format="xlsx").content
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    read = list(sheet.iter_rows(values_only=True))
    header = next(csv.reader(io.StringIO(first.content.decode("utf-8"))))
    assert list(read[0]) == header
    assert len(read) - 1 == int(xlsx.headers["x-export-exported"])


@pytest.mark.parametrize(
    "who", ["screener", "lsa", "police", "decider", "shelter", "supervisor", "analyst", "admin"]
)
def test_everyone_but_a_statistician_is_refused(
    client: TestClient, callers: Callers, who: str
) -> None:
    body = assert_problem(export(client, callers, who), 403, "forbidden")
    assert "statistician" in body["detail"]


@pytest.mark.parametrize(
    ("body", "codes"),
    [
        (
            {"from": "2025-02-01", "to": "2025-01-01", "k": 1},
            {("from", "from_after_to"), ("k", "k_out_of_range")},
        ),
        ({"to": "2099-01-01"}, {("to", "to_in_future")}),
        ({"quasi": ["prs_Gender", "prs_FirstName"]}, {("quasi", "unknown_field")}),
        ({"quasi": ["prs_Gender", "prs_Gender"]}, {("quasi", "quasi_count")}),
    ],
)
def test_bad_parameters_are_refused_naming_each_with_its_code(
    client: TestClient, callers: Callers, body: dict[str, Any], codes: set[tuple[str, str]]
) -> None:
    response = export(client, callers, **body)
    found = assert_problem(response, 422, "validation")
    assert {(e["path"], e["code"]) for e in found["errors"]} == codes


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"k": "11"}, "k"),
        ({"format": "pdf"}, "format"),
        ({"to": "31.12.2025"}, "to"),
        ({"quasi": ["prs_Gender\u202e"]}, "quasi.0"),  # no invisible character in a name
        ({"quasi": ["prs_Gender"], "extra": 1}, "extra"),
    ],
)
def test_a_body_of_the_wrong_shape_is_refused_naming_the_field(
    client: TestClient, callers: Callers, body: dict[str, Any], path: str
) -> None:
    found = assert_problem(export(client, callers, **body), 422, "validation")
    assert [e["path"] for e in found["errors"]] == [path]


def test_each_export_is_audited_with_its_parameters_and_digest(
    client: TestClient, callers: Callers, pg_runtime: Runtime, cases: None
) -> None:
    response = export(client, callers, k=5, quasi=["prs_Gender", "prs_Citizenship"])
    assert response.status_code == 200, response.text

    entries = pg_runtime.audit.query(user_name="statistician")
    (entry,) = [e for e in entries if e.action == "export.htcds"]
    assert entry.status == 200 and entry.path == URL
    assert entry.detail is not None
    assert entry.detail["digest"] == hashlib.sha256(response.content).hexdigest()
    assert entry.detail["export"] == response.headers["x-export-id"]
    assert entry.detail["from"] == "2021-01-01"
    assert entry.detail["k"] == 5
    assert entry.detail["quasi"] == ["prs_Gender", "prs_Citizenship"]
    assert entry.detail["format"] == "csv"
    assert entry.detail["suppressed"] == int(response.headers["x-export-suppressed"])
