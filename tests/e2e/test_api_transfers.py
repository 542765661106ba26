"""A case transferred Kharkivska -> Kyivska through the API: the receiving LSA sees the waiting
request and answers it; afterwards Kharkivska's users get 404 (the audit keeps their earlier
reads), the deadlines keep their due dates, the history shows the transfer, and the reports
count what happened before in Kharkivska and what happened after in Kyivska. And assignment:
a supervisor assigns, a caseworker takes a case, the queue's "my cases"."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from referral_engine.bootstrap import Runtime
from tests.e2e.conftest import (
    KYIV,
    Caller,
    Callers,
    assert_problem,
    history,
    open_case,
    take_step,
)

KHARKIV = "UA-63"


def kharkiv_callers(runtime: Runtime, callers: Callers) -> dict[str, Caller]:
    return {
        "screener": callers.add(runtime, "kh-screener", "nrm_actor", "ngo-kharkiv", [KHARKIV]),
        "lsa": callers.add(runtime, "kh-lsa", "lsa_official", "lsa-kharkivska", [KHARKIV]),
        "supervisor": callers.add(runtime, "kh-sup", "supervisor", "lsa-kharkivska", [KHARKIV]),
    }


def walked(client: TestClient, caller: Caller, case_id: str, version: int, *steps: str) -> int:
    for trigger in steps:
        response = take_step(client, caller, case_id, trigger, version)
        assert response.status_code == 200, response.text
        version = response.json()["version"]
    return int(version)


def post(client: TestClient, caller: Caller, path: str, body: dict[str, Any]) -> Any:
    return client.post(path, json=body, headers=caller.auth)


def test_a_transfer_kharkivska_to_kyivska_accepted(
    pg_runtime: Runtime, client: TestClient, callers: Callers
) -> None:
    kh = kharkiv_callers(pg_runtime, callers)
    kyiv_lsa, statistician = callers["lsa"], callers["statistician"]
    case = open_case(client, kh["screener"], region=KHARKIV)
    case_id = case["id"]
    steps = ("record_consent", "register_application")  # the interview's deadline runs
    version = walked(client, kh["lsa"], case_id, case["version"], *steps)
    before = client.get(f"/api/cases/{case_id}", headers=kh["lsa"].auth)
    assert before.status_code == 200
    deadlines = before.json()["deadlines"]

    # the Kyivska LSA does not see the case yet; a same-region transfer is refused
    assert client.get(f"/api/cases/{case_id}", headers=kyiv_lsa.auth).status_code == 404
    same = {"region": KHARKIV, "reason": "person_moved", "expected_version": version}
    problem = assert_problem(
        post(client, kh["lsa"], f"/api/cases/{case_id}/transfers", same), 422, "validation"
    )
    assert problem["errors"][0]["path"] == "region"
    asked = post(
        client,
        kh["lsa"],
        f"/api/cases/{case_id}/transfers",
        {**same, "region": KYIV, "note": "Moved in with her sister (synthetic)."},
    )
    assert asked.status_code == 201, asked.text
    again = post(
        client,
        kh["lsa"],
        f"/api/cases/{case_id}/transfers",
        {**same, "region": KYIV, "expected_version": asked.json()["version"]},
    )
    assert assert_problem(again, 409, "transfer-not-possible")["reason"] == "pending"

    # the receiving LSA finds it waiting, reads it, but works on it only once accepted
    pg_runtime.projections.catch_up()
    waiting = client.get("/api/transfers", headers=kyiv_lsa.auth).json()
    assert [(w["case_id"], w["region"], w["transfer_to"]) for w in waiting] == [
        (case_id, KHARKIV, KYIV)
    ]
    assert client.get("/api/transfers", headers=kh["lsa"].auth).json() == []
    seen = client.get(f"/api/cases/{case_id}", headers=kyiv_lsa.auth).json()
    assert seen["region"] == KHARKIV and seen["transfer"]["to_region"] == KYIV
    assert seen["allowed_steps"] == []
    early = take_step(client, kyiv_lsa, case_id, "conduct_interview", seen["version"])
    assert assert_problem(early, 409, "transfer-not-possible")["reason"] == "receiving"
    refused = post(
        client,
        callers["decider"],
        f"/api/cases/{case_id}/transfers/accept",
        {"expected_version": seen["version"]},
    )
    assert_problem(refused, 404, "not-found")  # a Kyivska role that does not answer transfers

    accepted = post(
        client,
        kyiv_lsa,
        f"/api/cases/{case_id}/transfers/accept",
        {"expected_version": seen["version"]},
    )
    assert accepted.status_code == 200, accepted.text

    # Kharkivska's users lose the case; the audit keeps what they read before
    for path in ("", "/history"):
        assert_problem(
            client.get(f"/api/cases/{case_id}{path}", headers=kh["lsa"].auth), 404, "not-found"
        )
    pg_runtime.projections.catch_up()
    listed = client.get("/api/cases", headers=kh["lsa"].auth).json()["items"]
    assert case_id not in [i["case_id"] for i in listed]
    reads = pg_runtime.audit.query(case_id=case_id, user_name="kh-lsa")
    assert any(e.action == "case.read" and e.status == 200 for e in reads)
    assert any(e.action == "case.read" and e.status == 404 for e in reads)

    # Kyivska works it now: same deadlines, the history says what happened
    now = client.get(f"/api/cases/{case_id}", headers=kyiv_lsa.auth).json()
    assert (now["region"], now["transfer"]) == (KYIV, None)
    assert now["deadlines"] == deadlines
    told = history(client, kyiv_lsa, case_id)
    moved = [h for h in told if h["event"].startswith("Transfer")]
    assert [h["event"] for h in moved] == ["TransferRequested", "TransferAccepted"]
    assert moved[0]["data"]["reason"] == "person_moved"
    assert moved[0]["data"]["transfer_note"] == "Moved in with her sister (synthetic)."
    assert moved[1]["data"] == {"from_region": KHARKIV, "to_region": KYIV}
    analyst_view = history(client, callers["supervisor"], case_id)  # a supervisor of Kyivska
    assert any(h["event"] == "TransferAccepted" for h in analyst_view)

    steps = ("conduct_interview", "request_verification")
    version = walked(client, kyiv_lsa, case_id, now["version"], *steps)
    version = walked(client, callers["police"], case_id, version, "record_verification")
    version = walked(client, kyiv_lsa, case_id, version, "identify_victim")
    walked(client, callers["decider"], case_id, version, "grant_status")
    pg_runtime.projections.catch_up()
    figures = client.get(
        "/api/reports/status",
        params={"from": "2026-01-01", "to": "2026-12-31", "by": "region"},
        headers=statistician.auth,
    ).json()
    by_measure = {
        t["measure"]: {f["row"]: f["value"] for f in t["figures"]} for t in figures["tables"]
    }
    assert by_measure["applications"].get(KHARKIV) == 1 and not by_measure["applications"].get(KYIV)
    assert by_measure["granted"].get(KYIV) == 1 and not by_measure["granted"].get(KHARKIV)


def test_assignment_and_my_cases(pg_runtime: Runtime, client: TestClient, callers: Callers) -> None:
    lsa, supervisor = callers["lsa"], callers["supervisor"]
    other = callers.add(pg_runtime, "lsa-2", "lsa_official", "lsa-kyivska", [KYIV])
    case = open_case(client, callers["screener"])
    path = f"/api/cases/{case['id']}/assignment"
    unknown = post(
        client, supervisor, path, {"user": "nobody", "expected_version": case["version"]}
    )
    assert assert_problem(unknown, 422, "assignee-unsuitable")["errors"][0]["path"] == "user"
    elsewhere = post(
        client, supervisor, path, {"user": "lviv-lsa", "expected_version": case["version"]}
    )
    assert_problem(elsewhere, 422, "assignee-unsuitable")
    assigned = post(client, supervisor, path, {"user": "lsa", "expected_version": case["version"]})
    assert assigned.status_code == 200, assigned.text
    version = assigned.json()["version"]
    taken = post(client, other, path, {"user": "lsa-2", "expected_version": version})
    assert assert_problem(taken, 409, "assignment-refused")["reason"] == "taken"
    pg_runtime.projections.catch_up()
    mine = client.get("/api/cases", params={"mine": "true"}, headers=lsa.auth).json()["items"]
    assert [(i["case_id"], i["assigned_to"]) for i in mine] == [(case["id"], "lsa")]
    assert (
        client.get("/api/cases", params={"mine": "true"}, headers=other.auth).json()["items"] == []
    )
    back = post(client, lsa, path, {"user": None, "expected_version": version})
    assert back.status_code == 200, back.text
    took = post(client, other, path, {"user": "lsa-2", "expected_version": back.json()["version"]})
    assert took.status_code == 200, took.text
    assert client.get(f"/api/cases/{case['id']}", headers=lsa.auth).json()["assigned_to"] == "lsa-2"


def test_a_refused_transfer_leaves_what_was_asked_out_of_the_audit(
    pg_runtime: Runtime, client: TestClient, callers: Callers
) -> None:
    """A refusal's audit entry does not keep the unchecked text of the request (a region or a
    reason is any text until the engine checks it); an accepted request's entry names both."""
    kh = kharkiv_callers(pg_runtime, callers)
    case = open_case(client, kh["screener"], region=KHARKIV)
    typed = "Olena Shevchenko lives at 5 Synthetic St"
    path, version = f"/api/cases/{case['id']}/transfers", case["version"]
    refused = post(client, kh["lsa"], path,
                   {"region": KYIV, "reason": typed, "expected_version": version})  # fmt: skip
    assert refused.status_code == 422, refused.text
    body = {"region": KYIV, "reason": "person_moved", "expected_version": version}
    asked = post(client, kh["lsa"], path, body)
    assert asked.status_code == 201, asked.text
    entries = pg_runtime.audit.query(case_id=case["id"], user_name="kh-lsa")
    transfers = [e for e in entries if e.action == "case.transfer"]
    assert [e.status for e in transfers] == [422, 201]
    assert typed not in str(transfers) and transfers[0].detail in (None, {})
    assert transfers[1].detail == {"to_region": KYIV, "reason": "person_moved"}
