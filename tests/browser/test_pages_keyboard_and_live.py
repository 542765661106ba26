"""The pages by keyboard alone and on a narrow screen, overdue deadlines in red, a rebuild's
progress followed live, and the API docs under the strict Content-Security-Policy."""

from __future__ import annotations

import re

import psycopg
from playwright.sync_api import Locator, Page, expect
from psycopg import sql

from referral_engine.adapters.readmodels.engine import Status
from tests import factories
from tests.browser.conftest import PASSWORD, Server, Shots, Visitors, no_sideways_scroll
from tests.factories import FixedClock, wait_until

KYIV = "UA-32"
FOCUS_RING = "rgb(245, 158, 11)"  # --focus in style.css
RED = "rgb(180, 35, 24)"  # --bad in style.css
EVENTS = 1500
"""Enough events for a rebuild of one event a batch to last while the test holds it twice."""


def focused(page: Page) -> dict[str, str]:
    """The focused element: its tag, accessible name parts and focus outline."""
    found: dict[str, str] = page.evaluate(
        """() => {
        const e = document.activeElement, style = getComputedStyle(e);
        const label = e.labels && e.labels.length ? e.labels[0].textContent : "";
        const legend = e.closest("fieldset") ? e.closest("fieldset").querySelector("legend") : null;
        return {tag: e.tagName.toLowerCase(), type: e.type || "", name: e.name || "",
                label: label.trim(), legend: legend ? legend.textContent.trim() : "",
                text: (e.textContent || "").trim(), outline: style.outlineStyle,
                color: style.outlineColor, width: style.outlineWidth};
    }"""
    )
    return found


def tab_to(page: Page, target: Locator, limit: int = 200) -> list[dict[str, str]]:
    """Press Tab until `target` has focus; every stop on the way shows a focus ring and has a
    name (a label, a legend or its own text). Returns the stops.

    It first waits for the page's load (its stylesheet): a page just navigated to by the
    keyboard can be visible before its focus ring's rule applies (seen once under two suites
    at once: the browser's own ring, `auto`, on the first stop)."""
    page.wait_for_load_state("load")
    stops = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        stop = focused(page)
        stops.append(stop)
        assert stop["outline"] == "solid" and stop["color"] == FOCUS_RING, stop
        assert stop["label"] or stop["text"] or stop["legend"], f"a control without a name: {stop}"
        if target.evaluate("e => e === document.activeElement"):
            return stops
    raise AssertionError(f"{target} was not reached with Tab")


def signed_in_by_keyboard(visitors: Visitors, name: str, width: int = 1280) -> Page:
    page = visitors.new(width=width)
    page.goto("/sign-in")
    tab_to(page, page.get_by_label("User name"))
    page.keyboard.type(name)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_text(f"{name} ·")).to_be_visible()
    return page


def test_a_step_form_is_walked_with_the_keyboard_alone(
    server: Server, shots: Shots, visitors: Visitors
) -> None:
    server.user("olha", "lsa_official", "lsa-kyivska", [KYIV])
    case_id = factories.open_case(server.runtime.engine).case_id
    page = signed_in_by_keyboard(visitors, "olha")
    page.goto(f"/cases/{case_id}")
    tab_to(page, page.get_by_role("link", name=re.compile("^Record informed consent")))
    page.keyboard.press("Enter")  # the step's link opens its form alone
    expect(page).to_have_url(re.compile(r"\?step=record_consent$"))
    consent = page.locator("#form-record_consent")
    expect(consent).to_be_visible()
    tab_to(page, consent.get_by_label("Consent given by"))
    page.keyboard.press("ArrowDown")  # the first choice after "—"
    expect(consent.get_by_label("Consent given by")).to_have_value("person")
    page.keyboard.press("Tab")
    assert focused(page)["legend"].startswith("Consent covers")  # a group of boxes, named
    page.keyboard.press("Space")
    expect(consent.get_by_label("Referral", exact=True)).to_be_checked()
    page.keyboard.press("Enter")  # sent without the date: the summary at the top takes focus
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    page.keyboard.press("Tab")  # its first link names the field ...
    assert focused(page)["text"] == "Enter date signed"
    page.keyboard.press("Enter")  # ... and leads to it
    consent = page.locator("#form-record_consent")
    expect(consent.get_by_label("Date signed")).to_be_focused()
    expect(consent.locator("#step0-signed_on-error")).to_have_text("Enter date signed")
    expect(consent.get_by_label("Consent given by")).to_have_value("person")  # kept
    shots(page, "keyboard-field-error")
    page.keyboard.type("03022026")  # month, day, year in this browser's en-US date field
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text(
        "Recorded: Record informed consent to referral and data sharing (Version 2)"
    )
    shots(page, "keyboard-step-recorded")


