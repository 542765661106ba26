"""Every route that returns case data, API and pages, read by each kind of user: a reader the
workflow allows sees the personal field, another role gets the redaction marker, a user of
another region gets 404, an analyst gets nothing personal; each read that showed personal
fields is audited with their names."""

from __future__ import annotations

import importlib
import json
import pkgutil
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient

from referral_engine.bootstrap import Runtime, build
from referral_engine.config import Settings
from referral_engine.entrypoints.api import routers as api_routers
from referral_engine.entrypoints.asgi import create_app
from referral_engine.entrypoints.web import routes as page_routes
from tests.documents import png
from tests.e2e.conftest import (
    KYIV,
    WORKFLOW,
    Caller,
    Callers,
    opening_data,
    send_referral,
    step_data,
    take_step,
    walk,
)
from tests.e2e.pages import csrf_of, sign_in
from tests.factories import START, FixedClock

NAME = "Synthetic Routename Xqzvw"
NARRATIVE = "Synthetic account for the route table: Wqzvx quay"
HIDDEN_JSON = {"redacted": "not-permitted"}
HIDDEN_PAGE = "(not shown to your role)"
ERASED_PAGE = "(erased)"


@dataclass(frozen=True)
class Case:
    id: str
    version: int


Request = Callable[[TestClient, Caller, Case], httpx.Response]


@dataclass(frozen=True)
class Route:
    """One route that returns case data, how to call it, and who plays which part."""

    name: str
    call: Request
    page: bool
    action: str
    reader: str = "lsa"
    """A caller the workflow allows to read the narrative (and who may call the route)."""
    denied: str | None = "shelter"
    """A caller who sees the case but may not read the narrative (None: no such caller)."""
    shows_data: bool = True
    """False for commands: their answer carries an outcome, never case data."""
    answers: tuple[int, int] = (200, 200)
    """The status the reader's and the denied caller's requests get."""
    file: bool = True
    """The reader's page shows the case's file; False: one step's form again, which names the
    person and reads nothing else of the file (the denied caller, who has no such step, gets
    the file)."""


def version_of(client: TestClient, caller: Caller, case: Case) -> int:
    """The case's version as the caller reads it just before a command (1 when they cannot)."""
    response = client.get(f"/api/cases/{case.id}", headers=caller.auth)
    return int(response.json()["version"]) if response.status_code == 200 else 1


def api_get(path: str, **params: Any) -> Request:
    def call(client: TestClient, caller: Caller, case: Case) -> httpx.Response:
        return client.get(path.format(case=case.id), params=params, headers=caller.auth)

    return call


def page_get(path: str) -> Request:
    def call(client: TestClient, caller: Caller, case: Case) -> httpx.Response:
        sign_in(client, caller.token)
        return client.get(path.format(case=case.id))

    return call


def page_post_step(trigger: str, *, stale: bool = False, **fields: str) -> Request:
    """Post a step form that fails (invalid, or decided on a stale version): the case page is
    shown again, with the error (and, when stale, who changed the case since)."""

    def call(client: TestClient, caller: Caller, case: Case) -> httpx.Response:
        sign_in(client, caller.token)
        form = {"csrf": csrf_of(client.get("/workflows").text), "trigger": trigger, **fields}
        form["expected_version"] = str(case.version - 1 if stale else case.version)
        return client.post(f"/cases/{case.id}/steps", data=form, follow_redirects=False)

    return call


def api_open(client: TestClient, caller: Caller, case: Case) -> httpx.Response:
    data = opening_data(person_name=NAME, narrative=NARRATIVE)
    body = {"workflow": WORKFLOW, "region": KYIV, "data": data}
    return client.post("/api/cases", json=body, headers=caller.auth)


def api_command(path: str, body: dict[str, Any]) -> Request:
    """A command decided on the case's current version (read just before, as a client does)."""

    def call(client: TestClient, caller: Caller, case: Case) -> httpx.Response:
        version = version_of(client, caller, case)
        return client.post(
            path.format(case=case.id),
            json={**body, "expected_version": version},
            headers=caller.auth,
        )

    return call


