"""Dashboards, a case's history and the read models' page in Chromium (#19, items 8 and 9): at
1280 and 375 px, in English and Ukrainian, no chart label is cut and no page scrolls sideways;
the read models' ticking figures are not announced to screen readers."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from referral_engine.application import demo
from referral_engine.application.dashboards import dashboards
from tests import factories
from tests.browser.conftest import Server, Shots, Visitors, no_sideways_scroll

KYIV, LVIV, ODESA, ENGLAND = "UA-32", "UA-46", "UA-51", "GB-ENG"
CUT = """[...document.querySelectorAll('.bar-label, .bar-group-label, .bar-value, .filters label')]
  .filter(e => e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 1)
  .map(e => e.className + ': ' + e.textContent.trim().slice(0, 60))"""
"""Chart and form labels whose text does not fit their box (cut, or hidden under another)."""
LANGS = {"en": "English", "uk": "Українська"}


def seeded(server: Server) -> None:
    """Synthetic cases of both workflows in four regions, folded by every read model."""
    engine = server.runtime.engine
    demo.seed(engine, "ukraine-nrm", 60, seed=7, regions={KYIV: 3, LVIV: 1, ODESA: 1})
    demo.seed(engine, "uk-nrm", 20, seed=8, regions={ENGLAND: 1})
    server.caught_up()


def readable(page: Page, name: str) -> None:
    """Nothing on the page is cut, nor wider than the screen."""
    page.wait_for_load_state("load")
    cut = page.evaluate(CUT)
    assert not cut, f"{name}: labels cut {cut[:5]}"
    no_sideways_scroll(page)


@pytest.mark.parametrize("lang", ["en", "uk"])
@pytest.mark.parametrize("width", [1280, 375])
def test_every_dashboard_reads_whole(
    server: Server, shots: Shots, visitors: Visitors, width: int, lang: str
) -> None:
    seeded(server)
    server.user("iryna", "analyst", "msp-analytics", ["*"])
    page = visitors.signed_in("iryna")
    page.set_viewport_size({"width": width, "height": 900})
    if lang == "uk":
        page.get_by_role("link", name=LANGS[lang]).click()
    for name in dashboards(server.runtime.projections):
        page.goto(f"/dashboards/{name}")
        expect(page.locator("figure.bars .bar-row").first).to_be_visible()
        assert page.locator("figure.bars .bar-row").count() <= 60
        readable(page, f"{name} {lang} {width}")
        shots(page, f"{name}-{lang}-{width}")
        text = page.locator("main").inner_text()
        assert not re.search(r"\bUA-\d\d\b|\bGB-[A-Z]{3}\b", text), (name, lang)


def test_the_reader_chooses_what_the_chart_shows_with_the_form(
    server: Server, shots: Shots, visitors: Visitors
) -> None:
    seeded(server)
    server.user("iryna", "analyst", "msp-analytics", ["*"])
    page = visitors.signed_in("iryna")
    page.goto("/dashboards/assistance")
    page.get_by_label("Region").select_option(label="Kyiv Oblast")
    page.get_by_label("From month").select_option(index=1)  # the first month held
    page.get_by_label("Group the bars by").select_option(label="Month")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"region=UA-32.*start=20\d\d-\d\d.*by=month"))
    groups = page.locator(".bar-group-label").all_inner_texts()
    assert groups and all(re.fullmatch(r"[A-Z][a-z]+ 20\d\d", g) for g in groups), groups
    expect(page.get_by_label("Region")).to_have_value(KYIV)
    readable(page, "chosen")
    shots(page, "chosen-1280")
    page.set_viewport_size({"width": 375, "height": 900})
    readable(page, "chosen at 375")
    shots(page, "chosen-375")


def test_a_case_history_fits_a_narrow_screen_in_both_languages(
    server: Server, shots: Shots, visitors: Visitors
) -> None:
    seeded(server)
    case_id = factories.case_in(server.runtime.engine, "identified", region=KYIV)
    server.user("sofia", "supervisor", "lsa-kyivska", [KYIV])
    page = visitors.signed_in("sofia")
    page.set_viewport_size({"width": 375, "height": 800})
    for lang, language in LANGS.items():
        if lang == "uk":
            page.get_by_role("link", name=language).first.click()
        page.goto(f"/cases/{case_id}/history")
        expect(page.locator(".timeline li").first).to_be_visible()
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        no_sideways_scroll(page)
        shots(page, f"history-{lang}-375")


def test_the_read_models_page_does_not_announce_its_ticking_figures(
    server: Server, shots: Shots, visitors: Visitors
) -> None:
    factories.open_case(server.runtime.engine)
    server.caught_up()
    server.user("iryna", "analyst", "msp-analytics", ["*"])
    page = visitors.signed_in("iryna")
    page.goto("/projections")
    summary = page.locator("#models-summary")
    expect(summary).to_have_attribute("aria-live", "polite")
    expect(summary).to_contain_text("read models are up to date")
    assert page.locator("table [aria-live], table[aria-live]").count() == 0
    page.evaluate(
        """window.changes = 0; new MutationObserver(() => window.changes++)
        .observe(document.getElementById('models-summary'),
                 {childList: true, characterData: true, subtree: true})"""
    )
    for _ in range(3):  # the table is fetched again every second
        with page.expect_request(lambda r: "/projections/rows" in r.url, timeout=30_000):
            pass
    assert page.evaluate("window.changes") == 0  # nothing changed: nothing said
    factories.open_case(server.runtime.engine)  # the figures move on; the summary stays
    head = server.runtime.projections.head()
    expect(page.locator("tbody[data-live-src] tr", has_text="case_queue")).to_contain_text(
        f"{head} / {head}"
    )
    expect(summary).to_contain_text("read models are up to date")
    assert page.evaluate("window.changes") <= 2  # behind, then up to date again, at most
    no_sideways_scroll(page)
    shots(page, "read-models")


def test_every_page_names_its_icon(server: Server, visitors: Visitors) -> None:
    page = visitors.new()
    page.goto("/sign-in")
    icon = page.locator('link[rel="icon"]')
    expect(icon).to_have_attribute("href", "/static/favicon.svg")
    response = page.request.get("/static/favicon.svg")
    assert response.ok and response.headers["content-type"].startswith("image/svg+xml")
    assert response.text().startswith("<svg")
