"""Erasure by two persons when configured: a request, then another admin's or supervisor's
approval (or refusal); both audited, through the API and the command line. Every command-line
action is audited with the operating system user and the `cli` channel."""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from referral_engine.bootstrap import Runtime, build
from referral_engine.config import Settings
from tests.e2e.conftest import LVIV, Callers, assert_problem, open_case
from tests.e2e.test_cli import cli, pg_env

REASON = {"reason": "GDPR Art. 17, request 2026-041"}
ERASED = {"redacted": "erased"}


@pytest.fixture
def two_person(pg_runtime: Runtime) -> Iterator[None]:
    settings = pg_runtime.settings
    pg_runtime.settings = settings.model_copy(update={"erasure_approval": "two-person"})
    yield
    pg_runtime.settings = settings


def person_name(client: TestClient, callers: Callers, case_id: str) -> Any:
    response = client.get(f"/api/cases/{case_id}", headers=callers["lsa"].auth)
    assert response.status_code == 200, response.text
    return response.json()["data"]["person_name"]


def pending(client: TestClient, callers: Callers, who: str = "supervisor") -> list[Any]:
    response = client.get("/api/erasures", headers=callers[who].auth)
    assert response.status_code == 200, response.text
    found: list[Any] = response.json()
    return found


def test_an_erasure_is_requested_then_approved_by_another_person(
    client: TestClient, callers: Callers, pg_runtime: Runtime, two_person: None
) -> None:
    case_id = open_case(client, callers["screener"], person_name="Synthetic Two Person")["id"]

    asked = client.post(f"/api/cases/{case_id}/erase", json=REASON, headers=callers["admin"].auth)

    assert asked.status_code == 202, asked.text
    request = asked.json()
    assert (request["state"], request["requested_by"]) == ("pending", "admin")
    assert person_name(client, callers, case_id) == "Synthetic Two Person"  # nothing erased yet
    assert [r["id"] for r in pending(client, callers)] == [request["id"]]

    own = client.post(f"/api/erasures/{request['id']}/approve", headers=callers["admin"].auth)
    assert_problem(own, 403, "own-erasure-request")
    approved = client.post(
        f"/api/erasures/{request['id']}/approve", headers=callers["supervisor"].auth
    )

    assert approved.status_code == 200, approved.text
    assert approved.json()["request"]["state"] == "approved"
    assert approved.json()["request"]["decided_by"] == "supervisor"
    assert person_name(client, callers, case_id) == ERASED
    assert pending(client, callers) == []
    again = client.post(f"/api/erasures/{request['id']}/approve", headers=callers["admin"].auth)
    assert_problem(again, 409, "erasure-request-decided")
    entries = pg_runtime.audit.query()
    decisions = [e for e in entries if e.action.startswith(("case.erase", "erasure.approve"))]
    assert [(e.user_name, e.action, e.status) for e in decisions] == [
        ("admin", "case.erase", 202),
        ("admin", "erasure.approve", 403),
        ("supervisor", "erasure.approve", 200),
        ("admin", "erasure.approve", 409),
    ]


def test_a_refused_request_erases_nothing_and_cannot_be_approved(
    client: TestClient, callers: Callers, two_person: None
) -> None:
    case_id = open_case(client, callers["screener"], person_name="Synthetic Kept Person")["id"]
    asked = client.post(f"/api/cases/{case_id}/erase", json=REASON, headers=callers["admin"].auth)
    request_id = asked.json()["id"]

    refused = client.post(f"/api/erasures/{request_id}/refuse", headers=callers["supervisor"].auth)

    assert refused.status_code == 200 and refused.json()["state"] == "refused"
    later = client.post(f"/api/erasures/{request_id}/approve", headers=callers["supervisor"].auth)
    assert_problem(later, 409, "erasure-request-decided")
    assert person_name(client, callers, case_id) == "Synthetic Kept Person"


def test_requests_outside_a_supervisors_regions_are_not_found(
    client: TestClient, callers: Callers, pg_runtime: Runtime, two_person: None
) -> None:
    callers.add(pg_runtime, "lviv-supervisor", "supervisor", "lsa-lvivska", [LVIV])
    case_id = open_case(client, callers["screener"])["id"]
    asked = client.post(f"/api/cases/{case_id}/erase", json=REASON, headers=callers["admin"].auth)

    elsewhere = client.post(
        f"/api/erasures/{asked.json()['id']}/approve", headers=callers["lviv-supervisor"].auth
    )

    assert_problem(elsewhere, 404, "not-found")
    assert pending(client, callers, "lviv-supervisor") == []
    assert client.get("/api/erasures", headers=callers["lsa"].auth).status_code == 403


