"""Webhooks and the event feed over HTTP: admins subscribe (bad input a 422 naming the field,
others a 403), list without secrets, read deliveries, send them again and end subscriptions,
each audited; `GET /api/events` pages through what the caller may see."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from referral_engine.bootstrap import Runtime, build
from referral_engine.config import Settings
from referral_engine.domain.commands import Actor
from tests.e2e.conftest import Callers, assert_problem, case_in, open_case, send_referral
from tests.factories import FixedClock, with_synthetic_agencies
from tests.webhook_receiver import Receiver

NAME = "Synthetic Feedperson Qzxv"
ADMIN = Actor("admin", "admin", "it")


@pytest.fixture
def pg_runtime(pg_settings: Settings, clock: FixedClock) -> Iterator[Runtime]:
    """The e2e runtime, parking a delivery after its first failed attempt."""
    with build(pg_settings.model_copy(update={"webhook_attempts": 1}), clock=clock) as runtime:
        with_synthetic_agencies(runtime.engine)
        yield runtime


def subscribe(client: TestClient, callers: Callers, **body: Any) -> Any:
    return client.post("/api/webhooks", json=body, headers=callers["admin"].auth)


def test_an_admin_subscribes_reads_deliveries_sends_them_again_and_ends_it(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    hook = {"url": "https://a.example"}
    shelter_hook = {**hook, "kind": "agency", "name": "shelter-kyiv"}
    portal_hook = {**hook, "kind": "integration", "name": "portal"}
    refused: dict[str, dict[str, Any]] = {
        "name": {**shelter_hook, "name": "shelter-kiev", "role": "service_provider"},
        "url": {**portal_hook, "url": "https://u:p@a.example"},
        "events[0]": {**portal_hook, "events": ["ReferalSent"]},
        "secret": {**portal_hook, "secret": "whsec_x"},
        "role": {**shelter_hook, "role": "analyst"},
        "regions": {**shelter_hook, "role": "service_provider", "regions": ["UA-51"]},
    }
    for path, body in refused.items():
        problem = assert_problem(subscribe(client, callers, **body), 422, "validation")
        assert problem["errors"][0]["path"] == path, problem
    as_lsa = client.post("/api/webhooks", json={}, headers=callers["lsa"].auth)
    assert_problem(as_lsa, 403, "forbidden")

    with Receiver(fail_always=True) as down:
        created = subscribe(
            client, callers, **{**shelter_hook, "url": down.url}, role="service_provider"
        )
        assert created.status_code == 201, created.text
        shelter = created.json()
        assert shelter["secret"].startswith("whsec_")
        assert shelter["regions"] == ["UA-30", "UA-32", "UA-46"]  # the regions it serves
        assert created.headers["Location"] == f"/api/webhooks/{shelter['id']}"
        given = "whsec_" + "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3"
        portal = subscribe(client, callers, **{**portal_hook, "url": down.url}, secret=given)
        assert portal.json()["secret"] == given
        rotate = f"/api/webhooks/{shelter['id']}/secret"
        rotated = client.post(rotate, json={}, headers=callers["admin"].auth)
        assert rotated.status_code == 200, rotated.text
        assert rotated.json()["secret"] not in ("", shelter["secret"])
        assert rotated.json()["previous_secret_until"] is not None
        bad = client.post(rotate, json={"secret": "whsec_x"}, headers=callers["admin"].auth)
        assert assert_problem(bad, 422, "validation")["errors"][0]["path"] == "secret"
        assert_problem(client.post(rotate, json={}, headers=callers["lsa"].auth), 403, "forbidden")
        listed = client.get("/api/webhooks", headers=callers["admin"].auth).json()
        assert sorted(s["name"] for s in listed) == ["portal", "shelter-kyiv"]  # created at once
        assert all("secret" not in s for s in listed)

        case_id, version = case_in(client, callers, "application_registered")
        assert send_referral(client, callers["lsa"], case_id, version).status_code == 201
        worker = pg_runtime.webhook_worker()
        worker.round()  # fan out, one attempt each: refused, parked
        worker.sender.close()
    hooks = f"/api/webhooks/{shelter['id']}"
    admin = callers["admin"].auth
    parked = client.get(f"{hooks}/deliveries?state=parked", headers=admin).json()
    assert [d["event_type"] for d in parked] == ["ReferralSent"]
    assert parked[0]["last_status"] == 500, parked[0]["last_error"]
    assert parked[0]["next_attempt_at"] is None
    listed = {s["name"]: s for s in client.get("/api/webhooks", headers=admin).json()}
    counts = listed["shelter-kyiv"]["deliveries"]
    assert counts == {"parked": 1, "not_shown": version}  # the case's other events: not its own

    again = client.post(f"{hooks}/redeliver", json={"delivery": parked[0]["id"]}, headers=admin)
    assert (again.status_code, again.json()) == (202, {"redelivered": 1})
    assert client.get(f"{hooks}/deliveries?state=pending", headers=admin).json()[0]["attempts"] == 0
    none_parked = client.post(f"{hooks}/redeliver", json={}, headers=admin)
    assert none_parked.json() == {"redelivered": 0}
    unknown = client.post(f"{hooks}/redeliver", json={"delivery": "msg_0"}, headers=admin)
    assert_problem(unknown, 404, "not-found")

    ended = client.delete(hooks, headers=admin)
    assert ended.status_code == 200 and ended.json()["ended_at"], ended.text
    assert client.delete(hooks, headers=admin).json()["ended_at"] == ended.json()["ended_at"]
    assert_problem(client.post(f"{hooks}/redeliver", json={}, headers=admin), 422, "validation")
    missing = "/api/webhooks/00000000-0000-4000-8000-000000000000"
    assert_problem(client.delete(missing, headers=admin), 404, "not-found")
    actions = [e.action for e in pg_runtime.audit.query(user_name="admin")]
    for action in ("subscribe", "rotate-secret", "redeliver", "end"):
        assert f"webhook.{action}" in actions


def feed(client: TestClient, caller: str, callers: Callers, **params: Any) -> Any:
    response = client.get("/api/events", params=params, headers=callers[caller].auth)
    assert response.status_code == 200, response.text
    return response.json()


def test_the_feed_pages_through_what_the_caller_may_see(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    case = open_case(client, callers["screener"], person_name=NAME)
    case_id, version = case_in(client, callers, "application_registered")
    sent = send_referral(client, callers["lsa"], case_id, version)
    assert sent.status_code == 201, sent.text

    seen, after = [], 0
    while page := feed(client, "lsa", callers, after=after, limit=2)["events"]:
        assert len(page) <= 2
        seen += page
        after = page[-1]["data"]["position"]
    assert [e["data"]["position"] for e in seen] == list(range(1, version + 3))
    assert seen[0]["data"]["case"]["id"] == case["id"]
    assert seen[0]["data"]["fields"]["person_name"] == NAME
    reads = [e for e in pg_runtime.audit.query(user_name="lsa") if e.action == "events.read"]
    pages = [e for e in reads if e.case_id is None]
    assert len(pages) == -(-len(seen) // 2) + 1  # each page, the last one empty
    assert "person_name" in pages[0].detail["personal_fields"]  # what the first page showed
    # and filed under the case whose personal data it showed, with the case's other reads
    (read,) = [e for e in pg_runtime.audit.query(case_id=case["id"]) if e.action == "events.read"]
    assert (read.user_name, read.region) == ("lsa", "UA-32")
    assert "person_name" in read.detail["personal_fields"]

    shelter = feed(client, "shelter", callers)
    assert [e["type"] for e in shelter["events"]] == ["ReferralSent"]
    assert NAME not in str(shelter) and shelter["next"] == version + 2
    clinic = feed(client, "clinic", callers, limit=1)
    assert clinic == {"events": [], "next": version + 2}  # past what it may not see
    assert_problem(client.get("/api/events", headers=callers["analyst"].auth), 403, "forbidden")
    for bad in ({"limit": 0}, {"limit": 501}, {"after": -1}, {"after": "x"}):
        response = client.get("/api/events", params=bad, headers=callers["lsa"].auth)
        assert_problem(response, 422, "validation")
