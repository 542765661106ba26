"""`POST /api/imports`: an admin uploads a register and its mapping and gets the report; a dry run
writes nothing, a second import adds nothing; others are refused; a bad file, mapping, workflow or
region is a 422 (or 404) problem naming what is wrong; an upload over the import's own limit is a
413 while every other route keeps the small one; the audit entry keeps no row's content."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from referral_engine.application.demo_register import synthetic_register
from referral_engine.bootstrap import Runtime
from referral_engine.config import PROJECT_ROOT
from referral_engine.domain.imports import case_id_of
from referral_engine.entrypoints.asgi import create_app
from tests.e2e.conftest import Caller, Callers, assert_problem

MAPPING = (PROJECT_ROOT / "docs" / "import" / "ministry-register.yaml").read_bytes()


def upload(
    client: TestClient,
    caller: Caller,
    data: bytes,
    *,
    name: str = "register.csv",
    mapping: bytes | str = MAPPING,
    **fields: str,
) -> httpx.Response:
    """Post a register (and the mapping as a file, or as a text field when given as text)."""
    files: dict[str, Any] = {"file": (name, data, "text/csv")}
    form = {"workflow": "ukraine-nrm", **fields}
    if isinstance(mapping, bytes):
        files["mapping"] = ("mapping.yaml", mapping, "application/yaml")
    else:
        form["mapping"] = mapping
    return client.post("/api/imports", files=files, data=form, headers=caller.auth)


def test_dry_run_then_import_then_again_adds_nothing(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    data, expected = synthetic_register(12, bad=3)
    admin = callers["admin"]

    dry = upload(client, admin, data, dry_run="true")
    assert dry.status_code == 200, dry.text
    report = dry.json()
    assert report["dry_run"] is True and report["rows"] == report["done"] == 15
    assert report["counts"] == {
        "imported": 12,
        "unchanged": 0,
        "changed": 0,
        "erased": 0,
        "refused": 3,
    }
    assert {r["row"] for r in report["rows_listed"]} == set(expected.bad)
    assert all(r["outcome"] == "refused" and r["problems"] for r in report["rows_listed"])
    assert _cases(pg_runtime) == 0

    real = upload(client, admin, data, mapping=MAPPING.decode())  # the mapping as a text field
    assert real.status_code == 200, real.text
    assert real.json()["counts"]["imported"] == 12 and real.json()["dry_run"] is False
    assert _cases(pg_runtime) == 12

    again = upload(client, admin, data)
    assert again.json()["counts"] == {
        "imported": 0,
        "unchanged": 12,
        "changed": 0,
        "erased": 0,
        "refused": 3,
    }
    assert _cases(pg_runtime) == 12


def test_the_report_as_csv_lists_every_row_not_imported(
    client: TestClient, callers: Callers
) -> None:
    data, expected = synthetic_register(5, bad=4)
    response = upload(client, callers["admin"], data, dry_run="true", format="csv")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert 'filename="register-report.csv"' in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert {int(r["row"]) for r in rows} == set(expected.bad)
    assert {r["outcome"] for r in rows} == {"refused"}


@pytest.mark.parametrize("caller", ["lsa", "supervisor", "analyst", "statistician"])
def test_only_admins_import(client: TestClient, callers: Callers, caller: str) -> None:
    data, _ = synthetic_register(2)
    body = assert_problem(upload(client, callers[caller], data), 403, "forbidden")
    assert "admins" in body["detail"]


def test_without_a_token_nothing_is_read(client: TestClient) -> None:
    data, _ = synthetic_register(2)
    response = client.post(
        "/api/imports",
        files={"file": ("r.csv", data), "mapping": ("m.yaml", MAPPING)},
        data={"workflow": "ukraine-nrm"},
    )
    assert_problem(response, 401, "unauthorized")


@pytest.mark.parametrize(
    ("change", "slug", "said"),
    [
        ({"name": "register.txt"}, "register-unreadable", "must end in .csv or .xlsx"),
        ({"data": b""}, "register-unreadable", "empty"),
        ({"data": b"\x00\x01;\x02"}, "register-unreadable", "first row"),
        ({"name": "r.xlsx"}, "register-unreadable", "not a readable XLSX"),
        ({"mapping": b"register: x\n  bad: ["}, "import-mapping-invalid", "not readable YAML"),
        ({"mapping": b"\xff\xfe"}, "import-mapping-invalid", "not UTF-8"),
        ({"mapping": "register: [1]\n"}, "import-mapping-invalid", "register"),
        ({"region": "UA-99"}, "validation", "region"),
        ({"version": "0"}, "validation", "version"),
    ],
)
def test_a_bad_file_mapping_or_region_is_a_problem_naming_it(
    client: TestClient, callers: Callers, change: dict[str, Any], slug: str, said: str
) -> None:
    data, _ = synthetic_register(3)
    kwargs: dict[str, Any] = {"data": data, **change}
    fields = {k: kwargs.pop(k) for k in ("region", "version") if k in kwargs}
    response = upload(client, callers["admin"], **kwargs, **fields)
    body = assert_problem(response, 422, slug)
    assert said in response.text, body
    assert "Traceback" not in response.text


def test_a_mapping_without_a_column_of_the_file_names_the_column(
    client: TestClient, callers: Callers
) -> None:
    data, _ = synthetic_register(3)
    header, rest = data.decode("utf-8-sig").split("\n", 1)
    spoiled = (header.replace("Стать", "Sex") + "\n" + rest).encode()
    body = assert_problem(upload(client, callers["admin"], spoiled), 422, "import-mapping-invalid")
    assert "the file has no column 'Стать'" in body["problems"]


def test_an_unknown_workflow_is_not_found(client: TestClient, callers: Callers) -> None:
    data, _ = synthetic_register(2)
    response = upload(client, callers["admin"], data, workflow="no-such-workflow")
    assert_problem(response, 404, "not-found")


def test_missing_parts_are_named(client: TestClient, callers: Callers) -> None:
    response = client.post(
        "/api/imports", data={"workflow": "ukraine-nrm"}, headers=callers["admin"].auth
    )
    body = assert_problem(response, 422, "validation")
    assert {e["path"] for e in body["errors"]} == {"file", "mapping"}


def test_the_import_has_its_own_body_limit_and_other_routes_keep_theirs(
    pg_runtime: Runtime, callers: Callers
) -> None:
    pg_runtime.settings.max_import_bytes = 300 * 1024
    with TestClient(create_app(pg_runtime), raise_server_exceptions=False) as client:
        data, _ = synthetic_register(250)  # about 90 KB: over the usual limit, under the import's
        assert pg_runtime.settings.max_body_bytes < len(data) < 300 * 1024
        fits = upload(client, callers["admin"], data, dry_run="true")
        assert fits.status_code == 200, fits.text
        assert fits.json()["counts"]["imported"] == 250

        big = upload(client, callers["admin"], data + b"1" * 300 * 1024, dry_run="true")
        assert_problem(big, 413, "payload-too-large")
        elsewhere = client.post(
            "/api/cases", content=b"{" + b" " * len(data) + b"}", headers=callers["admin"].auth
        )
        assert_problem(elsewhere, 413, "payload-too-large")


def test_the_audit_entry_keeps_the_file_and_counts_never_a_row(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    data, expected = synthetic_register(4, bad=2)
    assert upload(client, callers["admin"], data, dry_run="true").status_code == 200
    assert upload(client, callers["admin"], b"", name="empty.csv").status_code == 422
    entries = [e for e in pg_runtime.audit.query() if e.action == "register.import"]
    assert [e.status for e in entries] == [200, 422]
    done, refused = (e.detail or {} for e in entries)
    assert done["file"] == "register.csv" and done["dry_run"] is True
    assert len(done["file_digest"]) == 64
    assert done["counts"]["imported"] == 4 and done["counts"]["refused"] == 2
    assert "rows_listed" not in done
    assert refused == {"file": "empty.csv", "file_size": 0, "dry_run": False}
    logged = repr([e.detail for e in entries])
    for name in expected.names:
        assert name not in logged
        assert name.split()[0] not in logged


def _cases(runtime: Runtime, rows: int = 15) -> int:
    """How many of the register's row ids have a case (a case's id follows from its row id)."""
    ids = [case_id_of("mlsp-status-register", str(n)) for n in range(1, rows + 1)]
    return len(runtime.engine.store.known(ids))