STEP = {"trigger": "request_verification", "data": step_data("request_verification")}
REFERRAL = {"agency": "clinic-kyiv", "service": "medical", "data": {"referral_notes": NAME}}
ROUTES = {
    r.name: r
    for r in [
        Route("api: open a case (its answer)", api_open, False, "case.open", "screener", None,
              answers=(201, 0)),
        Route("api: the case now", api_get("/api/cases/{case}"), False, "case.read"),
        Route("api: the case at a version", api_get("/api/cases/{case}", version=1), False,
              "case.read"),
        Route("api: the case as of a time", api_get("/api/cases/{case}", as_of=START.isoformat()),
              False, "case.read"),
        # a receiving agency's history holds only its referral's steps (test_need_to_know.py)
        Route("api: the history", api_get("/api/cases/{case}/history"), False, "case.history",
              denied=None),
        Route("api: take a step (its answer)", api_command("/api/cases/{case}/steps", STEP),
              False, "case.step", "lsa", None, shows_data=False),
        Route("api: send a referral (its answer)",
              api_command("/api/cases/{case}/referrals", REFERRAL),
              False, "referral.send", "lsa", None, shows_data=False, answers=(201, 0)),
        Route("api: take a referral step (its answer)",
              api_command("/api/cases/{case}/referrals/r1/steps", {"trigger": "accept"}),
              False, "referral.step", "shelter", None, shows_data=False),
        Route("page: the case", page_get("/cases/{case}"), True, "case.read"),
        Route("page: history, replayed to event 1", page_get("/cases/{case}/history?at=1"), True,
              "case.history"),
        Route("page: history, with the case now", page_get("/cases/{case}/history"), True,
              "case.history"),
        # no police unit given (the LSA official), or not one's step to take (the shelter)
        Route("page: the case after a failed step", page_post_step("request_verification"), True,
              "case.step", answers=(422, 403), file=False),
        Route("page: the stale form's conflict list",
              page_post_step("waive_interview", stale=True, **{"data.waiver_reason": "illness"}),
              True, "case.step", answers=(409, 409)),  # no longer open: the file again
    ]
}  # fmt: skip
READS = [r for r in ROUTES.values() if r.shows_data]

ROUTES_WITHOUT_CASE_DATA = {
    ("GET", "/api/cases"): "the queue: a read model, which holds no personal data",
    ("POST", "/api/cases/{case_id}/erase"): "admin only; answers an outcome, like a command",
    ("POST", "/api/cases/{case_id}/stated-dates"): "answers an outcome (version, state, event), "
    "like a command; it takes and shows no personal data",
    ("GET", "/api/cases/{case_id}/personal-data-reads"): "audit entries: field names, no values",
    **dict.fromkeys(
        (
            ("POST", "/api/cases/{case_id}/transfers"),
            ("POST", "/api/cases/{case_id}/transfers/accept"),
            ("POST", "/api/cases/{case_id}/transfers/refuse"),
            ("POST", "/api/cases/{case_id}/transfers/withdraw"),
            ("POST", "/api/cases/{case_id}/assignment"),
            ("POST", "/cases/{case_id}/transfers"),
            ("POST", "/cases/{case_id}/transfers/answer"),
            ("POST", "/cases/{case_id}/transfers/withdraw"),
            ("POST", "/cases/{case_id}/assignment"),
        ),
        "a transfer or an assignment: answers an outcome, like a command (a transfer's note is "
        "taken, sealed, never shown back)",
    ),
    **dict.fromkeys(
        (
            ("POST", "/api/cases/{case_id}/notes"),
            ("POST", "/api/cases/{case_id}/documents"),
        ),
        "adds a note or a document: answers an outcome (and a document's id, kind, type and "
        "size), never the text or the file name back",
    ),
    **dict.fromkeys(
        (("POST", "/cases/{case_id}/notes"), ("POST", "/cases/{case_id}/documents")),
        "redirects; a refusal shows the case page, whose notes and documents the paper table "
        "below checks",
    ),
    ("GET", "/cases"): "the queue page: the case_queue read model",
    ("GET", "/cases/new"): "an empty form",
    ("POST", "/cases/new"): "redirects; a failure shows only what the user typed",
}
ROUTES_TESTED_APART = dict.fromkeys(
    (("GET", "/cases/{case_id}/papers/{paper}"), ("GET", "/cases/{case_id}/papers/{paper}.pdf")),
    "a paper prints only what it declares, to roles that may read all of it (no redaction "
    "marker): tests/e2e/test_papers.py, with its audit entry and the erased case",
)


