"""Duplicate alerts over HTTP: the opener told that a possible match exists and where (the other
case only where they reach it), `GET /api/person-alerts` for supervisors of either region (403
for others), link / dismiss / unlink with their statuses and audit entries."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from fastapi.testclient import TestClient

from referral_engine.bootstrap import Runtime
from tests.e2e.conftest import KYIV, Callers, assert_problem, open_case

KHARKIV = "UA-63"
OLENA = {"person_name": "Олена Шевченко", "date_of_birth": "1995-04-12"}


def alerts(client: TestClient, caller: Any, state: str = "open") -> Any:
    return client.get("/api/person-alerts", params={"state": state}, headers=caller.auth)


def test_the_opener_learns_the_region_and_both_supervisors_decide(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    callers.add(pg_runtime, "kharkiv-screener", "nrm_actor", "ngo-synthetic", [KHARKIV])
    callers.add(pg_runtime, "kharkiv-sup", "supervisor", "lsa-kharkivska", [KHARKIV])
    callers.add(pg_runtime, "lviv-sup", "supervisor", "lsa-lvivska", ["UA-46"])
    first = open_case(client, callers["kharkiv-screener"], KHARKIV, **OLENA)
    assert first["duplicate_check"] == "done" and first["possible_duplicates"] == []
    pg_runtime.projections.catch_up()
    second = open_case(
        client, callers["screener"], person_name="Olena Shevchenko", date_of_birth="1995-04-12"
    )
    # the Kyiv screener learns the region, not the Kharkiv case
    assert second["possible_duplicates"] == [{"region": KHARKIV, "case_id": None}]
    pg_runtime.projections.catch_up()
    for name, mine, theirs in (("supervisor", second, first), ("kharkiv-sup", first, second)):
        response = alerts(client, callers[name])
        assert response.status_code == 200, response.text
        [alert] = response.json()["items"]
        sides = {s["region"]: s["case_id"] for s in (alert["raised_on"], alert["other"])}
        assert sides[mine["region"]] == mine["id"] and sides[theirs["region"]] is None
        assert alert["may_act"] and alert["state"] == "open"
    assert alerts(client, callers["lviv-sup"]).json()["items"] == []
    for name in ("lsa", "analyst", "admin"):
        assert_problem(alerts(client, callers[name]), 403, "forbidden")

    pair = f"/api/person-alerts/{second['id']}/{first['id']}"
    refused = client.post(
        f"{pair}/link", json={"reason": "similar"}, headers=callers["supervisor"].auth
    )
    assert_problem(refused, 422, "validation")
    outsider = client.post(
        f"{pair}/link", json={"reason": "same_document"}, headers=callers["lviv-sup"].auth
    )
    assert_problem(outsider, 404, "person-alert-not-found")
    linked = client.post(
        f"{pair}/link", json={"reason": "same_document"}, headers=callers["supervisor"].auth
    )
    assert linked.status_code == 200 and linked.json() == {"state": "linked"}
    stale = client.post(
        f"{pair}/dismiss", json={"reason": "different_persons"}, headers=callers["kharkiv-sup"].auth
    )
    assert_problem(stale, 409, "person-alert-closed")
    undone = client.post(f"{pair}/unlink", headers=callers["kharkiv-sup"].auth)
    assert undone.status_code == 200 and undone.json() == {"state": "unlinked"}
    pg_runtime.projections.catch_up()
    states = [a["state"] for a in alerts(client, callers["supervisor"], "all").json()["items"]]
    assert states == ["unlinked"]

    entries = client.get("/api/audit", headers=callers["admin"].auth).json()
    done = [
        (e["action"], e["status"], e["region"])
        for e in entries
        if e["action"].startswith("person.")
    ]
    assert ("person.link", 200, KYIV) in done and ("person.unlink", 200, KHARKIV) in done
    assert any(a == "person.dismiss" and s == 409 for a, s, _ in done)
    assert "Shevchenko" not in str(entries) and "Шевченко" not in str(entries)


def test_a_decision_shows_neither_side_the_other_case_outside_its_regions(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    """The pair events recorded on both cases (and their correlation) name no case id: a
    Kharkiv caseworker reading their case's history after a Kyiv supervisor's link, dismissal
    or undo must not learn which Kyiv case it was."""
    callers.add(pg_runtime, "kharkiv-screener", "nrm_actor", "ngo-synthetic", [KHARKIV])
    callers.add(pg_runtime, "kharkiv-lsa", "lsa_official", "lsa-kharkivska", [KHARKIV])
    theirs = open_case(client, callers["kharkiv-screener"], KHARKIV, **OLENA)
    pg_runtime.projections.catch_up()
    mine = open_case(client, callers["screener"], **OLENA)
    pair = f"/api/person-alerts/{mine['id']}/{theirs['id']}"
    sup = callers["supervisor"].auth
    assert client.post(f"{pair}/link", json={"reason": "same_details"}, headers=sup).is_success
    assert client.post(f"{pair}/unlink", headers=sup).is_success
    for name in ("kharkiv-screener", "kharkiv-lsa"):
        told = client.get(f"/api/cases/{theirs['id']}/history", headers=callers[name].auth)
        assert told.status_code == 200, told.text
        assert {"PersonLinked", "PersonUnlinked"} <= {e["event"] for e in told.json()}
        assert mine["id"] not in told.text, name
    seen = client.get(f"/api/cases/{mine['id']}/history", headers=callers["lsa"].auth)
    assert theirs["id"] not in seen.text


def test_a_pair_with_an_unknown_case_is_refused_like_one_outside_the_regions(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    """A supervisor cannot tell, from the refusal, whether a case outside their regions
    exists: a pair naming a case that does not exist is as unknown as one nobody alerted."""
    callers.add(pg_runtime, "lviv-sup", "supervisor", "lsa-lvivska", ["UA-46"])
    existing = open_case(client, callers["screener"], **OLENA)["id"]
    lviv = callers["lviv-sup"].auth
    body = {"reason": "same_document"}
    for first, second in ((existing, uuid4()), (uuid4(), existing), (uuid4(), uuid4())):
        refused = client.post(f"/api/person-alerts/{first}/{second}/link", json=body, headers=lviv)
        assert_problem(refused, 404, "person-alert-not-found")
