"""The agency registry in Chromium, in English and Ukrainian, wide and narrow: an admin finds it
in the navigation, registers an agency, records an agreement with another, reads both in words;
the pages never scroll sideways at 375 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from referral_engine.domain.commands import Actor
from tests.browser.conftest import Server, Shots, Visitors, no_sideways_scroll

pytestmark = pytest.mark.usefixtures("empty_registry")  # the registry as the test makes it

WORDS = {
    "en": {
        "nav": "Agencies",
        "name": "Name in English",
        "id": "Registry id",
        "kind": "Kind",
        "ngo": "Non-governmental organisation",
        "register": "Register an agency",
        "record": "Record an agreement",
        "in_force": "in force",
        "done": "Saved.",
    },
    "uk": {
        "nav": "Організації",
        "name": "Назва англійською",
        "id": "Ідентифікатор у реєстрі",
        "kind": "Тип",
        "ngo": "Громадська організація",
        "register": "Зареєструвати організацію",
        "record": "Записати угоду",
        "in_force": "чинна",
        "done": "Збережено.",
    },
}


def register(page: Page, words: dict[str, str], slug: str, name: str) -> None:
    page.get_by_label(words["id"]).fill(slug)
    page.get_by_label(words["name"]).fill(name)
    page.locator("#r-kind").select_option("ngo")
    page.locator("#r-services").fill("shelter, legal_aid")
    page.locator("#r-regions").select_option(["UA-32", "UA-46"])
    page.get_by_role("button", name=words["register"]).click()
    expect(page.get_by_role("heading", level=1, name=name)).to_be_visible()


def record(page: Page, words: dict[str, str], agreement: str) -> None:
    page.locator("#a-id").fill(agreement)
    page.locator("#a-with").select_option("lsa-kyivska")
    page.locator("#a-services").fill("shelter")
    page.locator("#a-signed").fill("2026-01-15")
    page.locator("#a-reference").fill("Order 17")
    page.get_by_role("button", name=words["record"]).click()
    expect(page.get_by_role("status")).to_have_text(words["done"])


def test_an_admin_registers_an_agency_and_an_agreement(
    server: Server, shots: Shots, visitors: Visitors
) -> None:
    server.user("oksana", "admin", "mlsp", ["*"])
    names = {"en": "LSA Kyiv", "uk": "МДА Київщини"}
    admin = Actor("oksana", "admin", "mlsp")
    server.runtime.agencies.register("lsa-kyivska", names, "state_body", [], ["UA-32"], actor=admin)
    for lang, width in (("en", 1280), ("en", 375), ("uk", 1280), ("uk", 375)):
        words = WORDS[lang]
        page = visitors.signed_in("oksana")
        page.set_viewport_size({"width": width, "height": 900})
        if lang == "uk":
            page.goto("/lang/uk?next=/")
        page.get_by_role("navigation").get_by_role("link", name=words["nav"]).click()
        no_sideways_scroll(page)
        register(page, words, f"shelter-{lang}-{width}", f"Shelter {lang} {width}")
        record(page, words, f"a-{lang}")
        row = page.get_by_role("row").filter(has_text=f"a-{lang}")
        expect(row).to_contain_text(words["in_force"])
        expect(row).to_contain_text("МДА Київщини" if lang == "uk" else "LSA Kyiv")
        no_sideways_scroll(page)
        shots(page, f"agency-{lang}-{width}")
        page.get_by_role("link", name=words["nav"]).first.click()
        expect(page.get_by_role("cell", name=words["ngo"]).first).to_be_visible()
        no_sideways_scroll(page)
        shots(page, f"agencies-{lang}-{width}")
    registered = [a.slug for a in server.runtime.agencies.listed(kind="ngo")]
    assert registered == ["shelter-en-1280", "shelter-en-375", "shelter-uk-1280", "shelter-uk-375"]
