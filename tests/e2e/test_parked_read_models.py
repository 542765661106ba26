"""A poison event in the log (a referral whose stored agency holds a NUL, as an event written
before the API refused one can): the read models park it and go on, and the parked count and
the lag show in /api/projections, /metrics and the read-model page, in both languages."""

from __future__ import annotations

from uuid import UUID

import orjson
import psycopg
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from psycopg import sql
from pydantic import SecretStr

from referral_engine.bootstrap import Runtime
from referral_engine.config import Settings
from tests.e2e.conftest import Callers, case_in, send_referral
from tests.e2e.pages import sign_in

SCRAPER_TOKEN = "scraper-token-for-tests-0123456789"


@pytest.fixture
def pg_settings(pg_settings: Settings) -> Settings:
    return pg_settings.model_copy(update={"metrics_token": SecretStr(SCRAPER_TOKEN)})


def a_nul_in_a_stored_referral(client: TestClient, callers: Callers, runtime: Runtime) -> None:
    """A referral sent through the API, its stored agency then given a NUL by raw SQL."""
    case_id, version = case_in(client, callers, "application_registered")
    sent = send_referral(client, callers["lsa"], case_id, version, agency="shelter-kyiv")
    assert sent.status_code == 201, sent.text
    events = sql.Identifier(runtime.settings.database_schema, "cases_events")
    where = sql.SQL(" where originator_id = %s and originator_version = %s")
    key = [UUID(case_id), sent.json()["version"]]
    with psycopg.connect(runtime.database_url) as conn:
        (state,) = conn.execute(
            sql.SQL("select state from {}").format(events) + where, key
        ).fetchone()  # type: ignore[misc]
        d = orjson.loads(state)
        d["data"]["agency"] = "shelter\x00kyiv"
        if "agency" in d:
            d["agency"] = "shelter\x00kyiv"
        conn.execute(
            sql.SQL("update {} set state = %s").format(events) + where, [orjson.dumps(d), *key]
        )


def statuses(client: TestClient, callers: Callers) -> dict[str, dict[str, object]]:
    listed = client.get("/api/projections", headers=callers["analyst"].auth)
    assert listed.status_code == 200, listed.text
    return {s["name"]: s for s in listed.json()}


def test_the_api_shows_a_read_model_behind_as_stale_then_its_parked_event(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    a_nul_in_a_stored_referral(client, callers, pg_runtime)
    behind = statuses(client, callers)["referrals"]
    assert behind["stale"] is True and behind["lag_events"] > 0 and behind["parked"] == 0

    pg_runtime.projections.catch_up()

    now = statuses(client, callers)
    assert (now["referrals"]["parked"], now["referrals"]["stale"]) == (1, False)
    assert (
        now["referrals"]["lag_events"] == 0
        and now["referrals"]["position"] == now["referrals"]["head"]
    )
    # the queue folds the agencies a case is shared with (need-to-know): it parks it too
    assert (now["case_queue"]["parked"], now["case_queue"]["stale"]) == (1, False)


def test_metrics_show_parked_events_and_lag_per_read_model(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    a_nul_in_a_stored_referral(client, callers, pg_runtime)
    pg_runtime.projections.catch_up(["referrals"])

    response = client.get("/metrics", headers={"Authorization": f"Bearer {SCRAPER_TOKEN}"})

    assert response.status_code == 200, response.text
    found = {
        (s.name, s.labels.get("read_model")): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }
    assert found[("referral_engine_read_model_parked_events", "referrals")] == 1
    assert found[("referral_engine_read_model_lag_events", "referrals")] == 0
    assert found[("referral_engine_read_model_lag_events", "case_queue")] > 0
    assert found[("referral_engine_read_model_lag_seconds", "case_queue")] >= 0
    assert found[("referral_engine_read_model_stale", "case_queue")] == 1
    assert found[("referral_engine_read_model_stale", "referrals")] == 0


def test_the_read_model_page_shows_parked_events_and_lag_in_both_languages(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    a_nul_in_a_stored_referral(client, callers, pg_runtime)
    pg_runtime.projections.catch_up(["referrals"])
    sign_in(client, callers["analyst"].token)

    english = client.get("/projections/rows").text
    client.get("/lang/uk?next=/")
    ukrainian = client.get("/projections").text

    referrals = english.split("referrals", 1)[1].split("</tr>", 1)[0]
    assert "1 event set aside" in referrals
    queue = english.split("case_queue", 1)[1].split("</tr>", 1)[0]
    assert "behind" in queue and "0 events set aside" not in queue
    assert "1 подію відкладено" in ukrainian and "відстає" in ukrainian
    assert "DataError" not in english + ukrainian  # no internal codes on the page
