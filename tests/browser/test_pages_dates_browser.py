"""Dates that make sense in the browser: a consent signed in the future is refused, shown beside
its field and in the form's summary naming the field by its label, in English and Ukrainian, at
1280 and 375 px, without sideways scrolling."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import Server, Shots, Visitors, no_sideways_scroll, open_step

WORDS = {
    "en": (
        "Record informed consent to referral and data sharing",
        "Date signed",
        "Date signed must not be in the future (later than 2026-03-02)",
    ),
    "uk": (
        "Зафіксувати поінформовану згоду на перенаправлення й обмін даними",
        "Дата підписання",
        "Поле «Дата підписання» не може бути в майбутньому (пізніше за 2026-03-02)",
    ),
}


@pytest.mark.parametrize("width", [1280, 375])
def test_a_consent_signed_in_the_future_is_shown_beside_the_field_and_in_the_summary(
    server: Server, shots: Shots, visitors: Visitors, width: int
) -> None:
    engine = server.runtime.engine
    case_id = factories.case_in(engine, "screened", consent=False)
    server.user("petro", "lsa_official", "lsa-kyivska", [factories.REGION])
    page = visitors.signed_in("petro")
    page.set_viewport_size({"width": width, "height": 900})
    for lang, (step, label, said) in WORDS.items():
        if lang == "uk":
            page.goto("/lang/uk?next=/")
        page.goto(f"/cases/{case_id}")
        form = open_step(page, step)
        form.locator('[name="data.given_by"]').select_option("person")
        form.locator('[name="data.scope"][value="referral"]').check()
        form.locator('[name="data.signed_on"]').fill("2026-03-03")
        form.get_by_role("button").click()
        form = page.locator('main form[action$="/steps"]')
        expect(form.locator(".field-error")).to_have_text(said)
        summary = page.locator(".error-summary")
        expect(summary).to_be_focused()
        expect(summary.get_by_role("link")).to_have_text([said])
        expect(form.get_by_label(label)).to_have_attribute("aria-invalid", "true")
        no_sideways_scroll(page)
        shots(page, f"consent-in-the-future-{lang}-{width}")
        form.screenshot(path=str(shots.folder / f"{shots.count:02d}-the-form-{lang}-{width}.png"))
