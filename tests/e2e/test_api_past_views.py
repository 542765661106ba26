"""A case as it was: at a version (`?version=N`) or at a moment (`?as_of=`)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from tests.e2e.conftest import Callers, assert_problem, case_in, open_case, walk
from tests.factories import START, FixedClock


@pytest.fixture
def case_over_two_hours(client: TestClient, callers: Callers, clock: FixedClock) -> str:
    """Opened at 09:00, consent at 10:00, application registered at 11:00 (UTC)."""
    case_id = open_case(client, callers["screener"])["id"]
    clock.advance(hours=1)
    walk(client, callers, case_id, 1, "record_consent")
    clock.advance(hours=1)
    walk(client, callers, case_id, 2, "register_application")
    return case_id


def test_a_case_at_a_version_is_the_case_right_after_that_event(
    client: TestClient, callers: Callers, case_over_two_hours: str
) -> None:
    response = client.get(
        f"/api/cases/{case_over_two_hours}?version=1", headers=callers["lsa"].auth
    )

    assert response.status_code == 200
    case = response.json()
    assert (case["state"], case["version"], case["flags"]) == ("screened", 1, [])


def test_a_case_as_of_a_moment_is_what_was_recorded_by_then(
    client: TestClient, callers: Callers, case_over_two_hours: str
) -> None:
    half_past_ten = (START + timedelta(hours=1, minutes=30)).isoformat()

    response = client.get(
        f"/api/cases/{case_over_two_hours}",
        params={"as_of": half_past_ten},
        headers=callers["lsa"].auth,
    )

    case = response.json()
    assert (case["state"], case["version"], case["flags"]) == ("screened", 2, ["consent"])


def test_as_of_reads_the_moment_in_any_time_zone(
    client: TestClient, callers: Callers, case_over_two_hours: str
) -> None:
    in_utc = client.get(
        f"/api/cases/{case_over_two_hours}",
        params={"as_of": "2026-03-02T11:00:00Z"},
        headers=callers["lsa"].auth,
    ).json()
    in_kyiv = client.get(
        f"/api/cases/{case_over_two_hours}",
        params={"as_of": "2026-03-02T13:00:00+02:00"},
        headers=callers["lsa"].auth,
    ).json()

    assert in_kyiv["version"] == in_utc["version"] == 3


def test_the_present_is_unchanged_by_reading_the_past(
    client: TestClient, callers: Callers, case_over_two_hours: str
) -> None:
    client.get(f"/api/cases/{case_over_two_hours}?version=1", headers=callers["lsa"].auth)

    now = client.get(f"/api/cases/{case_over_two_hours}", headers=callers["lsa"].auth).json()

    assert (now["state"], now["version"]) == ("application_registered", 3)


def test_version_and_as_of_together_are_refused(client: TestClient, callers: Callers) -> None:
    case_id, _ = case_in(client, callers, "screened")

    response = client.get(
        f"/api/cases/{case_id}",
        params={"version": 1, "as_of": "2026-03-02T10:00:00Z"},
        headers=callers["lsa"].auth,
    )

    body = assert_problem(response, 422, "validation")
    assert body["errors"] == [
        {"path": "query", "message": "give version or as_of, not both", "code": "invalid"}
    ]


@pytest.mark.parametrize("version", [0, 3, 2**31])
def test_a_version_the_case_never_had_is_refused(
    client: TestClient, callers: Callers, version: int
) -> None:
    case_id, current = case_in(client, callers, "screened")
    assert current == 2

    response = client.get(f"/api/cases/{case_id}?version={version}", headers=callers["lsa"].auth)

    body = assert_problem(response, 422, "validation")
    assert [e["path"].rsplit(".")[-1] for e in body["errors"]] == ["version"]


def test_as_of_before_the_case_existed_is_not_found(client: TestClient, callers: Callers) -> None:
    case_id, _ = case_in(client, callers, "screened")

    response = client.get(
        f"/api/cases/{case_id}",
        params={"as_of": (START - timedelta(seconds=1)).isoformat()},
        headers=callers["lsa"].auth,
    )

    assert_problem(response, 404, "not-found")


def test_as_of_without_a_time_zone_is_refused(client: TestClient, callers: Callers) -> None:
    case_id, _ = case_in(client, callers, "screened")

    response = client.get(
        f"/api/cases/{case_id}",
        params={"as_of": "2026-03-02T10:00:00"},
        headers=callers["lsa"].auth,
    )

    body = assert_problem(response, 422, "validation")
    assert [e["path"] for e in body["errors"]] == ["query.as_of"]
