"""The audit log in Chromium, in English and Ukrainian, wide and narrow: a Kyiv supervisor
filters it by an action chosen in words, goes to older entries and back with the filter kept,
downloads the filtered entries as CSV in the page's language, opens a case from its reference,
and a case reference that is none is named in an error summary that takes the focus and leads
to the field; the page never scrolls sideways at 375 px."""

from __future__ import annotations

import csv
import io
import re
from uuid import UUID

import pytest
from playwright.sync_api import Page, expect

from referral_engine.application.ports import AuditNote
from referral_engine.entrypoints.web.routes import audit
from tests.browser.conftest import Server, Shots, Visitors, no_sideways_scroll
from tests.factories import open_case

KYIV = "UA-32"
WORDS = {
    "en": {"nav": "Audit log", "action": "Action", "read": "Read the case", "filter": "Filter",
           "older": "Older entries", "newer": "Newer entries", "csv": "Download these entries",
           "case": "Case reference", "problem": "There is a problem", "step": "Took step: ",
           "header": "When (UTC)"},
    "uk": {"nav": "Журнал аудиту", "action": "Дія", "read": "Перегляд справи",
           "filter": "Відібрати", "older": "Давніші записи", "newer": "Новіші записи",
           "csv": "Завантажити ці записи", "case": "Номер справи", "problem": "Є проблема",
           "step": "Крок: ", "header": "Коли (UTC)"},
}  # fmt: skip


READS = 25
"""A page holds 20 entries here (50 in use: tests/e2e/test_pages_audit.py pages those), so that
the pages, and their full-page screenshots, stay short."""


def seeded(server: Server) -> UUID:
    """A Kyiv case read READS times by a decision-maker, and a step taken on it."""
    case_id = open_case(server.runtime.engine, KYIV).case_id
    note = AuditNote(
        "case.read", "GET", f"/api/cases/{case_id}", 200, "decider", "decision_maker",
        "msp-kyivska", case_id=case_id, region=KYIV, detail={"personal_fields": ["person_name"]},
    )  # fmt: skip
    step = AuditNote(
        "case.step", "POST", f"/cases/{case_id}/steps", 200, "lsa", "lsa_official", "lsa-kyivska",
        case_id=case_id, region=KYIV, detail={"trigger": "record_consent"},
    )  # fmt: skip
    server.runtime.audit.write(*[note] * READS, step)
    server.caught_up()
    return case_id


def test_a_supervisor_pages_filters_and_downloads_the_audit_log(
    server: Server, shots: Shots, visitors: Visitors, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(audit, "PAGE_SIZE", 20)
    case_id = seeded(server)
    server.user("svitlana", "supervisor", "lsa-kyivska", [KYIV])
    for lang, width in (("en", 1280), ("en", 375), ("uk", 1280), ("uk", 375)):
        words = WORDS[lang]
        page = visitors.signed_in("svitlana")
        page.set_viewport_size({"width": width, "height": 900})
        if lang == "uk":
            page.goto("/lang/uk?next=/")
        page.get_by_role("navigation").get_by_role("link", name=words["nav"]).click()
        expect(page.locator("main")).to_contain_text(words["step"])
        no_sideways_scroll(page)
        shots(page, f"log-{lang}-{width}")

        page.get_by_label(words["action"]).select_option(label=words["read"])
        page.get_by_role("button", name=words["filter"]).click()
        expect(page.locator("tbody tr")).to_have_count(20)
        expect(page.locator("main")).not_to_contain_text(words["step"])
        page.get_by_role("link", name=words["older"], exact=True).click()
        expect(page).to_have_url(
            re.compile(r"action=case\.read.*before=|before=.*action=case\.read")
        )
        expect(page.locator("tbody tr")).to_have_count(READS - 20)
        expect(page.get_by_label(words["action"])).to_have_value("case.read")
        no_sideways_scroll(page)
        shots(page, f"older-{lang}-{width}")
        page.get_by_role("link", name=words["newer"], exact=True).click()
        expect(page.locator("tbody tr")).to_have_count(20)

        lines = download(page, words["csv"])
        assert lines[0][0] == words["header"] and len(lines) == 1 + READS
        assert {line[4] for line in lines[1:]} == {words["read"]}

        refused(page, words)
        no_sideways_scroll(page)
        shots(page, f"refused-{lang}-{width}")
    page.goto("/audit")
    page.get_by_role("link", name=str(case_id)[:8]).first.click()
    expect(page).to_have_url(f"{server.url}/cases/{case_id}")
    assert not visitors.csp_errors


def download(page: Page, name: str) -> list[list[str]]:
    """The CSV file the link named `name` downloads, as rows."""
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile(name)).click()
    text = download.value.path().read_text(encoding="utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def refused(page: Page, words: dict[str, str]) -> None:
    """A case reference that is none: the summary takes the focus and leads to the field."""
    page.get_by_label(words["case"]).fill("xyz")
    page.get_by_role("button", name=words["filter"]).click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text(words["problem"])
    expect(summary).to_be_focused()
    summary.get_by_role("link").click()
    expect(page.get_by_label(words["case"])).to_be_focused()
