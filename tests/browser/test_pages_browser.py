"""The pages in a real Chromium: a caseworker walks a case, a supervisor replays it, a user of
another region cannot see it, an analyst downloads a dashboard; keyboard and a narrow screen."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import (
    PASSWORD,
    Server,
    Shots,
    Visitors,
    no_sideways_scroll,
    open_step,
)

KYIV, LVIV = "UA-32", "UA-46"


def test_a_case_walked_replayed_hidden_from_another_region_and_counted(
    server: Server, shots: Shots, visitors: Visitors
) -> None:
    server.user("olena", "lsa_official", "lsa-kyivska", [KYIV])
    server.user("sofia", "supervisor", "lsa-kyivska", [KYIV])
    server.user("taras", "lsa_official", "lsa-lvivska", [LVIV])
    server.user("iryna", "analyst", "msp-analytics", [KYIV])

    # a caseworker opens a case ...
    worker = visitors.signed_in("olena")
    shots(worker, "queue")
    worker.get_by_role("link", name=re.compile("Open a case")).first.click()
    worker.get_by_label("Who screened").select_option("ngo")
    worker.get_by_label("deception").check()
    worker.get_by_label("The person is a child").select_option("false")
    worker.locator("#open-sex").select_option("female")
    worker.get_by_label(re.compile("^Citizenship")).select_option("UA")
    worker.get_by_label("Full name").fill("Synthetic Person (browser test)")
    shots(worker, "open-case-form")
    worker.get_by_role("button", name="Open the case").click()
    expect(worker.get_by_role("status")).to_contain_text("Recorded: Screen a possible victim")
    expect(worker.get_by_role("heading", level=1)).to_have_text("Synthetic Person (browser test)")
    case_url = worker.url.split("?")[0]
    case_id = case_url.rsplit("/", 1)[1]

    # ... forgets a required field: the same form comes back under a summary naming it ...
    consent = open_step(worker, "Record informed consent to referral and data sharing")
    consent.get_by_label("Consent given by").select_option("person")
    consent.get_by_label("Referral", exact=True).check()
    consent.get_by_role("button").click()
    summary = worker.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_text(["Enter date signed"])
    consent = worker.locator("#form-record_consent")
    expect(consent.locator("#step0-signed_on-error")).to_have_text("Enter date signed")
    expect(consent.get_by_label("Date signed")).to_have_attribute("aria-invalid", "true")
    shots(worker, "case-field-error")

    # ... then walks it through the next steps, one form at a time
    consent.get_by_label("Date signed").fill("2026-03-02")
    consent.get_by_role("button").click()
    expect(worker.get_by_role("status")).to_contain_text("Recorded: Record informed consent")
    register = open_step(worker, "Register the application for status")
    register.get_by_label("Registration number").fill("KV-2026-0001")
    register.get_by_label("Application filed by").select_option("person")
    register.get_by_label("Person told what assistance exists").select_option("true")
    register.get_by_role("button").click()
    expect(worker.get_by_role("status")).to_contain_text("Register the application for status")
    interview = open_step(worker, "Interview with the ministry questionnaire")
    interview.get_by_label("Questionnaire completed").select_option("true")
    interview.get_by_role("button").click()
    expect(worker.get_by_role("status")).to_contain_text("questionnaire (Version 4)")
    verification = open_step(worker, re.compile("^Send the personal file"))  # a 10-day deadline
    verification.get_by_label("Police unit").select_option(  # a unit of the registry, by name
        label="National Police, main department in Kyiv Oblast (synthetic)"
    )
    verification.get_by_role("button").click()
    expect(worker.locator(".case-head [data-state]")).to_have_attribute(
        "data-state", "awaiting_verification"
    )
    # the police's 10 days, within the legal month from the interview (version 6)
    expect(worker.locator("section[aria-labelledby=h-deadlines] tbody tr")).to_have_count(2)
    shots(worker, "case-after-four-steps")

    # a supervisor replays the case to its second event and sees the earlier state
    supervisor = visitors.signed_in("sofia")
    supervisor.goto(f"/cases/{case_id}/history")
    expect(supervisor.locator("#replayed [data-state]")).to_have_attribute(
        "data-state", "awaiting_verification"
    )
    supervisor.get_by_role("link", name="#2 Record informed consent").click()
    expect(supervisor.get_by_role("heading", name="The case after event 2 of 5")).to_be_visible()
    expect(supervisor.locator("#replayed [data-state]")).to_have_attribute("data-state", "screened")
    expect(supervisor.locator("#replayed")).to_contain_text("Synthetic Person (browser test)")
    expect(supervisor.locator("#replayed")).not_to_contain_text("KV-2026-0001")
    shots(supervisor, "history-replayed-to-event-2")
    server.caught_up()
    for path, name in (("/deadlines", "deadline-board"), ("/audit", "audit-log")):
        supervisor.goto(path)
        expect(supervisor.locator("main")).to_contain_text(case_id[:8])
        if path == "/deadlines":  # counted under its region and agency, linked to the filter
            expect(supervisor.locator("#board-groups")).to_contain_text("Kyiv Oblast")
        shots(supervisor, name)

    # a caseworker of another region cannot see the case, not even in the queue
    other = visitors.signed_in("taras")
    expect(other.locator("main")).not_to_contain_text(case_id[:8])
    response = other.goto(case_url)
    assert response is not None and response.status == 404
    expect(other.locator("main")).not_to_contain_text("Synthetic Person")
    shots(other, "other-region-not-found")

    # an analyst opens a dashboard and downloads its CSV (one application: suppressed)
    analyst = visitors.signed_in("iryna")
    expect(analyst).to_have_url(re.compile("/dashboards$"))
    analyst.get_by_role("link", name=re.compile("Applications for status")).click()
    expect(analyst.locator("svg.chart").first).to_be_visible()
    expect(analyst.locator("td.suppressed").first).to_be_visible()
    shots(analyst, "dashboard")
    with analyst.expect_download() as download:
        analyst.get_by_role("link", name="Download CSV").click()
    csv = download.value.path().read_text()
    assert csv.splitlines()[0].startswith("region,month,applications,granted")
    assert csv.splitlines()[1].startswith(f"{KYIV},2026-03-01,x,")
    analyst.goto("/workflows/ukraine-nrm/2")
    expect(analyst.get_by_role("img", name=re.compile("State diagram"))).to_be_visible()
    shots(analyst, "workflow")

    # the read models page: a rebuild starts, and the table follows new events without a reload
    analyst.goto("/projections")
    analyst.get_by_role("button", name="Rebuild case_queue").click()
    expect(analyst.get_by_role("status")).to_contain_text("Rebuilding case_queue")
    head = server.runtime.projections.head()
    factories.open_case(server.runtime.engine)
    row = analyst.locator("tbody[data-live-src] tr", has_text="case_queue")
    expect(row).to_contain_text(f"{head + 1} / {head + 1}")
    shots(analyst, "read-models")


def test_keyboard_sign_in_and_a_narrow_screen(
    server: Server, shots: Shots, visitors: Visitors
) -> None:
    server.user("bohdan", "lsa_official", "lsa-kyivska", [KYIV])
    page = visitors.new(width=390, height=844)
    page.goto("/sign-in")
    page.keyboard.press("Tab")  # the skip link first
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.get_by_label("User name").focus()
    page.keyboard.type("bohdan")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Case queue")).to_be_visible()
    page.get_by_role("link", name="Українська").click()
    expect(page.get_by_role("heading", name="Черга справ")).to_be_visible()
    no_sideways_scroll(page)
    shots(page, "queue-narrow-ukrainian")
