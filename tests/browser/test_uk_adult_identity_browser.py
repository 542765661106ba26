"""An adult's name typed into a new UK case (uk-nrm 4) is refused in the form's summary naming
the field by its label and the law, in English and Ukrainian, at 1280 and 375 px; the labels say
whose name the opening takes; without the name, the case opens."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Server, Shots, Visitors, no_sideways_scroll

ENGLAND = "GB-ENG"
WORDS = {
    "en": ("Full name (a child's only", "may not be recorded on this case yet", "Open the case"),
    "uk": ("Повне ім'я (лише дитини", "поки що не можна зберігати в цій справі", None),
}


@pytest.mark.parametrize("width", [1280, 375])
def test_an_adults_name_at_the_opening_is_refused_naming_field_and_law_and_the_case_opens_without(
    server: Server, shots: Shots, visitors: Visitors, width: int
) -> None:
    server.user("amy", "first_responder", "police-met", [ENGLAND])
    page = visitors.signed_in("amy")
    page.set_viewport_size({"width": width, "height": 900})
    for lang, (label, refused, _) in WORDS.items():
        page.goto(f"/lang/{lang}?next=/")
        page.goto("/cases/new?workflow=uk-nrm")
        form = page.locator('main form[action="/cases/new"]')
        form.locator('[name="data.first_responder_type"]').select_option("police")
        form.locator('[name="data.exploitation_forms"][value="labour"]').check()
        form.locator('[name="data.is_child"]').select_option("false")
        form.locator('[name="data.sex"]').select_option("female")
        form.locator('[name="data.citizenship"]').select_option("VN")
        form.locator('[name="data.person_name"]').fill("Synthetic Adult")
        form.get_by_role("button").click()
        summary = page.locator(".error-summary")
        expect(summary).to_be_focused()
        link = summary.get_by_role("link")
        expect(link).to_have_count(1)
        expect(link).to_contain_text(label)
        expect(link).to_contain_text(refused)
        expect(link).to_contain_text("MSA 2015 s.52(3)")
        no_sideways_scroll(page)
        shots(page, f"adult-name-refused-{lang}-{width}")
    form = page.locator('main form[action="/cases/new"]')
    form.locator('[name="data.person_name"]').fill("")
    form.get_by_role("button").click()
    expect(page).to_have_url(re.compile(r"/cases/[0-9a-f-]{36}"))
    shots(page, f"adult-opened-uk-{width}")
