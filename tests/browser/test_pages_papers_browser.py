"""Printing papers in Chromium, in English and Ukrainian, wide and narrow: the decision maker
finds the "Print" section on a granted case, opens the status certificate (in Ukrainian for both
readers, its month names spelt out) and the case summary (in the reader's language); printed,
the page leaves only the paper; the PDF link answers a PDF. No code reaches a paper."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import Server, Shots, Visitors, no_sideways_scroll
from tests.factories import DECIDER, case_in, step

NUMBER = "SYN-CERT-2026-0099"
WORDS = {
    "en": {"print": "Print", "summary": "Case summary", "state": "Status granted",
           "notice": "issued in Ukrainian only", "download": "Download PDF"},
    "uk": {"print": "Друк", "summary": "Зведення у справі", "state": "Статус встановлено",
           "download": "Завантажити PDF"},
}  # fmt: skip
CODES = ("StatusGranted", "status_granted", "certificate_number", "UA-32", "2028-03-01")


def shot_both_widths(page: Page, shots: Shots, name: str) -> None:
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        no_sideways_scroll(page)
        shots(page, f"{name}-{width}")
    page.set_viewport_size({"width": 1280, "height": 900})


def test_papers_print_in_both_languages_and_only_the_paper_reaches_the_printer(
    server: Server, shots: Shots, visitors: Visitors
) -> None:
    engine = server.runtime.engine
    case_id = case_in(engine, "identified", person_name="Synthetic Browsername Qx")
    data = {"certificate_number": NUMBER, "valid_until": "2028-03-01"}
    step(engine, case_id, "grant_status", actor=DECIDER, data=data)
    server.user("maria", "decision_maker", "msp-kyivska", ["UA-32"])
    for lang in ("en", "uk"):
        words = WORDS[lang]
        page = visitors.signed_in("maria")
        if lang == "uk":
            page.goto("/lang/uk?next=/")
        page.goto(f"/cases/{case_id}")
        section = page.locator("section", has=page.locator("#h-papers"))
        expect(section.get_by_role("heading", name=words["print"])).to_be_visible()
        section.scroll_into_view_if_needed()
        section.screenshot(path=str(shots.folder / f"00-case-print-section-{lang}.png"))
        section.get_by_role("link", name="Довідка про встановлення статусу" if lang == "uk"
                            else "Certificate of the status").first.click()  # fmt: skip
        expect(page.locator("article.paper")).to_contain_text(NUMBER)
        expect(page.locator("article.paper")).to_contain_text("1 березня 2028")
        notice = page.get_by_text(WORDS["en"]["notice"])
        expect(notice).to_be_visible() if lang == "en" else expect(notice).to_have_count(0)
        print_button = page.get_by_role("button", name="Надрукувати" if lang == "uk" else "Print")
        expect(print_button).to_be_visible()  # shown by its script
        paper_text = page.locator("article.paper").inner_text()
        assert not [c for c in CODES if c in paper_text], paper_text
        shot_both_widths(page, shots, f"certificate-{lang}")
        page.emulate_media(media="print")
        expect(page.locator("header.top")).to_be_hidden()
        expect(page.get_by_role("link", name=words["download"])).to_be_hidden()
        shots(page, f"certificate-{lang}-printed")
        page.emulate_media(media="screen")
        pdf = page.request.get(f"/cases/{case_id}/papers/status-certificate.pdf")
        assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
        assert pdf.body().startswith(b"%PDF-")
        (shots.folder / f"certificate-{lang}.pdf").write_bytes(pdf.body())

        page.goto(f"/cases/{case_id}/papers/case-summary")
        expect(page.locator("article.paper h1")).to_have_text(words["summary"])
        expect(page.locator("article.paper")).to_contain_text(words["state"])
        assert page.locator("article.paper").get_attribute("lang") == lang
        summary_text = page.locator("article.paper").inner_text()
        assert not [c for c in CODES if c in summary_text], summary_text
        shot_both_widths(page, shots, f"summary-{lang}")
