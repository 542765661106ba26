"""The case page as a caseworker's tool in Chromium, in English and Ukrainian, at 1280 and 375
px (#19, items 1-3): the header names the person and the state; a step's link opens its form
alone; a refused form moves the focus to the summary at the top, whose link leads to the
field; a step that ends something is recorded only once its box is ticked."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests import factories
from tests.browser.conftest import Server, Shots, Visitors, no_sideways_scroll, open_step

KYIV = "UA-32"
NAME = "Halyna Syntheticuk"
WORDS = {
    "en": {
        "state": "Application for status registered",
        "region": "Kyiv Oblast",
        "interview": "Interview with the ministry questionnaire",
        "field": "Questionnaire completed",
        "missing": "Select questionnaire completed",
        "recorded": "Recorded: Interview with the ministry questionnaire",
        "revoke": "Revoke the referral",
        "reason": "Reason",
        "unconfirmed": "Tick the box to confirm: Revoke the referral",
        "confirm": "I confirm: Revoke the referral",
        "revoked": "Recorded: Revoke the referral",
    },
    "uk": {
        "state": "Заяву про встановлення статусу зареєстровано",
        "region": "Київська область",
        "interview": "Провести співбесіду за анкетою міністерства",
        "field": "Анкету заповнено",
        "missing": "Оберіть значення поля «Анкету заповнено»",
        "recorded": "Записано: Провести співбесіду за анкетою міністерства",
        "revoke": "Відкликати перенаправлення",
        "reason": "Причина",
        "unconfirmed": "Позначте поле, щоб підтвердити: Відкликати перенаправлення",
        "confirm": "Підтверджую: Відкликати перенаправлення",
        "revoked": "Записано: Відкликати перенаправлення",
    },
}


@pytest.mark.parametrize("lang", ["en", "uk"])
def test_the_person_file_one_step_at_a_time_its_errors_and_a_confirmed_ending(
    server: Server, shots: Shots, visitors: Visitors, lang: str
) -> None:
    words = WORDS[lang]
    engine = server.runtime.engine
    server.user("olena", "lsa_official", "lsa-kyivska", [KYIV])
    page = visitors.signed_in("olena")
    for width in (1280, 375):
        case_id = factories.case_in(engine, "application_registered", person_name=NAME)
        factories.send_referral(engine, case_id)
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"/lang/{lang}?next=/cases/{case_id}")
        the_header(page, words)
        shot(page, shots, f"header-{lang}-{width}")
        for part, where in (("head", ".case-head"), ("steps", "#steps")):  # close-ups
            page.locator(where).screenshot(path=str(shots.folder / f"{part}-{lang}-{width}.png"))

        form = open_step(page, words["interview"])
        expect(page.get_by_role("heading", level=1)).to_have_text(words["interview"])
        shot(page, shots, f"step-{lang}-{width}")
        form.get_by_role("button").click()
        summary = page.locator(".error-summary")
        expect(summary).to_be_focused()
        expect(summary.get_by_role("link")).to_have_text([words["missing"]])
        expect(page.locator("#step0-questionnaire_completed-error")).to_have_text(words["missing"])
        shot(page, shots, f"refused-{lang}-{width}")
        summary.get_by_role("link").click()
        field = page.get_by_label(words["field"])
        expect(field).to_be_focused()
        field.select_option("true")
        page.locator("main form.step").get_by_role("button").click()
        expect(page.get_by_role("status")).to_contain_text(words["recorded"])
        shot(page, shots, f"recorded-{lang}-{width}")

        ending = page.locator(".other-actions").get_by_role("link", name=words["revoke"])
        expect(ending).to_have_css("background-color", "rgb(180, 35, 24)")  # warning, apart
        form = open_step(page, words["revoke"])
        form.get_by_label(words["reason"]).fill("Synthetic: the person found another shelter")
        form.get_by_role("button", name=words["revoke"]).click()
        expect(page.locator(".error-summary")).to_be_focused()
        expect(page.locator(".error-summary")).to_contain_text(words["unconfirmed"])
        assert [r.state for r in engine.case(case_id).referrals] == ["sent"]  # not recorded
        shot(page, shots, f"unconfirmed-{lang}-{width}")
        page.get_by_label(words["confirm"]).check()
        page.locator("main form.step").get_by_role("button", name=words["revoke"]).click()
        expect(page.get_by_role("status")).to_contain_text(words["revoked"])
        assert [r.state for r in engine.case(case_id).referrals] == ["revoked"]
        shot(page, shots, f"revoked-{lang}-{width}")


def the_header(page: Page, words: dict[str, str]) -> None:
    head = page.locator(".case-head")
    expect(head.get_by_role("heading", level=1)).to_have_text(NAME)
    status = head.locator(".status")
    expect(status).to_have_text(words["state"])
    expect(status).to_have_class(re.compile(r"\bstatus-progress\b"))
    expect(status).to_have_css("border-top-style", "dashed")  # not by colour alone
    expect(head).to_contain_text(words["region"])
    expect(page.locator('main form[action$="/steps"]')).to_have_count(0)  # links, no form


def shot(page: Page, shots: Shots, name: str) -> None:
    no_sideways_scroll(page)
    shots(page, name)
