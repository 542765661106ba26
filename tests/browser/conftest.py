"""A real server (uvicorn on a free port, over the test's PostgreSQL schema) and the system's
Chromium driven by Playwright. Screenshots go to artifacts/browser/ (not committed)."""

from __future__ import annotations

import os
import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, ConsoleMessage, Locator, Page, expect, sync_playwright

from referral_engine.bootstrap import Runtime
from referral_engine.config import PROJECT_ROOT
from referral_engine.entrypoints.asgi import create_app
from tests.e2e.test_serve import answers_health
from tests.factories import wait_until
from tests.pg import CI

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SHOTS = PROJECT_ROOT / "artifacts" / "browser"
PASSWORD = "synthetic-password-1"


def no_sideways_scroll(page: Page) -> None:
    """The page is no wider than the screen, measured once its stylesheet applies: a test that
    measured as soon as the new page's text appeared read the unstyled page on a busy machine
    (84 px too wide at 375 px)."""
    page.wait_for_load_state("load")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow} px"


def open_step(page: Page, name: str | re.Pattern[str]) -> Locator:
    """On a case page, follow the link of a step (by its words) to its form, the one form of
    the page it opens."""
    page.locator("#steps").get_by_role("link", name=name).first.click()
    form = page.locator('main form[action$="/steps"]')
    expect(form).to_have_count(1)
    return form


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """The system's Chromium (installed by .ci/run); never skipped under CI=true. Stopped after
    each module: while Playwright's sync API runs, this thread counts as inside an event loop,
    and later tests that call asyncio.run() would fail."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: apt-get install chromium chromium-driver"
        if CI:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


@dataclass(frozen=True)
class Server:
    url: str
    runtime: Runtime

    def user(self, name: str, role: str, agency: str, regions: list[str]) -> str:
        """Add a user who signs in with PASSWORD; returns the name."""
        self.runtime.users.add(name, role, agency, regions)
        self.runtime.users.set_password(name, PASSWORD)
        return name

    def caught_up(self, timeout: float = 60.0) -> None:
        """Until every read model has folded every event (the live worker runs in the server)."""
        wait_until(
            lambda: not any(s.lag_events for s in self.runtime.projections.status()),
            what="the read models to catch up",
            timeout=timeout,
        )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(pg_runtime: Runtime) -> Iterator[Server]:
    """The app served by uvicorn in a thread, with its live projection worker."""
    port = free_port()
    app = create_app(pg_runtime, live_projections=True)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, name="uvicorn", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    wait_until(partial(answers_health, url), what=f"{url}/healthz")
    yield Server(url, pg_runtime)
    running.should_exit = True
    thread.join(timeout=10)


class Shots:
    """Saves a full-page screenshot per page visited, named after the test and the step."""

    def __init__(self, test: str) -> None:
        self.folder = Path(os.environ.get("REFERRAL_ENGINE_SCREENSHOTS", SHOTS)) / test
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob("*.png"):
            old.unlink()
        self.count = 0

    def __call__(self, page: Page, name: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def shots(request: pytest.FixtureRequest) -> Shots:
    return Shots(request.node.name)


class Visitors:
    """People at their own browsers (a context, so cookies, each); collects any Content
    Security Policy violation a page reports."""

    def __init__(self, browser: Browser, server: Server) -> None:
        self.browser, self.server = browser, server
        self.pages: list[Page] = []
        self.csp_errors: list[str] = []

    def new(self, width: int = 1280, height: int = 800) -> Page:
        context = self.browser.new_context(
            base_url=self.server.url,
            viewport={"width": width, "height": height},
            accept_downloads=True,
        )
        context.set_default_timeout(10_000)
        page = context.new_page()
        page.on("console", self._console)
        self.pages.append(page)
        return page

    def signed_in(self, name: str) -> Page:
        """A fresh browser in which `name` signs in with their password."""
        page = self.new()
        page.goto("/")
        expect(page).to_have_url(re.compile(r"/sign-in$"))
        page.get_by_label("User name").fill(name)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").first.click()
        expect(page.get_by_text(f"{name} ·")).to_be_visible()
        return page

    def _console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            self.csp_errors.append(message.text)

    def close(self) -> None:
        for page in self.pages:
            page.context.close()


@pytest.fixture
def visitors(browser: Browser, server: Server) -> Iterator[Visitors]:
    found = Visitors(browser, server)
    yield found
    found.close()
    assert not found.csp_errors, found.csp_errors
