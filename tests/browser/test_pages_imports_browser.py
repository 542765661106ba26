"""The import page in Chromium, in English and Ukrainian, wide and narrow: an admin finds it in the
navigation, checks a register with a few bad rows, reads the counts and the rows not imported,
downloads every problem as CSV, then imports it; the page never scrolls sideways at 375 px."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from playwright.sync_api import Page, expect

from referral_engine.application.demo_register import synthetic_register
from referral_engine.config import PROJECT_ROOT
from tests.browser.conftest import Server, Shots, Visitors, no_sideways_scroll

MAPPING = PROJECT_ROOT / "docs" / "import" / "ministry-register.yaml"
WORDS = {
    "en": {
        "workflow": "Workflow",
        "nav": "Import",
        "file": "Register (.csv or .xlsx)",
        "mapping": "Mapping of its columns (.yaml)",
        "dry": "Only check the rows, import nothing",
        "send": "Send the register",
        "checked": "Check only: nothing was imported",
        "would": "Would be imported",
        "imported": "Imported",
        "download": "Every problem as CSV",
        "same_id": "the same id as row",
    },
    "uk": {
        "workflow": "Процедура",
        "nav": "Імпорт",
        "file": "Реєстр (.csv або .xlsx)",
        "mapping": "Відповідність стовпців (.yaml)",
        "dry": "Лише перевірити рядки, нічого не імпортувати",
        "send": "Надіслати реєстр",
        "checked": "Лише перевірка: нічого не імпортовано",
        "would": "Буде імпортовано",
        "imported": "Імпортовано",
        "download": "Усі проблеми у CSV",
        "same_id": "той самий ідентифікатор, що й у рядку",
    },
}


def fill(page: Page, words: dict[str, str], register: bytes, name: str) -> None:
    page.get_by_label(words["file"]).set_input_files(
        {"name": name, "mimeType": "text/csv", "buffer": register}
    )
    page.get_by_label(words["mapping"]).set_input_files(str(MAPPING))
    page.get_by_label(words["workflow"]).select_option(value="ukraine-nrm")


def test_an_admin_checks_then_imports_a_register_with_bad_rows(
    server: Server, shots: Shots, visitors: Visitors, tmp_path: Path
) -> None:
    server.user("oksana", "admin", "mlsp", ["*"])
    for lang, seed in (("en", 5), ("uk", 6)):
        words = WORDS[lang]
        register, expected = synthetic_register(20, bad=10, seed=seed)
        for width in (1280, 375):
            page = visitors.signed_in("oksana")
            page.set_viewport_size({"width": width, "height": 900})
            if lang == "uk":
                page.goto("/lang/uk?next=/")
            page.get_by_role("navigation").get_by_role("link", name=words["nav"]).click()
            expect(page.get_by_label(words["dry"])).to_be_checked()
            no_sideways_scroll(page)
            shots(page, f"form-{lang}-{width}")

            fill(page, words, register, f"register-{lang}.csv")
            page.get_by_role("button", name=words["send"]).click()
            expect(page.get_by_role("heading", name=words["checked"], exact=False)).to_be_visible()
            expect(page.get_by_text(words["would"], exact=True)).to_be_visible()
            expect(page.get_by_role("row")).to_have_count(1 + len(expected.bad))
            expect(page.get_by_text(words["same_id"])).to_be_visible()
            no_sideways_scroll(page)
            shots(page, f"report-{lang}-{width}")

            with page.expect_download() as download:
                page.get_by_role("link", name=words["download"]).click()
            saved = tmp_path / f"{lang}-{width}.csv"
            download.value.save_as(saved)
            rows = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8-sig"))))
            assert {int(r["row"]) for r in rows} == set(expected.bad)

    # The last page (Ukrainian, narrow) imports the register for real.
    fill(page, words, register, "register-uk.csv")
    page.get_by_label(words["dry"]).uncheck()
    page.get_by_role("button", name=words["send"]).click()
    expect(page.get_by_text(words["imported"], exact=True)).to_be_visible()
    expect(page.locator("dl.summary div").first).to_contain_text("20")
    shots(page, "imported-uk-375")
    imports = [e for e in server.runtime.audit.query() if e.action == "register.import"]
    assert [e.detail["dry_run"] for e in imports if e.detail] == [True] * 4 + [False]
