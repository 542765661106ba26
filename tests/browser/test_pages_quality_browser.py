"""Quality of assistance through the pages in Chromium, in English and Ukrainian: a caseworker
records the person's feedback on two services, a supervisor closes the case with the person's
outcome, a caseworker follows the person up a quarter later, and the quality report counts it."""

from __future__ import annotations

import re
from uuid import UUID

from playwright.sync_api import Page, expect

from referral_engine.application.engine import Engine
from tests import factories
from tests.browser.conftest import Server, Shots, Visitors, open_step
from tests.factories import FixedClock

KYIV = "UA-32"


def assisted(engine: Engine, *, completed: bool) -> tuple[UUID, list[str]]:
    """A Kyiv case with two shelter referrals assisted, the second one completed."""
    case_id = factories.case_in(engine, "application_registered")
    referrals = []
    for done in (False, completed):
        referral_id = factories.send_referral(engine, case_id).referral_id
        assert referral_id is not None
        for trigger in ("accept", "deliver_assistance", *(("complete",) if done else ())):
            factories.referral_step(engine, case_id, referral_id, trigger)
        referrals.append(referral_id)
    return case_id, referrals


def states(engine: Engine, case_id: UUID) -> tuple[str, list[str]]:
    case = engine.case(case_id)
    return case.state, [r.state for r in case.referrals]


def submitted(page: Page, form: str) -> None:
    page.locator(form).get_by_role("button").click()
    expect(page.get_by_role("status")).to_be_visible()


def test_feedback_outcome_and_follow_up_in_both_languages(
    server: Server, shots: Shots, visitors: Visitors, clock: FixedClock
) -> None:
    engine = server.runtime.engine
    case_id, (first, second) = assisted(engine, completed=True)
    server.user("olena", "lsa_official", "lsa-kyivska", [KYIV])
    server.user("sofia", "supervisor", "lsa-kyivska", [KYIV])
    server.user("iryna", "analyst", "msp-analytics", [KYIV])

    # the person's feedback on the service still delivered, in English
    worker = visitors.signed_in("olena")
    worker.goto(f"/cases/{case_id}?step=record_feedback&referral={first}")  # the step's link
    feedback = worker.locator(f"#form-record_feedback-{first}")
    feedback.get_by_label("The person's rating of the service").select_option("good")
    feedback.get_by_label("Timely", exact=True).check()
    feedback.get_by_label("Feedback given by").select_option("person")
    shots(worker, "feedback-english")
    submitted(worker, f"#form-record_feedback-{first}")
    assert states(engine, case_id)[1] == ["delivered", "done"]

    # ... and on the completed one, in Ukrainian: the form is worded in Ukrainian
    worker.goto(f"/lang/uk?next=/cases/{case_id}%3Fstep%3Drecord_feedback%26referral%3D{second}")
    feedback = worker.locator(f"#form-record_feedback-{second}")
    expect(feedback).to_contain_text("Оцінка послуги особою")
    feedback.get_by_label("Оцінка послуги особою").select_option(label="дуже добре")
    feedback.get_by_label("вчасно", exact=True).check()
    feedback.get_by_label("Відгук надав(ла)").select_option(label="працівник зі слів особи")
    shots(worker, "feedback-ukrainian")
    submitted(worker, f"#form-record_feedback-{second}")
    assert states(engine, case_id)[1] == ["delivered", "reviewed"]

    # the supervisor closes the case with where the person stands, in English
    supervisor = visitors.signed_in("sofia")
    supervisor.goto(f"/cases/{case_id}")
    closing = open_step(supervisor, "Close the case")  # among the other actions
    closing.get_by_label("Reason").select_option("assistance_completed")
    closing.get_by_label("Where the person stands now").select_option("employed")
    closing.get_by_label("I confirm: Close the case").check()  # it ends something
    shots(supervisor, "closure-english")
    submitted(supervisor, "#form-close_case")
    assert states(engine, case_id)[0] == "closed"
    assert engine.case(case_id).data["closure_outcome"] == "employed"

    # a quarter later the caseworker follows the person up, in Ukrainian
    clock.advance(days=90)
    worker.goto(f"/cases/{case_id}")
    follow_up = open_step(worker, "Зафіксувати подальший контакт")
    expect(follow_up).to_contain_text("Зафіксувати подальший контакт")
    follow_up.get_by_label("Становище особи зараз").select_option(label="живе самостійно")
    shots(worker, "follow-up-ukrainian")
    submitted(worker, "#form-record_follow_up")
    assert engine.case(case_id).data["follow_up_outcome"] == "living_independently"

    # the quality report counts them (protected for an analyst), worded in both languages
    server.caught_up()
    analyst = visitors.signed_in("iryna")
    analyst.goto("/reports/quality?by=outcome")
    expect(analyst.get_by_role("heading", level=1)).to_contain_text("Quality of assistance")
    expect(analyst.locator("#m-closure_outcomes")).to_contain_text("Where the person stood")
    expect(analyst.locator("#m-follow_up_outcomes")).to_be_visible()
    shots(analyst, "quality-report-english")
    analyst.goto("/lang/uk?next=/reports/quality%3Fby%3Drating")
    expect(analyst.get_by_role("heading", level=1)).to_contain_text("Якість допомоги")
    expect(analyst.locator("#m-feedback_ratings")).to_contain_text(re.compile("Оцінка"))
    shots(analyst, "quality-report-ukrainian")
