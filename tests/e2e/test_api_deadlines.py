"""The deadline board through the API and the page: overdue, due soon and steps not allowed yet,
in the caller's regions, by region and agency."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from referral_engine.application.engine import Engine
from referral_engine.bootstrap import Runtime
from tests.e2e.conftest import ENGLAND, KYIV, LVIV, Callers, assert_problem
from tests.e2e.pages import sign_in
from tests.factories import FixedClock, case_in, data_for
from tests.unit.test_uk_nrm import FR, UK, take


def uk_case_in_recovery(engine: Engine, region: str) -> UUID:
    """An adult's UK case after a positive Reasonable Grounds decision: no CG for 30 days."""
    opened = engine.open_case("uk-nrm", region, data_for(UK.opening, is_child=False), actor=FR)
    for trigger in ("record_consent", "refer_adult", "decide_rg_positive"):
        take(engine, opened.case_id, trigger)
    return opened.case_id


@pytest.fixture
def board(pg_runtime: Runtime, clock: FixedClock) -> dict[str, Any]:
    """Kyiv: one verification deadline overdue, one due soon, a UK case in its recovery period;
    Lviv: an overdue deadline a Kyiv supervisor must not see."""
    engine = pg_runtime.engine
    late = case_in(engine, "awaiting_verification")  # police answer due in 10 days
    hidden = case_in(engine, "awaiting_verification", region=LVIV)
    clock.advance(days=8)
    soon = case_in(engine, "awaiting_verification")
    recovering = uk_case_in_recovery(engine, ENGLAND)
    clock.advance(days=4)  # `late` is overdue by 2 days, `soon` due in 6
    pg_runtime.projections.catch_up()
    return {"late": late, "soon": soon, "recovering": recovering, "hidden": hidden}


def get_board(client: TestClient, caller: Any, **params: Any) -> dict[str, Any]:
    response = client.get("/api/deadlines", params=params, headers=caller.auth)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def test_a_supervisor_sees_overdue_due_soon_and_not_yet_allowed_in_their_regions(
    client: TestClient,
    callers: Callers,
    board: dict[str, Any],
    clock: FixedClock,
    pg_runtime: Runtime,
) -> None:
    found = get_board(client, callers["supervisor"])

    rows = {(item["kind"], item["case_id"]) for item in found["items"]}
    assert rows == {
        ("overdue", str(board["late"])),
        ("due_soon", str(board["soon"])),
        ("not_yet_allowed", str(board["recovering"])),
        ("not_yet_allowed", str(board["recovering"])),  # both CG decisions are held back
    }
    late = next(i for i in found["items"] if i["kind"] == "overdue")
    assert (late["name"], late["days_left"], late["region"]) == ("police_verification", -2, KYIV)
    waiting = [i for i in found["items"] if i["kind"] == "not_yet_allowed"]
    assert {w["trigger"] for w in waiting} == {"decide_cg_positive", "decide_cg_negative"}
    decided_on = clock.now.date() - timedelta(days=4)
    assert {w["earliest_on"] for w in waiting} == {str(decided_on + timedelta(days=30))}
    assert {w["counted_from"] for w in waiting} == {"PositiveReasonableGrounds"}
    latest = pg_runtime.engine.workflows.get("ukraine-nrm").version
    assert (late["workflow_id"], late["workflow_version"]) == ("ukraine-nrm", latest)
    uk = pg_runtime.engine.workflows.get("uk-nrm").version
    assert {(w["workflow_id"], w["workflow_version"]) for w in waiting} == {("uk-nrm", uk)}
    assert str(board["hidden"]) not in str(found)
    assert {(g["region"], g["overdue"], g["not_yet_allowed"]) for g in found["groups"]} >= {
        (KYIV, 1, 0),
        (ENGLAND, 0, 2),
    }


def test_the_board_filters_by_kind_region_and_agency(
    client: TestClient, callers: Callers, board: dict[str, Any]
) -> None:
    admin = callers["admin"]
    waiting = get_board(client, admin, kind="not_yet_allowed")
    assert {i["kind"] for i in waiting["items"]} == {"not_yet_allowed"}
    overdue = get_board(client, admin, kind="overdue")
    assert {i["case_id"] for i in overdue["items"]} == {str(board["late"]), str(board["hidden"])}
    assert {i["case_id"] for i in get_board(client, admin, region=LVIV)["items"]} == {
        str(board["hidden"])
    }
    agency = next(i["agency"] for i in waiting["items"])
    by_agency = get_board(client, admin, agency=agency)
    assert {i["case_id"] for i in by_agency["items"]} == {str(board["recovering"])}
    assert get_board(client, admin, within=1, kind="due_soon")["items"] == []


def test_bad_filters_and_other_roles_get_problem_documents(
    client: TestClient, callers: Callers, board: dict[str, Any]
) -> None:
    supervisor = callers["supervisor"]
    bad_kind = client.get("/api/deadlines?kind=late", headers=supervisor.auth)
    assert assert_problem(bad_kind, 422, "validation")["errors"][0]["path"] == "query.kind"
    assert_problem(
        client.get("/api/deadlines?within=-1", headers=supervisor.auth), 422, "validation"
    )
    elsewhere = client.get(f"/api/deadlines?region={LVIV}", headers=supervisor.auth)
    assert LVIV in assert_problem(elsewhere, 403, "forbidden-region")["detail"]
    assert_problem(client.get("/api/deadlines", headers=callers["lsa"].auth), 403, "forbidden")
    assert_problem(client.get("/api/deadlines"), 401, "unauthorized")


def test_the_board_page_shows_steps_not_allowed_yet_and_groups_by_region_and_agency(
    client: TestClient, callers: Callers, board: dict[str, Any], clock: FixedClock
) -> None:
    sign_in(client, callers["supervisor"].token)

    page = client.get("/deadlines").text

    assert "Steps not allowed yet" in page and "Conclusive Grounds" in page
    assert "decide_cg_positive" not in page  # the step by its title, not its name
    earliest = clock.now.date() - timedelta(days=4) + timedelta(days=30)
    assert earliest.isoformat() in page
    assert 'id="board-groups"' in page and str(board["late"])[:8] in page
    assert str(board["hidden"])[:8] not in page
    agency = callers["police"].agency  # the unit asked: it answers for both verifications
    narrowed = client.get(f"/deadlines?agency={agency}").text
    assert str(board["late"])[:8] in narrowed and "Conclusive Grounds" not in narrowed
    assert client.get(f"/deadlines?region={LVIV}").status_code == 403


def test_only_supervisors_and_admins_get_the_board_page_and_its_link(
    client: TestClient, callers: Callers
) -> None:
    sign_in(client, callers["lsa"].token)
    refused = client.get("/deadlines")
    assert refused.status_code == 403 and "text/html" in refused.headers["content-type"]
    assert 'href="/deadlines"' not in client.get("/cases").text
    sign_in(client, callers["supervisor"].token)
    assert 'href="/deadlines"' in client.get("/cases").text
