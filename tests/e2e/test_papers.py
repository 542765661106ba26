"""Printing a case's papers on the pages (docs/workflows.md, "Papers"): the status certificate
and the decision notices once their decision is recorded, the summary at any time, each as a
page to print and as a PDF; refused before its event, to readers who may not read what it
prints, outside need-to-know and after an erasure; every printing audited."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader

from referral_engine.bootstrap import Runtime
from tests.e2e.conftest import (
    Callers,
    case_in,
    open_case,
    send_referral,
    step_data,
    take_step,
    walk,
    workflow,
)
from tests.e2e.pages import sign_in
from tests.factories import FixedClock, path_to
from tests.unit.test_uk_nrm import uk_case_in

NAME = "Synthetic Printname Qzvx"
NUMBER = "SYN-CERT-2026-0417"
VALID_UNTIL = "2028-03-01"


@pytest.fixture
def granted(client: TestClient, callers: Callers) -> str:
    """A Kyiv case whose status was granted with a known certificate number."""
    case = open_case(client, callers["screener"], person_name=NAME, date_of_birth="1999-07-14")
    steps = ["record_consent", *path_to(workflow(), "identified")]
    version = walk(client, callers, case["id"], case["version"], *steps)
    data = step_data("grant_status", certificate_number=NUMBER, valid_until=VALID_UNTIL)
    answer = take_step(client, callers["decider"], case["id"], "grant_status", version, data)
    assert answer.status_code == 200, answer.text
    return str(case["id"])


def page(client: TestClient, callers: Callers, who: str, path: str, lang: str = "en") -> Any:
    sign_in(client, callers[who].token)
    client.get(f"/lang/{lang}?next=/")
    return client.get(path)


def last_entry(runtime: Runtime, who: str) -> Any:
    (entry,) = runtime.audit.query(user_name=who, limit=1, newest_first=True)
    return entry


def test_the_certificate_prints_in_ukrainian_with_its_number_and_dates_in_words(
    client: TestClient, callers: Callers, granted: str, pg_runtime: Runtime
) -> None:
    response = page(client, callers, "lsa", f"/cases/{granted}/papers/status-certificate")
    assert response.status_code == 200, response.text
    html = response.text
    assert NUMBER in html and NAME in html
    assert "1 березня 2028" in html and "14 липня 1999" in html  # Ukrainian month names
    assert "Київська область" in html  # the region in the paper's language
    assert 'lang="uk"' in html and "issued in Ukrainian only" in html  # an English reader told
    for code in ("StatusGranted", "status_granted", "certificate_number", "UA-32", VALID_UNTIL):
        assert code not in html.split('<article class="paper"')[1], code
    entry = last_entry(pg_runtime, "lsa")
    assert entry.action == "case.paper" and str(entry.case_id) == granted
    assert entry.detail["paper"] == "status-certificate" and entry.detail["format"] == "html"
    assert {"person_name", "certificate_number"} <= set(entry.detail["personal_fields"])
    assert "narrative" not in entry.detail["personal_fields"]  # only what the paper prints


def test_the_certificate_as_a_pdf_holds_its_number_and_is_audited(
    client: TestClient, callers: Callers, granted: str, pg_runtime: Runtime
) -> None:
    response = page(client, callers, "decider", f"/cases/{granted}/papers/status-certificate.pdf")
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"] == "application/pdf"
    assert 'filename="status-certificate.pdf"' in response.headers["content-disposition"]
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert NUMBER in text and NAME in text and "березня 2028" in text
    fonts = PdfReader(io.BytesIO(response.content)).pages[0]["/Resources"]["/Font"]
    assert any("DejaVu" in str(f.get_object()["/BaseFont"]) for f in fonts.values())  # embedded
    entry = last_entry(pg_runtime, "decider")
    assert entry.action == "case.paper" and entry.detail["format"] == "pdf"
    assert entry.status == 200 and "certificate_number" in entry.detail["personal_fields"]


def test_the_summary_reads_in_the_readers_language_and_the_case_page_links_the_papers(
    client: TestClient, callers: Callers, granted: str
) -> None:
    ukrainian = page(client, callers, "supervisor", f"/cases/{granted}/papers/case-summary", "uk")
    assert ukrainian.status_code == 200, ukrainian.text
    assert "Зведення у справі" in ukrainian.text and "Статус встановлено" in ukrainian.text
    assert "Встановити статус" in ukrainian.text  # the chronology's steps in words
    english = page(client, callers, "supervisor", f"/cases/{granted}/papers/case-summary")
    assert "Case summary" in english.text and "Status granted" in english.text
    case_page = client.get(f"/cases/{granted}").text
    section = case_page.split('id="h-papers"')[1].split("</section>")[0]
    for paper in ("case-summary", "status-certificate", "status-granted-notice"):
        assert f"/cases/{granted}/papers/{paper}" in section
    assert f"/cases/{granted}/papers/status-refused-notice" not in section  # not printable
    assert "Refuse the status" in section  # ... and says after which step it would be


def test_a_paper_before_its_event_is_refused_with_the_step_it_waits_for(
    client: TestClient, callers: Callers
) -> None:
    case_id, _ = case_in(client, callers, "identified")
    response = page(client, callers, "lsa", f"/cases/{case_id}/papers/status-certificate", "uk")
    assert response.status_code == 409
    assert "не можна надрукувати" in response.text and "«Встановити статус»" in response.text
    assert "StatusGranted" not in response.text
    pdf = client.get(f"/cases/{case_id}/papers/status-refused-notice.pdf")
    assert pdf.status_code == 409 and pdf.headers["content-type"].startswith("text/html")
    assert client.get(f"/cases/{case_id}/papers/no-such-paper").status_code == 404
    assert client.get(f"/cases/{case_id}/papers/case-summary").status_code == 200


@pytest.mark.parametrize(
    ("who", "status"), [("analyst", 403), ("admin", 403), ("shelter", 403), ("lviv-lsa", 404)]
)
def test_readers_without_need_to_know_get_no_paper(
    client: TestClient, callers: Callers, granted: str, who: str, status: int
) -> None:
    if who == "shelter":  # sees the case through its referral only
        version = client.get(f"/api/cases/{granted}", headers=callers["lsa"].auth).json()["version"]
        assert send_referral(client, callers["lsa"], granted, version).status_code == 201
    for path in ("status-certificate", "status-certificate.pdf", "case-summary"):
        response = page(client, callers, who, f"/cases/{granted}/papers/{path}")
        assert response.status_code == status, (path, response.text[:300])
        assert NAME not in response.text and NUMBER not in response.text


def test_an_erased_case_prints_no_paper_with_personal_data(
    client: TestClient, callers: Callers, granted: str, pg_runtime: Runtime
) -> None:
    erased = client.post(
        f"/api/cases/{granted}/erase", json={"reason": "Art. 17 request 7"},
        headers=callers["admin"].auth,
    )  # fmt: skip
    assert erased.status_code == 200, erased.text
    for path in ("status-certificate", "status-certificate.pdf", "case-summary"):
        response = page(client, callers, "lsa", f"/cases/{granted}/papers/{path}")
        assert response.status_code == 409, (path, response.text[:300])
        assert "erased" in response.text and NAME not in response.text
    assert last_entry(pg_runtime, "lsa").detail.get("personal_fields") is None
    section = client.get(f"/cases/{granted}").text.split('id="h-papers"')[1]
    assert "personal data it prints was erased" in section.split("</section>")[0]


def test_a_uk_decision_letter_prints_in_english_with_the_authority_in_words(
    client: TestClient, callers: Callers, pg_runtime: Runtime, clock: FixedClock
) -> None:
    case_id = uk_case_in(pg_runtime.engine, clock, "recovery_period")
    response = page(
        client, callers, "supervisor", f"/cases/{case_id}/papers/reasonable-grounds-positive", "uk"
    )
    assert response.status_code == 200, response.text
    letter = response.text.split('<article class="paper" lang="en">')[1]
    assert "Reasonable Grounds decision: positive" in letter
    assert "Competent Authority" in letter and "recovery period of at least 30 days" in letter
    assert re.search(r"\b\d{1,2} [A-Z][a-z]+ 20\d\d\b", letter)  # 21 April 2026: a date in words
    for code in ("PositiveReasonableGrounds", "competent_authority", "GB-ENG", ">sca<", ">ieca<"):
        assert code not in letter, code
    negative = client.get(f"/cases/{case_id}/papers/reasonable-grounds-negative")
    assert negative.status_code == 409


@pytest.mark.parametrize("paper", ["a%00b", "Status-Certificate", "x" * 61, "a%E2%80%AEb"])
def test_a_paper_address_that_names_no_paper_is_refused_with_a_page(
    client: TestClient, callers: Callers, paper: str
) -> None:
    case_id, _ = case_in(client, callers, "screened")
    for suffix in ("", ".pdf"):
        response = page(client, callers, "lsa", f"/cases/{case_id}/papers/{paper}{suffix}")
        assert 400 <= response.status_code < 500, response.text[:300]
        assert "text/html" in response.headers["content-type"]
