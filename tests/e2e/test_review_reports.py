"""Review of #15 (branch review): defects found in the official statistics, each shown by a
test that fails until it is fixed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from referral_engine.bootstrap import Runtime
from referral_engine.domain.commands import Actor
from tests.e2e.conftest import Callers
from tests.e2e.test_api_reports import figures_of, get, plant
from tests.factories import FixedClock, step

OPERATOR = Actor("operator", "admin", "it")


def _publish(client: TestClient, callers: Callers) -> dict[str, object]:
    period = {"start": "2025-01-01", "end": "2025-12-31", "by": ["region"]}
    published = client.post(
        "/api/reports/status/publications", json=period, headers=callers["statistician"].auth
    )
    assert published.status_code == 201, published.text
    body: dict[str, object] = published.json()
    return body


def test_revisions_do_not_give_analysts_single_events(
    pg_runtime: Runtime, clock: FixedClock, client: TestClient, callers: Callers
) -> None:
    """An analyst (protected figures only) reads a publication's revisions: every event recorded
    since, one by one, with its kind, day, recording time and region - microdata a k-threshold
    is meant to keep from them (a single 'granted' on a day in a region singles a person out)."""
    planted = plant(pg_runtime, clock)
    publication = _publish(client, callers)
    pending = next(p for p in planted if p.outcome is None and p.applied_on.year == 2025)
    clock.advance(days=1)
    step(
        pg_runtime.engine,
        pending.case_id,
        "grant_status",
        occurred_at=datetime(2025, 12, 30, 12, tzinfo=UTC),
    )
    pg_runtime.projections.catch_up()
    response = client.get(
        f"/api/publications/{publication['id']}/revisions", headers=callers["analyst"].auth
    )
    if response.status_code == 200:
        single = [
            e
            for e in response.json()["recorded_later"]
            if e["kind"] == "granted" and e["region"] == pending.region
        ]
        assert not single, f"analyst reads single events: {single}"


def test_a_publication_reproduces_after_an_erasure_and_a_rebuild(
    pg_runtime: Runtime, clock: FixedClock, client: TestClient, callers: Callers
) -> None:
    planted = plant(pg_runtime, clock)
    publication = _publish(client, callers)
    erased = next(p for p in planted if p.applied_on.year == 2025)
    pg_runtime.engine.erase_personal_data(erased.case_id, "Art. 17 request", actor=OPERATOR)
    pg_runtime.projections.catch_up()
    url = f"/api/publications/{publication['id']}"
    after_erasure = client.get(url, headers=callers["statistician"].auth)
    assert after_erasure.status_code == 200, after_erasure.text
    pg_runtime.projections.rebuild("statistics")
    after_rebuild = client.get(url, headers=callers["statistician"].auth)
    assert after_rebuild.status_code == 200, after_rebuild.text
    assert after_rebuild.json()["digest"] == publication["digest"]


def test_overlapping_whole_month_periods_do_not_give_back_a_hidden_count(
    pg_runtime: Runtime, clock: FixedClock, client: TestClient, callers: Callers
) -> None:
    """Two protected reads of months M..N and M+1..N: their difference is month M's figure,
    which the read of month M alone hides."""
    plant(pg_runtime, clock)
    analyst = callers["analyst"]
    recovered = []
    for year in (2023, 2024, 2025):
        for month in range(2, 11):
            end = f"{year}-12-31"
            wide = figures_of(
                get(client, analyst, **{"from": f"{year}-{month:02}-01", "to": end}).json()
            )
            narrow = figures_of(
                get(client, analyst, **{"from": f"{year}-{month + 1:02}-01", "to": end}).json()
            )
            alone = figures_of(
                get(
                    client,
                    analyst,
                    **{"from": f"{year}-{month:02}-01", "to": f"{year}-{month:02}-28"},
                ).json()
            )
            for measure, cells in alone.items():
                if measure.endswith("_at_end"):
                    continue
                hidden = cells.get(()) is None
                a, b = wide[measure].get(()), narrow[measure].get(())
                if hidden and a is not None and b is not None:
                    recovered.append((year, month, measure, a - b))
    assert not recovered, f"hidden monthly national totals recovered: {recovered[:5]}"


@pytest.mark.parametrize(
    "params",
    [
        {"as_of": "0001-01-01T00:00:00+14:00"},
        {"as_of": "0001-01-01T00:00:00-14:00"},
        {"from": "0001-01-01", "to": "9999-12-31"},
        {"to": "9999-12-31"},
        {"from": "0001-01-01", "to": "0001-01-31", "as_of": "0001-01-01T00:00:00Z"},
    ],
)
def test_odd_dates_and_moments_are_never_a_500(
    client: TestClient, callers: Callers, params: dict[str, str]
) -> None:
    for who in ("analyst", "statistician"):
        response = client.get(
            "/api/reports/status", params={**params, "by": "sex"}, headers=callers[who].auth
        )
        assert response.status_code in (200, 422), (who, response.status_code, response.text)


def test_revisions_name_only_profile_changes_in_the_publications_region(
    pg_runtime: Runtime, clock: FixedClock, client: TestClient, callers: Callers
) -> None:
    """The revisions query filters occurrences by the publication's period and region, but lists
    every profile change of every case recorded before it, from any region and any year."""
    planted = plant(pg_runtime, clock)
    period = {"start": "2025-01-01", "end": "2025-12-31", "by": ["sex"], "region": "UA-32"}
    statistician = callers["statistician"]
    published = client.post(
        "/api/reports/status/publications", json=period, headers=statistician.auth
    )
    assert published.status_code == 201, published.text
    other = next(p for p in planted if p.region != "UA-32" and p.applied_on.year == 2023)
    clock.advance(hours=1)
    sex = "male" if other.sex == "female" else "female"
    step(pg_runtime.engine, other.case_id, "record_reportable_facts", data={"sex": sex})
    pg_runtime.projections.catch_up()
    revisions = client.get(
        f"/api/publications/{published.json()['id']}/revisions", headers=statistician.auth
    ).json()
    assert [e for e in revisions["recorded_later"] if e["region"] != "UA-32"] == []