@pytest.fixture
def case(client: TestClient, callers: Callers) -> Case:
    """A Kyiv case with a name and narrative, interviewed, with a referral to the shelter."""
    response = api_open(client, callers["screener"], Case("", 0))
    assert response.status_code == 201, response.text
    opened = response.json()
    version = walk(
        client, callers, opened["id"], opened["version"], "record_consent", "register_application"
    )
    notes = step_data("conduct_interview", interview_notes=f"Interview with {NAME}")
    done = take_step(client, callers["lsa"], opened["id"], "conduct_interview", version, notes)
    assert done.status_code == 200, done.text
    sent = send_referral(client, callers["lsa"], opened["id"], done.json()["version"])
    assert sent.status_code == 201, sent.text
    return Case(opened["id"], sent.json()["version"])


@pytest.mark.parametrize("name", list(ROUTES))
def test_each_route_shows_personal_data_only_to_its_readers_in_the_cases_region(
    name: str, client: TestClient, callers: Callers, case: Case, pg_runtime: Runtime
) -> None:
    route = ROUTES[name]
    reader = route.call(client, callers[route.reader], case)
    assert reader.status_code == route.answers[0], reader.text
    if route.page and route.shows_data:
        assert f"Case {case.id[:8]}" in reader.text  # the case's page (by its reference)
    if route.shows_data and route.file:
        assert shows(reader, NARRATIVE) and shows(reader, NAME), reader.text
        assert not hides(reader, route.page)
        fields = last_personal_read(pg_runtime, callers[route.reader], reader)
        assert {"narrative", "person_name"} <= set(fields)  # audited with what it showed
    elif route.shows_data:  # a step's form: the person named, nothing else of the file read
        assert shows(reader, NAME) and not shows(reader, NARRATIVE), reader.text
        fields = last_personal_read(pg_runtime, callers[route.reader], reader)
        assert "person_name" in fields and "narrative" not in fields
    else:  # a command answers with its outcome: nothing personal, and no personal read
        assert not shows(reader, NAME) and not shows(reader, NARRATIVE)
        assert last_personal_read(pg_runtime, callers[route.reader], reader) == []

    if route.denied is not None:
        denied = route.call(client, callers[route.denied], case)
        assert denied.status_code == route.answers[1], denied.text
        assert shows(denied, NAME), denied.text  # the shelter reads the name, to help
        assert not shows(denied, NARRATIVE) and hides(denied, route.page)
        fields = last_personal_read(pg_runtime, callers[route.denied], denied)
        assert "person_name" in fields and "narrative" not in fields

    elsewhere = route.call(client, callers["lviv-lsa"], case)
    opening = route.action == "case.open"  # another region's case cannot even be opened
    assert elsewhere.status_code == (403 if opening else 404), elsewhere.text
    analyst = route.call(client, callers["analyst"], case)
    assert analyst.status_code == 403, analyst.text
    for outsider, response in (("lviv-lsa", elsewhere), ("analyst", analyst)):
        assert not shows(response, NAME) and not shows(response, NARRATIVE)
        assert last_personal_read(pg_runtime, callers[outsider], response) == []


