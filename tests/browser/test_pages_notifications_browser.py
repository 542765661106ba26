"""Notifications in Chromium, in English and Ukrainian, wide and narrow: the header counts the
unread ones on every page, the list says in words what happened (never a code) and links to the
case; marking one and then all read brings the count down; no page scrolls sideways at 375 px."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests import factories
from tests.browser.conftest import Server, Shots, Visitors, no_sideways_scroll

WORDS = {
    "en": {
        "nav": "Notifications",
        "arrived": "A referral arrived for your agency",
        "mark": "Mark as read",
        "all": "Mark all as read",
        "marked": "Marked as read.",
    },
    "uk": {
        "nav": "Сповіщення",
        "arrived": "До вашої організації надійшло перенаправлення",
        "mark": "Позначити як прочитане",
        "all": "Позначити всі як прочитані",
        "marked": "Позначено як прочитане.",
    },
}
CODES = ("referral_arrived", "shelter-kyiv", "ukraine-nrm", "service_provider")


def count(page: Page, n: int) -> None:
    expect(page.locator("#unread-count")).to_have_text(str(n))


def test_the_header_counts_unread_notifications_and_the_list_words_them(
    server: Server, shots: Shots, visitors: Visitors
) -> None:
    server.user("anna.shelter", "service_provider", "shelter-kyiv", ["UA-32"])
    engine = server.runtime.engine
    for _ in range(2):
        case_id = factories.case_in(engine, "awaiting_verification")
        factories.send_referral(engine, case_id, agency="shelter-kyiv")
    server.runtime.notifier.events.catch_up()
    page = visitors.signed_in("anna.shelter")
    count(page, 2)
    unread = 2
    for lang, width in (("en", 1280), ("en", 375), ("uk", 375), ("uk", 1280)):
        words = WORDS[lang]
        page.set_viewport_size({"width": width, "height": 900})
        if lang == "uk" and page.locator("html").get_attribute("lang") != "uk":
            page.goto("/lang/uk?next=/notifications")
        page.get_by_role("link", name=words["nav"]).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(words["nav"])
        expect(page.locator("ol.notices > li")).to_have_count(2)
        expect(page.locator("ol.notices")).to_contain_text(words["arrived"])
        content = page.locator("main").inner_text()
        assert not any(code in content for code in CODES), content
        no_sideways_scroll(page)
        shots(page, f"notifications-{lang}-{width}")
        if width == 375:
            button = words["mark"] if unread == 2 else words["all"]
            page.get_by_role("button", name=button).first.click()
            expect(page.get_by_role("status")).to_have_text(words["marked"])
            unread = 1 if unread == 2 else 0
            count(page, unread)
            no_sideways_scroll(page)
            shots(page, f"notifications-marked-{lang}-{width}")
    page.locator("ol.notices a").first.click()
    expect(page).to_have_url(f"{server.url}/cases/{case_id}")
    count(page, 0)
