"""The pages in Ukrainian: no English interface text left on any page a caseworker, supervisor or
analyst visits, the workflow's own words in Ukrainian, and errors next to fields in Ukrainian."""

from __future__ import annotations

import html
import re
from uuid import uuid4

from fastapi.testclient import TestClient

from referral_engine.bootstrap import Runtime
from referral_engine.domain.workflow import WorkflowDefinition
from referral_engine.entrypoints.web.i18n import catalogue
from tests.e2e.conftest import Callers, case_in, send_referral, workflow
from tests.e2e.pages import csrf_of, sign_in, step_page
from tests.factories import FixedClock

CODES = re.compile(r'<(span|td|dt) class="[^"]*\bmono\b[^"]*"[^>]*>.*?</\1>|<pre\b.*?</pre>', re.S)
SHOWN_ATTRIBUTES = re.compile(r'\b(?:alt|title|aria-label|placeholder)="([^"]*)"')


def english_interface() -> set[str]:
    """Every English text of the interface catalogue that has its own Ukrainian words."""
    english, ukrainian = catalogue("en"), catalogue("uk")
    fragments = {
        fragment.strip(" :;,.()·→–-")  # the words between placeholders
        for key, en in english.items()
        if (uk := ukrainian.get(key, ""))
        if en
        and uk
        and en != uk
        and key != f"column.{en}"  # a column's name is no word
        # single vocabulary words ("Adult", "Other") also begin the titles of the English-only
        # uk-nrm states the queue's state filter lists
        and not key.startswith("vocab.")
        for fragment in re.split(r"\{\w+\}", en)
    }
    return {f for f in fragments if len(f) >= 4 or f[:1].isupper()}


def english_workflow(w: WorkflowDefinition) -> set[str]:
    """The English titles of a workflow's states, steps and fields."""
    titles = {w.title, *(s.title for s in w.states.values()), w.opening.title}
    for t in w.all_transitions():
        titles |= {t.title, *(f.title for f in t.fields)}
    titles |= {f.title for f in w.opening.fields} | {d.title for d in w.deadlines}
    return titles - {""}


def seen(page: str) -> str:
    """What a reader sees or hears: the text between tags and the attributes read out."""
    body = page.split("<body>", 1)[-1]
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    body = CODES.sub(" ", body)  # names shown as names (states, triggers, events), not words
    text = " ".join([re.sub(r"<[^>]+>", " ", body), *SHOWN_ATTRIBUTES.findall(body)])
    return html.unescape(text)


def left_in_english(page: str, known: set[str]) -> list[str]:
    text = seen(page)
    return sorted(s for s in known if re.search(rf"(?<![\w-]){re.escape(s)}(?![\w-])", text))


def in_ukrainian(client: TestClient) -> None:
    client.get("/lang/uk?next=/")


def test_no_english_interface_text_is_left_on_the_pages_in_ukrainian(
    client: TestClient, callers: Callers, pg_runtime: Runtime, clock: FixedClock
) -> None:
    case_id, version = case_in(client, callers, "application_registered")
    assert send_referral(client, callers["lsa"], case_id, version).status_code == 201
    clock.advance(days=10)  # an overdue interview
    pg_runtime.projections.catch_up()
    known = english_interface() | english_workflow(workflow())
    in_ukrainian(client)
    pages = {"/sign-in": client.get("/sign-in").text}
    visits = {
        "lsa": [
            "/cases",
            "/cases?state=application_registered",
            "/cases/new",
            f"/cases/{case_id}",
            f"/cases/{uuid4()}",
        ],
        "supervisor": [
            f"/cases/{case_id}/history",
            f"/cases/{case_id}/history?at=1",
            "/audit",
            "/deadlines",
        ],
        "shelter": [f"/cases/{case_id}", "/inbox", f"/inbox/cases/{case_id}/referrals/r1"],
        "analyst": [
            "/dashboards",
            "/dashboards/status_decisions",
            "/dashboards/referrals",
            "/projections",
            "/workflows",
            "/workflows/ukraine-nrm/1",
            "/workflows/ukraine-nrm/2",
            "/workflows/ukraine-nrm/2/diagram.svg",
            "/cases",
        ],
    }
    for who, paths in visits.items():
        sign_in(client, callers[who].token)
        pages |= {f"{who} {path}": client.get(path).text for path in paths}
    leftovers = {
        where: found for where, page in pages.items() if (found := left_in_english(page, known))
    }
    assert not leftovers, leftovers
    board = pages["supervisor /deadlines"]
    assert "Провести співбесіду із заявником" in board  # the overdue deadline by its title
    assert "Перенаправлення: притулок" in pages["shelter /inbox"]  # the service in words
    assert all('lang="uk"' in page for where, page in pages.items() if not where.endswith(".svg"))


def test_the_case_page_speaks_the_workflows_ukrainian(client: TestClient, callers: Callers) -> None:
    case_id, _ = case_in(client, callers, "screened", consent=False)
    sign_in(client, callers["lsa"].token)
    in_ukrainian(client)
    page = client.get(f"/cases/{case_id}").text
    assert "Виявлено за індикаторами, скеровано до МДА" in page  # the state
    assert "Зафіксувати поінформовану згоду на перенаправлення й обмін даними" in page  # a step
    page = step_page(client, case_id, "record_consent")  # the step's form, opened by its link
    assert '<label for="step0-signed_on">Дата підписання' in page  # a field
    assert '<option value="legal_representative">законний представник</option>' in page  # a value


def test_a_field_error_is_shown_in_ukrainian_next_to_the_field(
    client: TestClient, callers: Callers
) -> None:
    case_id, _ = case_in(client, callers, "screened", consent=False)
    sign_in(client, callers["lsa"].token)
    in_ukrainian(client)
    page = client.get(f"/cases/{case_id}").text
    response = client.post(
        f"/cases/{case_id}/steps",
        data={
            "csrf": csrf_of(page),
            "trigger": "record_consent",
            "expected_version": "1",
            "data.given_by": "someone",
            "data.scope": ["referral"],
        },
        follow_redirects=False,
    )
    assert response.status_code == 422
    assert 'id="step0-signed_on-error">Заповніть поле «Дата підписання»</p>' in response.text
    assert (
        'id="step0-given_by-error">Поле «Згоду надав(ла)» має бути одним із значень: особа, '
        "законний представник</p>" in response.text
    )
    assert "Виникла проблема" in response.text  # the summary above the form


def test_an_error_page_is_in_ukrainian(client: TestClient, callers: Callers) -> None:
    sign_in(client, callers["lsa"].token)
    in_ukrainian(client)
    missing = uuid4()
    page = client.get(f"/cases/{missing}").text
    assert "Не знайдено" in page and f"Справу {missing} не знайдено" in page
    sign_in(client, callers["analyst"].token)
    assert "Аналітики не мають доступу до окремих справ." in client.get("/cases").text