def test_erasure_by_two_persons_from_the_command_line(pg_settings: Settings) -> None:
    from tests.factories import open_case as open_in_engine

    with build(pg_settings) as runtime:
        case_id = open_in_engine(runtime.engine, person_name="Synthetic Cli Two").case_id
        runtime.users.add("ops-admin", "admin", "it", ["*"])
        runtime.users.add("ops-supervisor", "supervisor", "lsa-kyivska", ["UA-32"])
    env = {**pg_env(pg_settings), "REFERRAL_ENGINE_ERASURE_APPROVAL": "two-person"}

    asked = cli(
        "erase", str(case_id), "--reason", "Art. 17 request 9", "--operator", "ops-admin", env=env
    )
    assert asked.returncode == 0, asked.stderr
    request_id = asked.stdout.split("(")[1].split(")")[0]
    listed = cli("erasures", "list", env=env)
    assert request_id in listed.stdout.replace("\n", "")
    own = cli("erasures", "approve", request_id, "--operator", "ops-admin", env=env)
    assert own.returncode == 1 and "another admin or supervisor must approve" in own.stderr
    liar = cli("erasures", "approve", request_id, "--operator", "nobody-known", env=env)
    assert liar.returncode == 1 and "operator: must name a known user" in liar.stderr
    approved = cli("erasures", "approve", request_id, "--operator", "ops-supervisor", env=env)
    assert approved.returncode == 0, approved.stderr

    with build(pg_settings) as runtime:
        entries = [e for e in runtime.audit.query() if e.channel == "cli"]
        view = runtime.engine.case(case_id)
    me = getpass.getuser()
    assert [(e.user_name, e.action, e.status, e.os_user) for e in entries] == [
        ("ops-admin", "cli.erase", 0, me),
        ("os:" + me, "cli.erasures.list", 0, me),
        ("ops-admin", "cli.erasures.approve", 1, me),
        ("os:" + me, "cli.erasures.approve", 1, me),
        ("ops-supervisor", "cli.erasures.approve", 0, me),
    ]
    assert entries[0].case_id == case_id and entries[-1].case_id == case_id
    assert view.data["person_name"] == ERASED


def test_a_disabled_user_cannot_be_named_as_the_operator(pg_settings: Settings) -> None:
    """Found by a review: `--operator` took a disabled admin, erased, and audited it as theirs."""
    from tests.factories import open_case as open_in_engine

    with build(pg_settings) as runtime:
        case_id = open_in_engine(runtime.engine, person_name="Synthetic Cli Gone").case_id
        runtime.users.add("ops-admin", "admin", "it", ["*"])
        runtime.users.disable("ops-admin")
    env = pg_env(pg_settings)

    refused = cli(
        "erase", str(case_id), "--reason", "Art. 17 request 10", "--operator", "ops-admin", env=env
    )

    assert (
        refused.returncode == 1
        and "operator: must name a known user, not disabled" in refused.stderr
    )
    with build(pg_settings) as runtime:
        assert runtime.engine.case(case_id).data["person_name"] != ERASED


@pytest.mark.usefixtures("synthetic_agencies")  # the user's agency is a registered one
def test_command_line_actions_on_users_and_keys_are_audited(pg_settings: Settings) -> None:
    env = pg_env(pg_settings)
    added = cli(
        "users",
        "add",
        "cli-lsa",
        "--role",
        "lsa_official",
        "--agency",
        "lsa-kyivska",
        "--region",
        "UA-32",
        env=env,
    )
    assert added.returncode == 0, added.stderr
    assert cli("users", "token", "cli-lsa", env=env).returncode == 0
    refused = cli(
        "erase",
        "00000000-0000-0000-0000-000000000001",
        "--reason",
        "x",
        "--operator",
        "cli-lsa",
        env=env,
    )
    assert refused.returncode == 1

    with build(pg_settings) as runtime:
        entries = runtime.audit.query()
    assert [(e.action, e.status, e.channel) for e in entries] == [
        ("cli.users.add", 0, "cli"),
        ("cli.users.token", 0, "cli"),
        ("cli.erase", 1, "cli"),
    ]
    assert all(e.os_user == getpass.getuser() for e in entries)
    assert "token" not in str(entries[1].detail) and entries[1].path.endswith("users token cli-lsa")
