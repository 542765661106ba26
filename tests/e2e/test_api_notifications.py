"""`GET /api/notifications` and `POST /api/notifications/read`: each user reads and marks only
their own notifications, every request audited; and users get their e-mail address from the
command line, checked."""

from __future__ import annotations

import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg import sql
from typer.testing import CliRunner

from referral_engine.bootstrap import Runtime
from referral_engine.config import Settings
from referral_engine.entrypoints.cli.main import app
from tests import factories
from tests.e2e.conftest import Callers, assert_problem
from tests.e2e.test_api_audit import audit


def test_a_user_reads_and_marks_only_their_own_notifications(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    case_id = factories.case_in(pg_runtime.engine, "awaiting_verification")
    factories.send_referral(pg_runtime.engine, case_id, agency=callers["shelter"].agency)
    pg_runtime.notifier.events.catch_up()
    shelter, clinic = callers["shelter"], callers["clinic"]

    listed = client.get("/api/notifications", headers=shelter.auth).json()
    (item,) = listed["items"]
    assert listed["unread"] == 1 and listed["next_before"] is None
    assert (item["kind"], item["case_id"], item["link"]) == (
        "referral_arrived",
        str(case_id),
        f"/cases/{case_id}",
    )
    nothing = client.get("/api/notifications", headers=clinic.auth).json()
    assert nothing == {"unread": 0, "items": [], "next_before": None}

    mark = {"ids": [item["id"]]}
    assert_problem(
        client.post("/api/notifications/read", json=mark, headers=clinic.auth), 404, "not-found"
    )
    assert_problem(
        client.post("/api/notifications/read", json={"ids": ["1"]}, headers=shelter.auth),
        422,
        "validation",
    )
    marked = client.post("/api/notifications/read", json=mark, headers=shelter.auth)
    assert marked.json() == {"marked": [item["id"]], "unread": 0}
    again = client.post("/api/notifications/read", json={}, headers=shelter.auth)
    assert again.json() == {"marked": [], "unread": 0}
    unread = client.get("/api/notifications", params={"unread": "true"}, headers=shelter.auth)
    assert unread.json()["items"] == []
    assert client.get("/api/notifications").status_code == 401

    actions = [e["action"] for e in audit(client, callers["admin"], user=shelter.name)]
    assert actions.count("notification.read") == 3 and "notification.list" in actions


def test_users_get_an_e_mail_address_from_the_command_line_checked(
    pg_settings: Settings, synthetic_agencies: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REFERRAL_ENGINE_DATABASE_URL", str(pg_settings.database_url))
    monkeypatch.setenv("REFERRAL_ENGINE_DATABASE_SCHEMA", pg_settings.database_schema)
    runner = CliRunner()
    anna = ["anna", "--role", "service_provider", "--agency", "shelter-kyiv", "--region", "UA-32"]
    added = runner.invoke(app, ["users", "add", *anna, "--email", "anna@shelter.example.org"])
    assert added.exit_code == 0, added.output
    assert email_of(pg_settings, "anna") == "anna@shelter.example.org"
    refused = runner.invoke(app, ["users", "change", "anna", "--email", "anna at shelter"])
    assert "email: must be an e-mail address" in str(refused.exception)  # one line from main()
    assert email_of(pg_settings, "anna") == "anna@shelter.example.org"


def email_of(settings: Settings, name: str) -> str | None:
    with psycopg.connect(str(settings.database_url)) as conn:
        query = sql.SQL("select email from {} where name = %s")
        row = conn.execute(
            query.format(sql.Identifier(settings.database_schema, "users")), [name]
        ).fetchone()
    assert row is not None
    return None if row[0] is None else str(row[0])
