"""Every role of the Ukraine workflow, as a user whose agency has and has not been given the case
(its region, a referral, a verification request, its own screening), over every case route of
the API (read from the OpenAPI document, so a new route joins by itself) and every case page:
only need-to-know reads succeed, everything else looks like a case that does not exist, and no
personal value outside need-to-know appears in any answer."""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient

from referral_engine.bootstrap import Runtime
from referral_engine.entrypoints.asgi import create_app
from referral_engine.entrypoints.web import routes as page_routes
from tests import documents
from tests.e2e.conftest import (
    KYIV,
    LVIV,
    POLICE_UNIT,
    WORKFLOW,
    Callers,
    opening_data,
    send_referral,
    step_data,
    take_step,
    walk,
)
from tests.e2e.pages import csrf_of, sign_in

NAME = "Synthetic Tablename Vqzx"
NARRATIVE = "Synthetic screening story for the table: Zqxv dock"
OTHER_NOTES = "Synthetic notes meant for the migration organisation only: Xqvz"
WHOLE, REFERRED, NONE = "whole", "referred", "none"


@dataclass(frozen=True)
class Who:
    caller: str
    role: str
    sees: str
    """WHOLE: the case per the personal-data readers; REFERRED: only what a referral shares;
    NONE: nothing (404, or the route's own role gate)."""


WHO = [
    Who("lsa", "lsa_official", WHOLE),
    Who("lviv-lsa", "lsa_official", NONE),  # another region
    Who("decider", "decision_maker", WHOLE),
    Who("lviv-decider", "decision_maker", NONE),
    Who("supervisor", "supervisor", WHOLE),
    Who("lviv-supervisor", "supervisor", NONE),
    Who("screener", "nrm_actor", WHOLE),  # its agency screened the person
    Who("hotline", "nrm_actor", NONE),  # an NRM actor of the region that never worked the case
    Who("police", "police", WHOLE),  # asked to verify the file
    Who("other-police", "police", NONE),  # a unit of the region not asked
    Who("shelter", "service_provider", REFERRED),  # the case is referred to it
    Who("clinic", "service_provider", NONE),  # no referral to it
    Who("admin", "admin", WHOLE),
    Who("analyst", "analyst", NONE),
]
EXTRA_USERS = [
    ("lviv-decider", "decision_maker", "msp-lvivska", LVIV),
    ("lviv-supervisor", "supervisor", "lsa-lvivska", LVIV),
    ("hotline", "nrm_actor", "hotline-synthetic", KYIV),
    ("other-police", "police", "police-kyivska-unit-2", KYIV),
]

