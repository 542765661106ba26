"""A transfer between regions in Chromium, in English and Ukrainian, wide and narrow: Kharkiv
Oblast's LSA asks (a request without its reason is refused beside the field), Kyiv Oblast's LSA
finds it waiting above the queue, reads the case and accepts it; Kharkiv's LSA then meets "not
found"; the history tells the transfer in words. Regions and reasons are named, never coded."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import Server, Shots, Visitors, no_sideways_scroll
from tests.factories import case_in

KHARKIV, KYIV = "UA-63", "UA-32"
WORDS = {
    "en": {
        "region": "Receiving region",
        "kyiv": "Kyiv Oblast",
        "kharkiv": "Kharkiv Oblast",
        "reason": "Reason",
        "moved": "Person moved",
        "send": "Request the transfer",
        "required": "is required",
        "waiting": "A transfer to Kyiv Oblast was requested",
        "queue": "Transfers waiting for your answer",
        "accept": "Accept the transfer",
        "recorded": "Recorded",
        "history": "From Kharkiv Oblast to Kyiv Oblast",
        "accepted": "Transfer accepted",
    },
    "uk": {
        "region": "Область, що приймає",
        "kyiv": "Київська область",
        "kharkiv": "Харківська область",
        "reason": "Причина",
        "moved": "особа переїхала",
        "send": "Запросити передавання",
        "required": "обов'язкове поле",
        "waiting": "запросив(ла) передавання до області «Київська область»",
        "queue": "Передавання, що чекають на вашу відповідь",
        "accept": "Прийняти передавання",
        "recorded": "Записано",
        "history": "З області «Харківська область» до області «Київська область»",
        "accepted": "Передавання прийнято",
    },
}
CODES = (KHARKIV, KYIV, "person_moved", "TransferRequested", "lsa_official", "transfer_note")


def both_widths(page: Page, shots: Shots, name: str) -> None:
    """A screenshot at 1280 and at 375 px; the narrow page never scrolls sideways."""
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        no_sideways_scroll(page)
        shots(page, f"{name}-{width}")
    page.set_viewport_size({"width": 1280, "height": 900})


def no_codes(page: Page, selector: str) -> None:
    text = page.locator(selector).inner_text()
    assert not [c for c in CODES if c in text], text


def signed_in(visitors: Visitors, name: str, lang: str) -> Page:
    page = visitors.signed_in(name)
    if lang == "uk":
        page.goto("/lang/uk?next=/")
    return page


def test_a_case_is_transferred_between_regions_in_both_languages(
    server: Server, shots: Shots, visitors: Visitors
) -> None:
    engine = server.runtime.engine
    server.user("oksana", "lsa_official", "lsa-kharkivska", [KHARKIV])
    server.user("taras", "lsa_official", "lsa-kyivska", [KYIV])
    for lang in ("en", "uk"):
        words = WORDS[lang]
        case_id = case_in(engine, "application_registered", region=KHARKIV)
        asking = signed_in(visitors, "oksana", lang)
        asking.goto(f"/cases/{case_id}")
        form = asking.locator("#form-transfer")
        form.get_by_label(words["region"]).select_option(label=words["kyiv"])
        form.get_by_role("button", name=words["send"]).click()  # no reason chosen
        refused = asking.locator("#form-transfer")
        expect(refused.locator(".field-error")).to_contain_text(words["required"])
        expect(refused.get_by_label(words["reason"])).to_have_attribute("aria-invalid", "true")
        expect(refused.get_by_label(words["region"])).to_have_value(KYIV)  # kept
        both_widths(asking, shots, f"{lang}-refused")
        refused.get_by_label(words["reason"]).select_option(label=words["moved"])
        refused.get_by_role("button", name=words["send"]).click()
        expect(asking.get_by_role("status")).to_contain_text(words["recorded"])
        expect(asking.locator("#transfer-waiting")).to_contain_text(words["waiting"])
        no_codes(asking, "#moves")
        both_widths(asking, shots, f"{lang}-asked")

        server.caught_up()
        answering = signed_in(visitors, "taras", lang)
        answering.goto("/cases")
        waiting = answering.locator("#transfers-waiting")
        expect(waiting).to_contain_text(words["queue"])
        expect(waiting).to_contain_text(words["kharkiv"])
        no_codes(answering, "#transfers-waiting")
        both_widths(answering, shots, f"{lang}-queue")
        waiting.get_by_role("link", name=str(case_id)[:8]).click()
        expect(answering.locator("#moves")).to_contain_text(words["kharkiv"])
        both_widths(answering, shots, f"{lang}-to-answer")
        answering.locator("#form-accept").get_by_role("button", name=words["accept"]).click()
        expect(answering.get_by_role("status")).to_contain_text(words["accepted"])
        expect(answering.locator(".summary").first).to_contain_text(words["kyiv"])
        both_widths(answering, shots, f"{lang}-accepted")

        gone = asking.goto(f"/cases/{case_id}")
        assert gone is not None and gone.status == 404
        both_widths(asking, shots, f"{lang}-old-region")
        answering.goto(f"/cases/{case_id}/history")
        moved = answering.locator("ul.moved")
        expect(moved.first).to_contain_text(words["history"])
        expect(moved.first).to_contain_text(words["moved"])
        no_codes(answering, ".timeline ul.moved >> nth=0")
        both_widths(answering, shots, f"{lang}-history")
        assert engine.case(case_id).region == KYIV