def test_the_history_is_replayed_with_the_keyboard(
    server: Server, shots: Shots, visitors: Visitors
) -> None:
    server.user("serhii", "supervisor", "lsa-kyivska", [KYIV])
    case_id = factories.case_in(server.runtime.engine, "interviewed")  # four events
    page = signed_in_by_keyboard(visitors, "serhii")
    page.goto(f"/cases/{case_id}/history")
    expect(page.get_by_role("heading", name="The case after event 4 of 4")).to_be_visible()
    tab_to(page, page.get_by_label("Replay up to event"))
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("Tab")
    assert focused(page)["text"] == "Show"
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="The case after event 2 of 4")).to_be_visible()
    expect(page.locator("#replayed [data-state]")).to_have_attribute("data-state", "screened")
    tab_to(page, page.get_by_role("link", name="Later →"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="The case after event 3 of 4")).to_be_visible()
    shots(page, "keyboard-history")


def test_pages_fit_a_narrow_screen(server: Server, shots: Shots, visitors: Visitors) -> None:
    server.user("nadia", "supervisor", "lsa-kyivska", [KYIV])
    server.user("ivan", "analyst", "msp-analytics", [KYIV])
    case_id = factories.case_in(server.runtime.engine, "awaiting_verification")
    server.caught_up()
    narrow = {"width": 375, "height": 812}
    supervisor = signed_in_by_keyboard(visitors, "nadia", width=375)
    supervisor.set_viewport_size(narrow)
    for path, name in (
        ("/cases", "queue"),
        (f"/cases/{case_id}", "case"),
        (f"/cases/{case_id}/history?at=2", "history"),
        ("/workflows/ukraine-nrm/2", "workflow"),
    ):
        supervisor.goto(path)
        no_sideways_scroll(supervisor)
        shots(supervisor, f"narrow-{name}")
    analyst = signed_in_by_keyboard(visitors, "ivan", width=375)
    analyst.set_viewport_size(narrow)
    for path, name in (("/dashboards/status_decisions", "dashboard"), ("/projections", "models")):
        analyst.goto(path)
        no_sideways_scroll(analyst)
        shots(analyst, f"narrow-{name}")


def test_an_overdue_deadline_is_red_on_the_case_page(
    server: Server, shots: Shots, visitors: Visitors, clock: FixedClock
) -> None:
    server.user("marta", "lsa_official", "lsa-kyivska", [KYIV])
    case_id = factories.case_in(server.runtime.engine, "application_registered")
    clock.advance(days=10)  # three working days to interview
    page = signed_in_by_keyboard(visitors, "marta")
    page.goto(f"/cases/{case_id}")
    badge = page.locator("section[aria-labelledby=h-deadlines] .tag-overdue")
    expect(badge).to_have_text(re.compile(r"overdue: \d+ days"))
    assert badge.evaluate("e => getComputedStyle(e).color") == RED
    row = page.locator("section[aria-labelledby=h-deadlines] tr.overdue td").first
    assert row.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(254, 243, 242)"
    shots(page, "overdue-deadline")


