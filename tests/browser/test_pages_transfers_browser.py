"""A transfer between regions in Chromium, in English and Ukrainian, wide and narrow: Kharkiv
Oblast's LSA asks (a request without its reason is refused beside the field), Kyiv Oblast's LSA
finds it waiting above the queue, reads the case and accepts it; Kharkiv's LSA then meets "not
found"; the history tells the transfer in words. Regions and reasons are named, never coded."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from referral_engine.domain.commands import Actor
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
        "ask": "Request a transfer",
        "refuse": "Refuse the transfer",
        "unticked": "Tick the box to confirm: Refuse the transfer",
        "confirm": "I confirm: Refuse the transfer",
        "refused": "Transfer refused: case",
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
        "ask": "Запросити передавання",
        "refuse": "Відмовити в передаванні",
        "unticked": "Позначте поле, щоб підтвердити: Відмовити в передаванні",
        "confirm": "Підтверджую: Відмовити в передаванні",
        "refused": "У передаванні відмовлено: справа",
    },
}
OKSANA = Actor("oksana", "lsa_official", "lsa-kharkivska")
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
        expect(asking.locator("main form#form-transfer")).to_have_count(0)  # an action first
        asking.locator("#moves").get_by_role("link", name=words["ask"]).click()
        expect(asking.locator("main form")).to_have_count(1)  # its form alone
        both_widths(asking, shots, f"{lang}-ask")
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
        answering.locator("#moves").get_by_role("link", name=words["accept"]).click()
        expect(answering.locator("main form")).to_have_count(1)
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


def test_refusing_a_transfer_is_set_apart_and_asks_for_a_confirmation(
    server: Server, shots: Shots, visitors: Visitors
) -> None:
    """The receiving LSA's refusal ends the transfer: offered apart from accepting it, its form
    opens alone, and sent unticked it records nothing and says why at the top, focused."""
    engine = server.runtime.engine
    server.user("oksana", "lsa_official", "lsa-kharkivska", [KHARKIV])
    server.user("taras", "lsa_official", "lsa-kyivska", [KYIV])
    for lang in ("en", "uk"):
        words = WORDS[lang]
        case_id = case_in(engine, "application_registered", region=KHARKIV)
        asked = engine.case(case_id).version
        engine.request_transfer(case_id, KYIV, "person_moved", actor=OKSANA, expected_version=asked)
        server.caught_up()
        answering = signed_in(visitors, "taras", lang)
        answering.goto(f"/cases/{case_id}")
        apart = answering.locator("#moves .other-actions")
        expect(apart.get_by_role("link", name=words["refuse"])).to_have_class(re.compile("warning"))
        expect(apart.get_by_role("link", name=words["accept"])).to_have_count(0)
        both_widths(answering, shots, f"{lang}-refuse-offered")
        apart.get_by_role("link", name=words["refuse"]).click()
        form = answering.locator("main form")
        expect(form).to_have_count(1)
        form.get_by_label(words["reason"]).first.select_option("information_missing")
        form.get_by_role("button", name=words["refuse"]).click()  # the box left unticked
        summary = answering.locator("#error-summary")
        expect(summary).to_contain_text(words["unticked"])
        expect(summary).to_be_focused()
        expect(answering.get_by_label(words["reason"]).first).to_have_value("information_missing")
        assert engine.case(case_id).transfer is not None  # nothing recorded
        both_widths(answering, shots, f"{lang}-refuse-unconfirmed")
        summary.get_by_role("link", name=words["unticked"]).click()
        answering.get_by_label(words["confirm"]).check()
        answering.locator("main form").get_by_role("button", name=words["refuse"]).click()
        expect(answering.get_by_role("status")).to_contain_text(words["refused"])
        expect(answering.get_by_role("status")).to_contain_text(str(case_id)[:8])
        expect(answering.locator("#transfers-waiting")).to_have_count(0)  # back to the queue
        no_codes(answering, "main")
        both_widths(answering, shots, f"{lang}-refuse-recorded")
        refused = engine.case(case_id)
        assert refused.transfer is None and refused.region == KHARKIV