PAPER_PRINTERS = frozenset({"lsa_official", "decision_maker", "supervisor", "nrm_actor", "police"})
PAPER_ROLES = frozenset(
    {"lsa_official", "decision_maker", "supervisor", "nrm_actor", "police", "service_provider"}
)
"""Notes and documents are personal data: never analysts', statisticians' or admins'."""
# Which role gate each case route has (entrypoints/http/gates.py): a route not listed here fails
# the coverage test below until it is given one.
GATES: dict[tuple[str, str], frozenset[str] | None] = {
    ("GET", "/api/cases"): None,
    ("POST", "/api/cases"): None,
    ("GET", "/api/cases/{case_id}"): None,
    ("GET", "/api/cases/{case_id}/history"): None,
    ("POST", "/api/cases/{case_id}/erase"): frozenset({"admin"}),
    ("GET", "/api/cases/{case_id}/personal-data-reads"): frozenset({"supervisor", "admin"}),
    ("POST", "/api/cases/{case_id}/steps"): None,
    ("POST", "/api/cases/{case_id}/stated-dates"): None,
    ("POST", "/api/cases/{case_id}/referrals"): None,
    ("POST", "/api/cases/{case_id}/referrals/{referral_id}/steps"): None,
    ("POST", "/api/cases/{case_id}/transfers"): None,
    ("POST", "/api/cases/{case_id}/transfers/accept"): None,
    ("POST", "/api/cases/{case_id}/transfers/refuse"): None,
    ("POST", "/api/cases/{case_id}/transfers/withdraw"): None,
    ("POST", "/api/cases/{case_id}/assignment"): None,
    **dict.fromkeys(
        (
            ("GET", "/api/cases/{case_id}/notes"),
            ("POST", "/api/cases/{case_id}/notes"),
            ("GET", "/api/cases/{case_id}/documents"),
            ("POST", "/api/cases/{case_id}/documents"),
            ("GET", "/api/cases/{case_id}/documents/{document_id}"),
            ("POST", "/cases/{case_id}/notes"),
            ("POST", "/cases/{case_id}/documents"),
            ("GET", "/cases/{case_id}/documents/{document_id}"),
        ),
        PAPER_ROLES,
    ),
    ("GET", "/cases"): None,
    ("GET", "/cases/new"): None,
    ("POST", "/cases/new"): None,
    ("GET", "/cases/{case_id}"): None,
    ("GET", "/cases/{case_id}/history"): None,
    ("POST", "/cases/{case_id}/steps"): None,
    ("POST", "/cases/{case_id}/transfers"): None,
    ("POST", "/cases/{case_id}/transfers/answer"): None,
    ("POST", "/cases/{case_id}/transfers/withdraw"): None,
    ("POST", "/cases/{case_id}/assignment"): None,
    # a paper (the summary, below) prints personal data: only the roles that read all it prints
    # and see the whole case (not the service providers, who see only their referrals) get it
    ("GET", "/cases/{case_id}/papers/{paper}"): PAPER_PRINTERS,
    ("GET", "/cases/{case_id}/papers/{paper}.pdf"): PAPER_PRINTERS,
}
LISTS = {("GET", "/api/cases"), ("GET", "/cases")}
WHOLE_ONLY = {
    ("GET", "/api/cases/{case_id}/documents/{document_id}"),
    ("GET", "/cases/{case_id}/documents/{document_id}"),
}
"""Reads a referred agency does not get: a document is no part of what a referral shares (its
lists of notes and documents are empty for it)."""
OPENS = {("POST", "/api/cases"), ("GET", "/cases/new"), ("POST", "/cases/new")}  # no case yet
# commands are sent on a stale version: reaching the case answers 409 (or the role's 403),
# never a change; not reaching it answers 404
STALE = 1


def api_case_routes() -> list[tuple[str, str]]:
    paths = create_app(None).openapi()["paths"]
    return sorted(
        (method.upper(), path)
        for path, methods in paths.items()
        if path.startswith("/api/cases")
        for method in methods
    )


def page_case_routes() -> list[tuple[str, str]]:
    """Every page route under /cases, from the routers of the pages' modules."""
    modules = [
        importlib.import_module(f"{page_routes.__name__}.{info.name}")
        for info in pkgutil.iter_modules(page_routes.__path__)
    ]
    return sorted(
        (method, route.path)
        for module in modules
        for route in getattr(module, "router", APIRouter()).routes
        if getattr(route, "path", "").startswith("/cases")
        for method in getattr(route, "methods", ())
    )


@pytest.fixture
def shared_case(client: TestClient, callers: Callers, pg_runtime: Runtime) -> str:
    """A Kyiv case screened by the NGO, referred to the shelter (r1) and to a migration
    organisation for medical care (r2, with notes), with its verification requested from the
    Kyiv police unit."""
    for name, role, agency, region in EXTRA_USERS:
        callers.add(pg_runtime, name, role, agency, [region])
    data = opening_data(person_name=NAME, narrative=NARRATIVE)
    opened = client.post(
        "/api/cases",
        json={"workflow": WORKFLOW, "region": KYIV, "data": data},
        headers=callers["screener"].auth,
    )
    assert opened.status_code == 201, opened.text
    case_id = opened.json()["id"]
    version = walk(client, callers, case_id, 1, "record_consent", "register_application")
    version = walk(client, callers, case_id, version, "conduct_interview")
    assert send_referral(client, callers["lsa"], case_id, version).status_code == 201
    body = {"agency": "iom-synthetic", "service": "medical", "expected_version": version + 1,
            "data": {"referral_notes": OTHER_NOTES}}  # fmt: skip
    second = client.post(f"/api/cases/{case_id}/referrals", json=body, headers=callers["lsa"].auth)
    assert second.status_code == 201, second.text
    data = step_data("request_verification", police_unit=POLICE_UNIT)
    asked = take_step(client, callers["lsa"], case_id, "request_verification", version + 2, data)
    assert asked.status_code == 200, asked.text
    pg_runtime.projections.catch_up()
    return str(case_id)


