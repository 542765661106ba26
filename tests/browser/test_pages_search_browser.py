"""Person search in Chromium, in English and Ukrainian, wide and narrow: a Kharkiv caseworker
finds "Олена Шевченко" from the queue's search box however the name is written, opens her case
from the results; an empty search is refused with an error summary that takes the focus and
links to the box; a Lviv caseworker finds nobody; the pages never scroll sideways at 375 px."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import Server, Shots, Visitors, no_sideways_scroll
from tests.factories import open_case

KHARKIV = "UA-63"
WORDS = {
    "en": {"nav": "Cases", "box": "Name, date of birth, phone or document number",
           "search": "Search", "open": "Open the case", "close": "Close match",
           "problem": "There is a problem", "none": "Nobody matches"},
    "uk": {"nav": "Справи", "box": "Ім'я, дата народження, телефон або номер документа",
           "search": "Шукати", "open": "Відкрити справу", "close": "Близький збіг",
           "problem": "Є проблема", "none": "збігів немає"},
}  # fmt: skip


def test_a_caseworker_finds_a_person_from_the_queue_in_either_script(
    server: Server, shots: Shots, visitors: Visitors
) -> None:
    engine = server.runtime.engine
    olena = open_case(engine, KHARKIV, person_name="Олена Шевченко", date_of_birth="1995-04-12")
    open_case(engine, KHARKIV, person_name="Oleh Shevchuk")
    server.user("kateryna", "lsa_official", "lsa-kharkivska", [KHARKIV])
    server.user("lviv", "lsa_official", "lsa-lvivska", ["UA-46"])
    server.caught_up()
    spelled = {"en": "Olena Shevchenco", "uk": "шевченко олена"}
    for lang, width in (("en", 1280), ("en", 375), ("uk", 1280), ("uk", 375)):
        words = WORDS[lang]
        page = visitors.signed_in("kateryna")
        page.set_viewport_size({"width": width, "height": 900})
        if lang == "uk":
            page.goto("/lang/uk?next=/")
        page.get_by_role("navigation").get_by_role("link", name=words["nav"]).click()
        page.get_by_label(words["box"]).fill(spelled[lang])
        page.get_by_role("button", name=words["search"]).click()
        row = page.locator("tbody tr").first
        expect(row).to_contain_text("Олена Шевченко")
        expect(row).to_contain_text(words["close"])
        expect(row).to_contain_text("Kharkiv" if lang == "en" else "Харківська")
        no_sideways_scroll(page)
        shots(page, f"found-{lang}-{width}")
        page.get_by_label(words["box"]).fill("!")
        page.get_by_role("button", name=words["search"]).click()
        summary = page.locator(".error-summary")
        expect(summary).to_contain_text(words["problem"])
        expect(summary).to_be_focused()
        summary.get_by_role("link").click()
        expect(page.get_by_label(words["box"])).to_be_focused()
        no_sideways_scroll(page)
        shots(page, f"refused-{lang}-{width}")
        page.get_by_label(words["box"]).fill(spelled[lang])
        page.get_by_role("button", name=words["search"]).click()
        page.get_by_role("link", name=words["open"]).first.click()
        expect(page).to_have_url(f"{server.url}/cases/{olena.case_id}")
    page = visitors.signed_in("lviv")
    page.goto("/search")
    page.get_by_label(WORDS["en"]["box"]).fill("Olena Shevchenko")
    page.get_by_role("button", name=WORDS["en"]["search"]).click()
    expect(page.get_by_text(WORDS["en"]["none"])).to_be_visible()
    shots(page, "lviv-finds-nobody-en-1280")
    assert not visitors.csp_errors
