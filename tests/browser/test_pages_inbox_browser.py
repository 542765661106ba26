"""The inbox in Chromium, in English and Ukrainian, wide and narrow: a shelter's user finds it in
the navigation, sees the overdue referrals first, accepts one and rejects another from there (a
rejection, set apart, is recorded only once confirmed; one without its reason is refused
beside the form) and is back in the inbox each time; a
rejection a colleague's acceptance overtook is told in words; the pages never scroll sideways at
375 px."""

from __future__ import annotations

import re
from uuid import UUID

from playwright.sync_api import Page, expect

from referral_engine.domain.commands import Actor
from tests.browser.conftest import Server, Shots, Visitors, no_sideways_scroll
from tests.factories import SHELTER, FixedClock, case_in, referral_step, send_referral

COLLEAGUE = Actor("olena.shelter", SHELTER.role, SHELTER.agency)

WORDS = {
    "en": {
        "nav": "Inbox",
        "answer": "Answer",
        "accept": "Accept the referral",
        "reject": "Reject the referral",
        "reason": "Reason",
        "done": "Your answer is recorded",
        "overdue": "overdue",
        "not_recorded": "Not recorded",
        "accepted": "Accepted by the agency",
        "confirm": "I confirm: Reject the referral",
        "unticked": "Tick the box to confirm: Reject the referral",
    },
    "uk": {
        "nav": "Вхідні",
        "answer": "Відповісти",
        "accept": "Прийняти перенаправлення",
        "reject": "Відхилити перенаправлення",
        "reason": "Причина",
        "done": "Вашу відповідь записано",
        "overdue": "прострочено",
        "not_recorded": "Не записано",
        "accepted": "Прийнято установою",
        "confirm": "Підтверджую: Відхилити перенаправлення",
        "unticked": "Позначте поле, щоб підтвердити: Відхилити перенаправлення",
    },
}


def answer_first(page: Page, words: dict[str, str], button: str, shots: Shots, name: str) -> None:
    """Open the first item waiting for an answer and take `button`'s step; back to the inbox.
    A rejection is sent once without its reason first, on the narrow screen."""
    page.locator("#inbox-waiting").get_by_role("link", name=words["answer"]).first.click()
    if button == "reject":  # set apart from accepting, below it, and confirmed
        apart = page.locator(".other-actions")
        expect(apart.get_by_role("button", name=words["reject"])).to_have_class("warning")
        expect(apart.get_by_role("button", name=words["accept"])).to_have_count(0)
        shots(page, f"{name}-item")
    if button == "reject" and name.endswith("-375"):
        page.get_by_role("button", name=words["reject"]).click()  # neither reason nor box
        expect(page.locator("#form-reject .field-error")).to_contain_text(words["unticked"])
        no_sideways_scroll(page)
        shots(page, f"{name}-unconfirmed")
        page.get_by_label(words["confirm"]).check()
        page.get_by_role("button", name=words["reject"]).click()  # no reason chosen
        expect(page.get_by_role("alert").first).to_contain_text(words["not_recorded"])
        no_sideways_scroll(page)
        shots(page, f"{name}-refused")
    if button == "reject":
        page.get_by_label(words["reason"]).first.select_option("no_capacity")
        page.get_by_label(words["confirm"]).check()
    no_sideways_scroll(page)
    page.get_by_role("button", name=words[button]).click()
    expect(page.get_by_role("status")).to_contain_text(words["done"])
    no_sideways_scroll(page)


def test_a_service_provider_answers_referrals_from_the_inbox(
    server: Server, shots: Shots, visitors: Visitors, clock: FixedClock
) -> None:
    engine = server.runtime.engine
    cases = []
    for due_first in (True, False):  # the first four referrals overdue, the next four not
        for _ in range(2):
            cases.append(case_in(engine, "application_registered"))
            send_referral(engine, cases[-1])
            send_referral(engine, cases[-1])  # two to the shelter: it offers only shelter
        if due_first:
            clock.advance(days=6)
    cases.append(case_in(engine, "application_registered"))
    send_referral(engine, cases[-1])  # left for last: a colleague accepts it first
    server.user("anna", SHELTER.role, SHELTER.agency, ["UA-32"])
    server.caught_up()
    for lang, width in (("en", 1280), ("en", 375), ("uk", 1280), ("uk", 375)):
        words = WORDS[lang]
        page = visitors.signed_in("anna")
        page.set_viewport_size({"width": width, "height": 900})
        if lang == "uk":
            page.goto("/lang/uk?next=/")
        page.get_by_role("navigation").get_by_role("link", name=words["nav"]).click()
        if lang == "en":  # answered overdue first: two each time
            expect(page.locator("#inbox-waiting tbody tr").first).to_contain_text(words["overdue"])
        no_sideways_scroll(page)
        shots(page, f"inbox-{lang}-{width}")
        answer_first(page, words, "accept", shots, f"accept-{lang}-{width}")
        expect(page.locator("#inbox-in-progress")).to_contain_text(words["accepted"])
        answer_first(page, words, "reject", shots, f"reject-{lang}-{width}")
        shots(page, f"answered-{lang}-{width}")
    page.locator("#inbox-waiting").get_by_role("link", name=words["answer"]).first.click()
    found = re.search(r"/inbox/cases/([0-9a-f-]+)/referrals/(\w+)$", page.url)
    assert found is not None, page.url
    referral_step(engine, UUID(found.group(1)), found.group(2), "accept", actor=COLLEAGUE)
    page.get_by_label(words["reason"]).first.select_option("no_capacity")
    page.get_by_label(words["confirm"]).check()
    page.get_by_role("button", name=words["reject"]).click()
    expect(page.get_by_role("alert")).to_contain_text("Хтось інший змінив цю справу")
    expect(page.get_by_role("alert")).to_contain_text(COLLEAGUE.user_id)
    no_sideways_scroll(page)
    shots(page, "overtaken-uk-375")
    states = [r.state for c in cases for r in engine.case(c).referrals]
    assert sorted(states) == ["accepted"] * 5 + ["rejected"] * 4
