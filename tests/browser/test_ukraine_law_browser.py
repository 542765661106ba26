"""ukraine-nrm version 6 in a real Chromium (issue #20): a foreign child's case offers the steps
the law gives (the interview waived for a child under 14, an interpreter, the certificate of the
application, the plan of priority assistance); the waiver starts the legal month, shown as a
legal term, not a service target; the workflow page words terms in months. English and
Ukrainian, at 1280 and 375 px."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import Server, Shots, Visitors, no_sideways_scroll, open_step

KYIV = "UA-32"
LAW_STEPS = {
    "waive_interview_for_child": "Record that the interview is waived for a child under 14",
    "record_interpreter": "Record that an interpreter was provided",
    "issue_application_certificate": "Issue the certificate that the person applied for the status",
    "adopt_child_assistance_plan": "Adopt the plan of priority assistance to the child",
    "record_child_return_decision": "Record the decision on a foreign child's return or stay",
}
MONTH = "Decide on the status within one month of the interview (legal term)"
MONTH_UK = "Ухвалити рішення про статус протягом місяця від співбесіди (строк закону)"


def test_a_foreign_childs_case_under_the_law_in_both_languages_and_widths(
    server: Server, shots: Shots, visitors: Visitors
) -> None:
    server.user("olena", "lsa_official", "lsa-kyivska", [KYIV])
    child = factories.case_in(
        server.runtime.engine,
        "application_registered",
        is_child=True,
        citizenship="MD",
        date_of_birth=factories.born_aged(12),
    )
    page = visitors.signed_in("olena")
    page.goto(f"/cases/{child}")
    steps = page.locator("#steps")
    for title in LAW_STEPS.values():
        expect(steps.get_by_role("link", name=title).first).to_be_visible()
    shots(page, "case-offers-the-laws-steps")

    waiver = open_step(page, LAW_STEPS["waive_interview_for_child"])
    waiver.get_by_label("Reason").select_option("child_under_14")
    waiver.get_by_role("button", name=LAW_STEPS["waive_interview_for_child"]).click()
    # the notice names the step taken, not the first step recording the same event
    expect(page.locator("p.notice")).to_contain_text(LAW_STEPS["waive_interview_for_child"])
    deadlines = page.locator("section[aria-labelledby='h-deadlines']")
    expect(deadlines).to_contain_text(MONTH)
    row = deadlines.locator("tr", has_text=MONTH)
    expect(row).not_to_contain_text("service target")
    expect(steps.get_by_role("link", name=LAW_STEPS["waive_interview_for_child"])).to_have_count(0)
    shots(page, "waived-the-legal-month-runs")

    page.goto(f"/lang/uk?next=/cases/{child}")
    expect(page.locator("section[aria-labelledby='h-deadlines']")).to_contain_text(MONTH_UK)
    shots(page, "case-ukrainian")
    page.goto("/workflows/ukraine-nrm/6")
    expect(page.locator("main")).to_contain_text("1 міс.")
    shots(page, "workflow-6-ukrainian")

    narrow = visitors.signed_in("olena")
    narrow.set_viewport_size({"width": 375, "height": 812})
    for lang, words in (("en", MONTH), ("uk", MONTH_UK)):
        narrow.goto(f"/lang/{lang}?next=/cases/{child}")
        expect(narrow.locator("section[aria-labelledby='h-deadlines']")).to_contain_text(words)
        no_sideways_scroll(narrow)
        shots(narrow, f"case-narrow-{lang}")
        box = narrow.locator("section[aria-labelledby='h-deadlines']").bounding_box()
        assert box is not None  # the deadlines close up, readable at this width
        where = {"x": 0, "y": max(0, box["y"] - 200), "width": 375, "height": 700}
        narrow.screenshot(
            path=shots.folder / f"deadlines-narrow-{lang}.png", clip=where, full_page=True
        )
        narrow.goto("/workflows/ukraine-nrm/6")
        expect(narrow.locator("main")).to_contain_text(
            re.compile(r"1 month\(s\)" if lang == "en" else "1 міс.")
        )
        no_sideways_scroll(narrow)
        shots(narrow, f"workflow-6-narrow-{lang}")
        cell = narrow.get_by_text(re.compile(r"^1 (month\(s\)|міс\.)")).first
        box = cell.bounding_box()
        assert box is not None  # the legal month in the deadlines' table, close up
        where = {"x": 0, "y": max(0, box["y"] - 300), "width": 375, "height": 700}
        narrow.screenshot(
            path=shots.folder / f"month-narrow-{lang}.png", clip=where, full_page=True
        )
