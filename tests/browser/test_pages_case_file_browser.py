"""Notes and documents in Chromium, in English and Ukrainian, wide and narrow (#19 item 5): the
LSA official adds a note (listed with her role and the time), uploads a signed consent (a file
that only pretends to be a PDF is refused beside the form), downloads it whole; once the case's
personal data is erased the page says so and the download is refused. Kinds and roles are named,
never coded."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests import documents
from tests.browser.conftest import Server, Shots, Visitors, no_sideways_scroll
from tests.factories import SUPERVISOR, case_in

KYIV = "UA-32"
NOTE = "Synthetic note: asked for a female interpreter.\nCall after 17:00 only."
WORDS = {
    "en": {
        "note": "Note",
        "save": "Save the note",
        "added": "Note added",
        "kind": "Kind",
        "consent": "Signed consent",
        "file": "File",
        "upload": "Upload",
        "uploaded": "Document uploaded",
        "refused": "Only PDF, JPEG and PNG documents are accepted",
        "erased": "Erased with the case",
        "gone": "This document was erased with the case",
    },
    "uk": {
        "note": "Текст примітки",
        "save": "Зберегти примітку",
        "added": "Додано примітку",
        "kind": "Вид",
        "consent": "Підписана згода",
        "file": "Файл",
        "upload": "Завантажити",
        "uploaded": "Завантажено документ",
        "refused": "Приймаються лише документи PDF, JPEG і PNG",
        "erased": "Стерто разом з особистими даними справи",
        "gone": "Документ стерто разом з особистими даними справи",
    },
}
CODES = (
    "NoteAdded",
    "DocumentUploaded",
    "lsa_official",
    "case_note",
    "document_name",
    "application/pdf",
)


def both_widths(page: Page, shots: Shots, name: str) -> None:
    """A screenshot at 1280 and at 375 px; the narrow page never scrolls sideways."""
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        no_sideways_scroll(page)
        shots(page, f"{name}-{width}")
    page.set_viewport_size({"width": 1280, "height": 900})


def no_codes(page: Page, selector: str) -> None:
    text = page.locator(selector).inner_text()
    assert not [c for c in CODES if c in text], text


@pytest.mark.parametrize("lang", ["en", "uk"])
def test_notes_and_documents_in_both_languages(
    server: Server, shots: Shots, visitors: Visitors, tmp_path: Path, lang: str
) -> None:
    engine = server.runtime.engine
    server.user("petro", "lsa_official", "lsa-kyivska", [KYIV])
    consent = tmp_path / "Згода Synthetic.pdf"
    consent.write_bytes(documents.pdf("Synthetic signed consent"))
    fake = tmp_path / "scan.pdf"
    fake.write_bytes(b"#!/bin/sh\necho not a pdf\n")
    words = WORDS[lang]
    case_id = case_in(engine, "application_registered", region=KYIV)
    page = visitors.signed_in("petro")
    if lang == "uk":
        page.goto("/lang/uk?next=/")
    page.goto(f"/cases/{case_id}")

    note = page.locator("#form-note")
    note.get_by_label(words["note"]).fill(NOTE)
    note.get_by_role("button", name=words["save"]).click()
    expect(page.get_by_role("status").first).to_contain_text(words["added"])
    notes = page.locator("#notes")
    expect(notes.locator("ol.notes li").first).to_contain_text("female interpreter.")
    expect(notes.locator("ol.notes li").first).to_contain_text("Call after 17:00 only.")
    no_codes(page, "#notes")
    both_widths(page, shots, f"{lang}-note")

    upload = page.locator("#form-document")
    upload.get_by_label(words["kind"]).select_option(label=words["consent"])
    upload.get_by_label(words["file"]).set_input_files(str(fake))
    upload.get_by_role("button", name=words["upload"], exact=True).click()
    refused = page.locator("#form-document")
    expect(refused.locator(".error")).to_contain_text(words["refused"])
    expect(refused.get_by_label(words["kind"])).to_have_value("consent")  # kept
    both_widths(page, shots, f"{lang}-refused")

    refused.get_by_label(words["file"]).set_input_files(str(consent))
    refused.get_by_role("button", name=words["upload"], exact=True).click()
    expect(page.get_by_role("status").first).to_contain_text(words["uploaded"])
    listed = page.locator("#documents table")
    expect(listed).to_contain_text(words["consent"])
    expect(listed).to_contain_text("Згода Synthetic.pdf")
    no_codes(page, "#documents")
    both_widths(page, shots, f"{lang}-uploaded")

    link = listed.get_by_role("link").first
    href = link.get_attribute("href")
    with page.expect_download() as started:
        link.click()
    download = started.value
    assert Path(download.path()).read_bytes() == consent.read_bytes()
    assert download.suggested_filename == "Згода Synthetic.pdf"

    engine.erase_personal_data(case_id, "Synthetic lawful request", actor=SUPERVISOR)
    page.goto(f"/cases/{case_id}")
    expect(page.locator("#documents")).to_contain_text(words["erased"])
    expect(page.locator("#notes")).not_to_contain_text("interpreter")
    assert page.locator("#documents a").count() == 0 and page.locator("#form-note").count() == 0
    both_widths(page, shots, f"{lang}-erased")
    assert href is not None
    gone = page.request.get(href)
    assert gone.status == 410 and "not a pdf" not in gone.text()
    page.goto(href)
    expect(page.get_by_role("alert")).to_contain_text(words["gone"])
    both_widths(page, shots, f"{lang}-download-refused")
