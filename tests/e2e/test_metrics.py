"""/metrics: served only to the configured scraper (token and/or address), and never a count
below the disclosure threshold k. Counters are process-wide, so each test measures what it adds
once the series it reads has reached k."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from referral_engine.bootstrap import Runtime, build
from referral_engine.config import Settings
from referral_engine.entrypoints.asgi import create_app
from tests.e2e.conftest import Callers, assert_problem, case_in, open_case, take_step
from tests.factories import FixedClock

SCRAPER_TOKEN = "scraper-token-for-tests-0123456789"
SCRAPER = {"Authorization": f"Bearer {SCRAPER_TOKEN}"}
K = 5


@pytest.fixture
def pg_settings(pg_settings: Settings) -> Settings:
    """A scraper's token configured (the default is no /metrics at all)."""
    return pg_settings.model_copy(
        update={"metrics_token": SecretStr(SCRAPER_TOKEN), "suppression_k": K}
    )


def samples(
    client: TestClient, headers: dict[str, str] = SCRAPER
) -> list[tuple[str, dict[str, str], float]]:
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return [
        (s.name, s.labels, float(s.value))
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    ]


def sample(client: TestClient, name: str, **labels: str) -> float | None:
    """One sample's value; None when it is not exported (never counted, or withheld below k)."""
    for n, found, value in samples(client):
        if n == name and all(found.get(k) == v for k, v in labels.items()):
            return value
    return None


def test_metrics_are_off_unless_a_scraper_is_configured(
    pg_runtime: Runtime, callers: Callers
) -> None:
    plain = pg_runtime.settings.model_copy(update={"metrics_token": None, "metrics_allow": []})
    pg_runtime.settings = plain
    with TestClient(create_app(pg_runtime), raise_server_exceptions=False) as client:
        assert_problem(client.get("/metrics", headers=callers["admin"].auth), 404, "not-found")
        assert_problem(client.get("/metrics", headers=SCRAPER), 404, "not-found")


def test_only_the_scraper_token_opens_metrics(client: TestClient, callers: Callers) -> None:
    assert_problem(client.get("/metrics"), 404, "not-found")
    assert_problem(client.get("/metrics", headers=callers["admin"].auth), 404, "not-found")
    wrong = {"Authorization": f"Bearer {SCRAPER_TOKEN[:-1]}x"}
    assert_problem(client.get("/metrics", headers=wrong), 404, "not-found")
    assert client.get("/metrics", headers=SCRAPER).status_code == 200


def test_an_address_allow_list_admits_only_its_addresses(
    pg_settings: Settings, clock: FixedClock
) -> None:
    settings = pg_settings.model_copy(
        update={
            "metrics_token": None,
            "metrics_allow": Settings.model_validate(
                {"metrics_allow": "10.0.0.0/8, 192.0.2.7"}
            ).metrics_allow,
        }
    )
    with build(settings, clock=clock) as runtime:
        app = create_app(runtime)
        for address, status in (("10.1.2.3", 200), ("192.0.2.7", 200), ("192.0.2.8", 404)):
            with TestClient(app, client=(address, 40000), raise_server_exceptions=False) as c:
                assert c.get("/metrics").status_code == status, address


def test_both_token_and_address_are_needed_when_both_are_configured(
    pg_settings: Settings, clock: FixedClock
) -> None:
    allow = Settings.model_validate({"metrics_allow": "10.0.0.0/8"}).metrics_allow
    with build(pg_settings.model_copy(update={"metrics_allow": allow}), clock=clock) as runtime:
        app = create_app(runtime)
        with TestClient(app, client=("10.0.0.1", 1), raise_server_exceptions=False) as inside:
            assert inside.get("/metrics").status_code == 404
            assert inside.get("/metrics", headers=SCRAPER).status_code == 200
        with TestClient(app, client=("192.0.2.1", 1), raise_server_exceptions=False) as outside:
            assert outside.get("/metrics", headers=SCRAPER).status_code == 404


def test_no_count_from_1_to_k_minus_1_is_ever_shown(client: TestClient, callers: Callers) -> None:
    route = {"method": "GET", "route": "/api/workflows/{workflow_id}", "status": "404"}
    name = "referral_engine_http_requests_total"
    for _ in range(K):
        client.get("/api/workflows/no-such-workflow", headers=callers["analyst"].auth)
        shown = sample(client, name, **route)
        assert shown is None or shown >= K
        for n, labels, value in samples(client):
            if n.endswith(("_total", "_count")):  # a shown series' latency buckets stay
                assert not 0 < value < K, (n, labels, value)
    assert (sample(client, name, **route) or 0) >= K  # shown once it reached k


def test_commands_are_counted_without_their_trigger(client: TestClient, callers: Callers) -> None:
    for _ in range(K):
        open_case(client, callers["screener"])
    before = sample(client, "referral_engine_commands_total") or 0
    case_in(client, callers, "application_registered")
    assert (sample(client, "referral_engine_commands_total") or 0) >= before + 2
    assert all("trigger" not in labels for _n, labels, _v in samples(client))


def test_requests_are_counted_and_timed_by_route_and_status(
    client: TestClient, callers: Callers
) -> None:
    case_id = open_case(client, callers["screener"])["id"]
    route = {"method": "GET", "route": "/api/cases/{case_id}"}
    for _ in range(K):  # every series read below has reached k
        client.get(f"/api/cases/{case_id}", headers=callers["lsa"].auth)
        client.get(f"/api/cases/{case_id}", headers=callers["lviv-lsa"].auth)
    requests = "referral_engine_http_requests_total"
    timed = "referral_engine_http_request_duration_seconds_count"
    before = (
        sample(client, requests, **route, status="200"),
        sample(client, requests, **route, status="404"),
        sample(client, timed, **route),
    )
    client.get(f"/api/cases/{case_id}", headers=callers["lsa"].auth)
    client.get(f"/api/cases/{case_id}", headers=callers["lviv-lsa"].auth)
    client.get(f"/api/cases/{case_id}", headers=callers["lsa"].auth)
    after = (
        sample(client, requests, **route, status="200"),
        sample(client, requests, **route, status="404"),
        sample(client, timed, **route),
    )
    assert [(a or 0) - (b or 0) for a, b in zip(after, before, strict=True)] == [2, 1, 3]


def test_version_conflicts_are_counted(client: TestClient, callers: Callers) -> None:
    name = "referral_engine_version_conflicts_total"
    case_id, version = case_in(client, callers, "screened")
    for _ in range(K):
        take_step(client, callers["lsa"], case_id, "register_application", version - 1)
    before = sample(client, name) or 0
    take_step(client, callers["lsa"], case_id, "register_application", version - 1)
    assert sample(client, name) == before + 1