@pytest.fixture
def shared_document(client: TestClient, callers: Callers, shared_case: str) -> str:
    """A document on the shared case, uploaded by the LSA official, with a note."""
    note = {"text": f"Synthetic note on {NAME}"}
    assert client.post(f"/api/cases/{shared_case}/notes", json=note, headers=callers["lsa"].auth)
    sent = client.post(
        f"/api/cases/{shared_case}/documents",
        data={"kind": "consent"},
        files={"file": ("consent.png", documents.png(NARRATIVE), "image/png")},
        headers=callers["lsa"].auth,
    )
    assert sent.status_code == 201, sent.text
    return str(sent.json()["document_id"])


def api_request(
    client: TestClient, auth: dict[str, str], method: str, path: str, case: str, document: str
) -> httpx.Response:
    url = path.format(case_id=case, referral_id="r1", document_id=document)
    bodies: dict[str, dict[str, Any]] = {
        "/api/cases": {"workflow": WORKFLOW, "region": KYIV, "data": opening_data()},
        "/api/cases/{case_id}/steps": {"trigger": "request_verification", "data": {}},
        "/api/cases/{case_id}/referrals": {"agency": "x-kyiv", "service": "medical"},
        "/api/cases/{case_id}/referrals/{referral_id}/steps": {"trigger": "accept"},
        "/api/cases/{case_id}/erase": {"reason": ""},  # refused as invalid once reached
        "/api/cases/{case_id}/stated-dates": {"version": 1, "reason": "Paper file"},
        "/api/cases/{case_id}/transfers": {"region": LVIV, "reason": "person_moved"},
        "/api/cases/{case_id}/transfers/accept": {},
        "/api/cases/{case_id}/transfers/refuse": {"reason": "not_resident"},
        "/api/cases/{case_id}/transfers/withdraw": {},
        "/api/cases/{case_id}/assignment": {"user": None},
        "/api/cases/{case_id}/notes": {"text": "Synthetic"},
    }
    if method == "GET":
        return client.get(url, headers=auth)
    if path.endswith("/documents"):  # multipart, on a stale version
        upload = {"file": ("a.png", documents.png(), "image/png")}
        form = {"kind": "consent", "expected_version": str(STALE)}
        return client.post(url, data=form, files=upload, headers=auth)
    body = {**bodies[path], **({"expected_version": STALE} if "{case_id}" in path else {})}
    return client.post(url, json=body, headers=auth)


def page_request(
    client: TestClient, method: str, path: str, case: str, document: str
) -> httpx.Response:
    url = path.format(case_id=case, document_id=document, paper="case-summary")
    if method == "GET":
        return client.get(url)
    form = {"csrf": csrf_of(client.get("/workflows").text), "trigger": "waive_interview",
            "expected_version": str(STALE), "workflow": WORKFLOW, "region": "Nowhere"}  # fmt: skip
    return client.post(url, data=form, follow_redirects=False)


def check(who: Who, route: tuple[str, str], response: httpx.Response, case: str) -> None:
    method, path = route
    label = f"{who.caller} {method} {path}: {response.status_code}"
    gate = GATES[route]
    gated = who.role == "analyst" or (gate is not None and who.role not in gate)
    text = response.text
    assert response.status_code < 500, label
    if gated:
        assert response.status_code in (403, 404) or route in OPENS, label
    elif route in LISTS:
        assert response.status_code == 200, label
        assert (case in text) == (who.sees != NONE), label
    elif route not in OPENS:
        if who.sees == NONE or (who.sees == REFERRED and route in WHOLE_ONLY):
            assert response.status_code == 404, label
        else:
            assert response.status_code != 404, label
            if method == "GET":
                assert response.status_code == 200, label
    if who.sees == NONE or gated:
        assert NAME not in text and NARRATIVE not in text and OTHER_NOTES not in text, label
    if who.sees == REFERRED:
        assert NARRATIVE not in text and OTHER_NOTES not in text, label


@pytest.mark.parametrize("who", WHO, ids=lambda w: w.caller)
def test_only_need_to_know_reads_succeed_on_every_case_route_and_page(
    who: Who, client: TestClient, callers: Callers, shared_case: str, shared_document: str
) -> None:
    caller = callers[who.caller]
    case, document = shared_case, shared_document
    for route in api_case_routes():
        check(who, route, api_request(client, caller.auth, *route, case, document), case)
    sign_in(client, caller.token)
    for route in page_case_routes():
        check(who, route, page_request(client, *route, case, document), case)


def test_the_table_knows_the_gate_of_every_case_route() -> None:
    """A new case route joins the walk above by itself; it must say which role gate it has."""
    assert set(api_case_routes()) | set(page_case_routes()) == set(GATES)