class Held:
    """A lock a rebuild's writer takes for every batch (its position row), held by another
    client of the database: while held, the rebuild waits, as it would behind a busy server, and
    the page goes on showing where it stands."""

    def __init__(self, server: Server, name: str) -> None:
        projections = server.runtime.projections
        self.conn = psycopg.connect(projections.url, options=f"-c search_path={projections.schema}")
        self.name = name

    def __enter__(self) -> Held:
        wait_until(self._lock, what=f"a rebuild of {self.name} to begin", every=0.01)
        return self

    def _lock(self) -> bool:
        """Lock the running rebuild's position row in this transaction, if a rebuild runs."""
        row = self.conn.execute(
            "select building_schema from projection_registry where name = %s", [self.name]
        ).fetchone()
        if not (row and row[0]):
            self.conn.rollback()  # a fresh snapshot for the next look
            return False
        tracking = sql.Identifier(row[0], "_tracking")
        self.conn.execute(sql.SQL("lock table {} in share mode").format(tracking))
        return True

    def __exit__(self, *exc: object) -> None:
        self.conn.commit()  # the rebuild goes on


def progress_after(page: Page, at_least: int) -> int:
    """The value of the page's progress bar once it shows `at_least` or more."""
    bar = page.locator("#progress-case_queue")
    expect(bar).to_have_attribute("value", re.compile(r"\d+"))
    wait_until(
        lambda: int(bar.get_attribute("value") or 0) >= at_least,
        what=f"the page's progress to reach {at_least}",
    )
    return int(bar.get_attribute("value") or 0)


def test_a_rebuild_shows_its_progress_live_until_it_ends(
    server: Server, shots: Shots, visitors: Visitors
) -> None:
    for _ in range(EVENTS):
        factories.open_case(server.runtime.engine)
    server.caught_up()
    server.runtime.projections.rebuild_batch = 1  # the engine's own knob: one event a batch
    server.user("dana", "analyst", "msp-analytics", [KYIV])
    page = signed_in_by_keyboard(visitors, "dana")
    page.goto("/projections")
    head = server.runtime.projections.head()
    page.get_by_role("button", name="Rebuild case_queue").click()
    with Held(server, "case_queue"):  # taken as soon as the rebuild has begun
        expect(page.get_by_role("status")).to_contain_text("Rebuilding case_queue")
        page.evaluate("window.stayed = true")  # gone if the page were loaded again
        first = progress_after(page, 0)
        assert first < head
        shots(page, "rebuild-in-progress")
    # let it move on a little, then hold it again
    wait_until(lambda: rebuilt(server) > first, what="the rebuild to move on", every=0.005)
    with Held(server, "case_queue"):
        second = progress_after(page, first + 1)
        assert second < head
    # one event a batch: on a busy machine the rest can take a while; the page follows it
    wait_until(lambda: not case_queue_status(server).rebuilding, what="the rebuild to end")
    row = page.locator("tbody[data-live-src] tr", has_text="case_queue")
    expect(row.get_by_role("button", name="Rebuild case_queue")).to_be_visible(timeout=30_000)
    expect(row).to_contain_text(f"{head} / {head}")
    assert page.evaluate("window.stayed") is True
    shots(page, "rebuild-done")


def case_queue_status(server: Server) -> Status:
    """The case_queue read model's status as the engine reports it."""
    return next(s for s in server.runtime.projections.status() if s.name == "case_queue")


def rebuilt(server: Server) -> int:
    """How far the running rebuild of case_queue has come."""
    return case_queue_status(server).rebuild_position or 0


def test_the_api_docs_render_under_the_strict_policy(
    server: Server, shots: Shots, visitors: Visitors
) -> None:
    page = visitors.new()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto("/docs")
    expect(page.locator(".opblock").first).to_be_visible()
    expect(page.get_by_text("/api/cases/{case_id}/steps").first).to_be_visible()
    assert all(url.startswith(server.url) for url in requests), requests
    shots(page, "api-docs")
