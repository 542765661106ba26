"""Possible duplicates in Chromium, in English and Ukrainian, wide and narrow: "Олена Шевченко",
born 1995-04-12, has a case in Kharkivska; a Kyiv screener opens "Olena Shevchenko" with the
same date of birth on the new-case page and is told a person is already known in Kharkiv Oblast
(no link: not their case); the Kyiv and the Kharkiv supervisors each see the alert on
/person-alerts; the Kyiv supervisor, refused a link without a reason (an error summary that
takes the focus and links to the field), links the two; the Kharkiv supervisor sees them
linked. The pages never scroll sideways at 375 px."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import Server, Shots, Visitors, no_sideways_scroll
from tests.factories import open_case

KHARKIV, KYIV = "UA-63", "UA-32"
BORN = "1995-04-12"
WORDS = {
    "en": {"nav": "Possible duplicates", "kharkiv": "Kharkiv Oblast", "kyiv": "Kyiv Oblast",
           "known": "already known in Kharkiv Oblast", "waiting": "Waiting for a decision (1)",
           "elsewhere": "A case in", "linked": "Linked: one person"},
    "uk": {"nav": "Можливі дублікати", "kharkiv": "Харківська область",
           "kyiv": "Київська область", "known": "вже відома в області: Харківська область",
           "waiting": "Чекають на рішення (1)", "elsewhere": "Справа в області:",
           "linked": "Пов’язано: одна особа"},
}  # fmt: skip
SIZES = (("en", 1280), ("en", 375), ("uk", 1280), ("uk", 375))


def looked_at(page: Page, shots: Shots | None, url: str, lang: str, width: int, name: str) -> None:
    """The page at `url` in `lang` at `width` px: no sideways scroll, a screenshot."""
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"/lang/{lang}?next=/")
    page.goto(url)
    no_sideways_scroll(page)
    if shots is not None:
        shots(page, f"{name}-{lang}-{width}")


def test_a_person_screened_in_two_regions_is_told_seen_by_both_supervisors_and_linked(
    server: Server, shots: Shots, visitors: Visitors
) -> None:
    kharkiv_case = open_case(
        server.runtime.engine, KHARKIV, person_name="Олена Шевченко", date_of_birth=BORN
    ).case_id
    server.user("marta", "nrm_actor", "ngo-synthetic", [KYIV])
    server.user("sup-kharkiv", "supervisor", "lsa-kharkivska", [KHARKIV])
    server.user("sup-kyiv", "supervisor", "lsa-kyivska", [KYIV])
    server.caught_up()

    screener = visitors.signed_in("marta")
    screener.goto("/cases/new")
    screener.get_by_label("Region").select_option(KYIV)
    screener.get_by_label("Who screened").select_option("ngo")
    screener.get_by_label("deception").check()
    screener.get_by_label("The person is a child").select_option("false")
    screener.locator("#open-sex").select_option("female")
    screener.get_by_label(re.compile("^Citizenship")).select_option("UA")
    screener.get_by_label("Full name").fill("Olena Shevchenko")
    screener.get_by_label("Date of birth").fill(BORN)
    screener.get_by_role("button", name="Open the case").click()
    expect(screener).to_have_url(re.compile(r"/cases/[0-9a-f-]{36}\?.*duplicates=found"))
    told = screener.url
    for lang, width in SIZES:
        looked_at(screener, shots, told, lang, width, "opener-told")
        notice = screener.locator("#duplicate-notice")
        expect(notice).to_contain_text(WORDS[lang]["known"])
        expect(notice.get_by_role("link")).to_have_count(0)  # the Kharkiv case is not hers
    assert str(kharkiv_case) not in screener.content()
    server.caught_up()

    kyiv = visitors.signed_in("sup-kyiv")
    kharkiv = visitors.signed_in("sup-kharkiv")
    for page, mine, theirs in ((kyiv, "kyiv", "kharkiv"), (kharkiv, "kharkiv", "kyiv")):
        for lang, width in SIZES:
            looked_at(page, None, "/", lang, width, f"{mine}-nav")
            words = WORDS[lang]
            page.get_by_role("navigation").get_by_role("link", name=words["nav"]).click()
            expect(page.locator("#alerts-count")).to_have_text("1")
            pair = page.locator("article.pair")
            expect(pair).to_contain_text(words[mine])
            expect(pair).to_contain_text(f"{words['elsewhere']} {words[theirs]}")
            expect(page.locator("#h-open")).to_have_text(words["waiting"])
            no_sideways_scroll(page)
            shots(page, f"{mine}-alerts-{lang}-{width}")

    looked_at(kyiv, None, "/person-alerts", "en", 1280, "kyiv-before")
    pair = kyiv.locator("article.pair")
    pair.get_by_role("button", name="Link to one person").click()
    summary = kyiv.locator(".error-summary")
    expect(summary).to_contain_text("Choose a reason.")
    expect(summary).to_be_focused()
    summary.get_by_role("link").click()
    reason = kyiv.get_by_label(re.compile("^Why they are one person"))
    expect(reason).to_be_focused()
    shots(kyiv, "kyiv-refused-en-1280")
    reason.select_option(label="The same identity document")
    kyiv.locator("article.pair").get_by_role("button", name="Link to one person").click()
    expect(kyiv.get_by_role("status")).to_have_text("The two cases are linked to one person.")
    shots(kyiv, "kyiv-linked-en-1280")

    for lang, width in (("uk", 375), ("en", 1280)):
        looked_at(kharkiv, shots, "/person-alerts", lang, width, "kharkiv-sees-linked")
        decided = kharkiv.locator("#h-decided + article.pair")
        expect(decided).to_contain_text(WORDS[lang]["linked"])
        expect(kharkiv.locator("#alerts-count")).to_have_text("0")