def test_erased_fields_read_as_erased_on_every_route(
    client: TestClient, callers: Callers, case: Case, pg_runtime: Runtime
) -> None:
    reason = {"reason": "Art. 17 request 11"}
    erased = client.post(f"/api/cases/{case.id}/erase", json=reason, headers=callers["admin"].auth)
    assert erased.status_code == 200, erased.text
    erased_now = Case(case.id, erased.json()["version"])
    for route in READS:
        if route.action == "case.open":
            continue
        for who in filter(None, (route.reader, route.denied)):
            response = route.call(client, callers[who], erased_now)
            assert not shows(response, NAME) and not shows(response, NARRATIVE), route.name
            if route.page and (route.file or who != route.reader):
                assert ERASED_PAGE in response.text, route.name
            elif route.page:  # a step's form names the case by its reference instead
                assert f"Case {case.id[:8]} · " in response.text, route.name
            else:
                assert '"redacted":"erased"' in response.text.replace(" ", ""), route.name
            assert last_personal_read(pg_runtime, callers[who], response) == []


def test_the_opening_answer_is_redacted_like_any_read(
    pg_settings: Settings, tmp_path: Path, clock: FixedClock
) -> None:
    """No shipped workflow lets a role open a case with a field it may not read; one may."""
    folder = tmp_path / "workflows"
    shutil.copytree(pg_settings.workflows_dir, folder)
    shipped = "readers: &case_file_readers [nrm_actor, lsa_official, "
    # v2 is written as changes on v1 and inherits v1's narrative field: change both files
    for name in ("ukraine-nrm.yaml", "ukraine-nrm-v2.yaml"):
        path = folder / name
        assert shipped in path.read_text()
        path.write_text(path.read_text().replace(shipped, "readers: &case_file_readers ["))
    with build(pg_settings.model_copy(update={"workflows_dir": folder}), clock=clock) as runtime:
        runtime.users.add("screener", "nrm_actor", "ngo-synthetic", [KYIV])
        screener = Caller("screener", "nrm_actor", "ngo", runtime.users.issue_token("screener"))
        with TestClient(create_app(runtime), raise_server_exceptions=False) as client:
            opened = api_open(client, screener, Case("", 0))
        assert opened.status_code == 201, opened.text
        assert shows(opened, NAME) and not shows(opened, NARRATIVE)
        assert opened.json()["data"]["narrative"] == HIDDEN_JSON
        fields = last_personal_read(runtime, screener, opened)
        assert "person_name" in fields and "narrative" not in fields


def test_the_table_covers_every_case_route_of_the_api_and_the_pages() -> None:
    """A new route under /api/cases or /cases must join the table (or say why it need not)."""
    tabled = {
        ("GET", "/api/cases/{case_id}"),
        ("GET", "/api/cases/{case_id}/history"),
        ("POST", "/api/cases"),
        ("POST", "/api/cases/{case_id}/steps"),
        ("POST", "/api/cases/{case_id}/referrals"),
        ("POST", "/api/cases/{case_id}/referrals/{referral_id}/steps"),
        ("GET", "/cases/{case_id}"),
        ("GET", "/cases/{case_id}/history"),
        ("POST", "/cases/{case_id}/steps"),
    }
    modules = [
        importlib.import_module(f"{package.__name__}.{info.name}")
        for package in (api_routers, page_routes)
        for info in pkgutil.iter_modules(package.__path__)
    ]
    found = {
        (method, r.path)
        for module in modules
        for r in getattr(module, "router", APIRouter()).routes
        for method in getattr(r, "methods", ())
        if getattr(r, "path", "").startswith(("/api/cases", "/cases"))
    }
    assert found == tabled | set(PAPER_READS) | set(ROUTES_WITHOUT_CASE_DATA) | set(
        ROUTES_TESTED_APART
    )


# -- what a response shows, and what the audit log says about it -------------------------------


def shows(response: httpx.Response, value: str) -> bool:
    return value in response.text


