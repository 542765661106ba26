"""The referral form's agency picker in Chromium, in English and Ukrainian, wide and narrow: only
the agencies offering a service in the case's region, by name, under their service; choosing
one refers the person to it for that service, without JavaScript doing anything."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import Server, Shots, Visitors, no_sideways_scroll, open_step

KYIV = "UA-32"
WORDS = {
    "en": {"agency": "Receiving agency", "send": "Refer the person to an agency",
           "shelter": "Kyiv Shelter for Survivors (synthetic)", "group": "Shelter"},
    "uk": {"agency": "Установа, що приймає", "send": "Перенаправити особу до установи",
           "shelter": "Київський притулок (синтетичний)", "group": "притулок"},
}  # fmt: skip


def test_the_agency_picker_offers_fitting_agencies_by_name_in_both_languages(
    server: Server, shots: Shots, visitors: Visitors
) -> None:
    server.user("olena", "lsa_official", "lsa-kyivska", [KYIV])
    case_id = factories.case_in(server.runtime.engine, "application_registered")
    page = visitors.signed_in("olena")
    for count, (lang, width) in enumerate((("en", 1280), ("en", 375), ("uk", 1280), ("uk", 375))):
        words = WORDS[lang]
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"/lang/{lang}?next=/cases/{case_id}")
        form = open_step(page, words["send"])
        picker = form.get_by_role("combobox", name=re.compile("^" + words["agency"]))
        expect(picker).to_be_visible()
        shelter = picker.locator(f'optgroup[label="{words["group"]}"] option[value$=shelter-kyiv]')
        expect(shelter).to_have_text(words["shelter"])
        labels = picker.locator("option").all_inner_texts()
        assert not [label for label in labels if re.fullmatch(r"[a-z0-9-]+", label)]  # no ids
        assert not any("Lviv Legal Aid" in label for label in labels)  # not in Kyiv Oblast
        expect(form.get_by_label(re.compile("^(Service|Послуга)$"))).to_have_count(0)
        no_sideways_scroll(page)
        shots(page, f"picker-{lang}-{width}")

        picker.select_option(value="shelter/shelter-kyiv")
        form.get_by_role("button", name=words["send"]).click()

        expect(page.get_by_role("status")).to_contain_text(words["send"])
        rows = page.locator("section[aria-labelledby=h-referrals] article.referral")
        expect(rows).to_have_count(count + 1)
        expect(rows.last).to_contain_text(words["shelter"])
        no_sideways_scroll(page)
        shots(page, f"referred-{lang}-{width}")
    referrals = server.runtime.engine.case(case_id).referrals
    assert [(r.agency, r.service) for r in referrals] == [("shelter-kyiv", "shelter")] * 4