def hides(response: httpx.Response, page: bool) -> bool:
    """The response carries the not-permitted marker (as JSON, or as the page says it)."""
    if page:
        return HIDDEN_PAGE in response.text
    return json.dumps(HIDDEN_JSON, separators=(",", ":")) in response.text.replace(" ", "")


def last_personal_read(runtime: Runtime, caller: Caller, response: httpx.Response) -> list[str]:
    """The personal fields named by the audit entry of the request that got `response` (the
    caller's latest; [] when it showed none)."""
    (entry,) = runtime.audit.query(user_name=caller.name, limit=1, newest_first=True)
    assert entry.path == response.request.url.path, f"{caller.name}'s request was not audited"
    fields: list[str] = entry.detail.get("personal_fields", [])
    return fields


# -- notes and documents -------------------------------------------------------------------------

PAPER_READS = {
    ("GET", "/api/cases/{case_id}/notes"): "case_note",
    ("GET", "/api/cases/{case_id}/documents"): "document_name",
    ("GET", "/api/cases/{case_id}/documents/{document_id}"): "document_name",
    ("GET", "/cases/{case_id}/documents/{document_id}"): "document_name",
}
"""The routes reading notes and documents (the case page's sections are read with the case
page, above), and the personal field each read is audited with."""
DOCUMENT_MARK = "Synthetic signed consent of the route table"


def test_notes_and_documents_show_only_to_readers_of_personal_data(
    client: TestClient, callers: Callers, case: Case, pg_runtime: Runtime
) -> None:
    lsa = callers["lsa"]
    note = client.post(f"/api/cases/{case.id}/notes", json={"text": NARRATIVE}, headers=lsa.auth)
    assert note.status_code == 201, note.text
    sent = client.post(
        f"/api/cases/{case.id}/documents",
        data={"kind": "consent"},
        files={"file": (f"{NAME}.png", png(DOCUMENT_MARK), "image/png")},
        headers=lsa.auth,
    )
    assert sent.status_code == 201, sent.text
    urls = {
        route: path.format(case_id=case.id, document_id=sent.json()["document_id"])
        for route in PAPER_READS
        for path in [route[1]]
    }

    def read(who: str, route: tuple[str, str]) -> httpx.Response:
        if route[1].startswith("/cases"):
            sign_in(client, callers[who].token)
            return client.get(urls[route])
        return client.get(urls[route], headers=callers[who].auth)

    for route, field in PAPER_READS.items():
        mine = read("lsa", route)
        assert mine.status_code == 200, (route, mine.text)
        assert NARRATIVE in mine.text or NAME in mine.text or DOCUMENT_MARK.encode() in mine.content
        assert field in last_personal_read(pg_runtime, lsa, mine), route
        shared = read("shelter", route)  # a referral's share holds no note and no document
        assert shared.status_code == (404 if "{document_id}" in route[1] else 200), route
        for outsider, status in (("shelter", None), ("lviv-lsa", 404), ("analyst", 403),
                                 ("admin", 403)):  # fmt: skip
            response = shared if status is None else read(outsider, route)
            assert status in (None, response.status_code), (route, outsider, response.text)
            assert NAME not in response.text and NARRATIVE not in response.text
            assert DOCUMENT_MARK.encode() not in response.content

    reason = {"reason": "Art. 17 request 12"}
    assert client.post(f"/api/cases/{case.id}/erase", json=reason, headers=callers["admin"].auth)
    for route in PAPER_READS:
        after = read("lsa", route)
        assert after.status_code == (410 if "{document_id}" in route[1] else 200), route
        assert NAME not in after.text and NARRATIVE not in after.text, route
        assert DOCUMENT_MARK.encode() not in after.content
        if route[1].endswith(("/notes", "/documents")):
            assert '"redacted":"erased"' in after.text.replace(" ", ""), route
        assert last_personal_read(pg_runtime, lsa, after) == []
