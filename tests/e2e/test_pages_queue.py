"""The queue page filtered and paged, overdue deadlines marked, and the language kept."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from referral_engine.bootstrap import Runtime
from referral_engine.entrypoints.web.routes.queue import PAGE_SIZE
from tests.e2e.conftest import Callers, case_in, open_case
from tests.e2e.pages import post_form, sign_in
from tests.factories import FixedClock

CASE_LINK = re.compile(r'<a href="/cases/([0-9a-f-]{36})">')
PAGER_LINK = re.compile(r'<a href="(/cases\?[^"]*)" rel="(prev|next)">')


def listed(html: str) -> list[str]:
    """The case ids the queue page lists, in order."""
    return CASE_LINK.findall(html)


def pager(html: str) -> dict[str, str]:
    """The queue page's previous and next links."""
    return {rel: href.replace("&amp;", "&") for href, rel in PAGER_LINK.findall(html)}


def test_the_queue_filters_by_state(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    registered, _ = case_in(client, callers, "application_registered")
    screened = open_case(client, callers["screener"])["id"]
    pg_runtime.projections.catch_up()
    sign_in(client, callers["lsa"].token)
    assert set(listed(client.get("/cases").text)) == {registered, screened}
    page = client.get("/cases?state=application_registered").text
    assert listed(page) == [registered]
    assert '<option value="application_registered" selected>' in page  # the filter stays chosen
    assert listed(client.get("/cases?state=screened").text) == [screened]


def test_the_queue_filters_by_overdue_deadlines(
    client: TestClient, callers: Callers, pg_runtime: Runtime, clock: FixedClock
) -> None:
    registered, _ = case_in(client, callers, "application_registered")  # the interview clock
    screened = open_case(client, callers["screener"])["id"]
    pg_runtime.projections.catch_up()
    sign_in(client, callers["lsa"].token)
    assert listed(client.get("/cases?overdue=yes").text) == []
    clock.advance(days=10)  # the interview was due three working days after registration
    late = client.get("/cases?overdue=yes").text
    assert listed(late) == [registered]
    assert 'class="overdue"' in late and '<strong class="tag-overdue">overdue</strong>' in late
    assert listed(client.get("/cases?overdue=no").text) == [screened]


def test_the_queue_pages_forward_and_back_by_case_id(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    opened = sorted(open_case(client, callers["screener"])["id"] for _ in range(2 * PAGE_SIZE + 3))
    pg_runtime.projections.catch_up()
    sign_in(client, callers["lsa"].token)
    pages = [client.get("/cases").text]
    assert "prev" not in pager(pages[0])
    while "next" in pager(pages[-1]):
        pages.append(client.get(pager(pages[-1])["next"]).text)
    assert [len(listed(p)) for p in pages] == [PAGE_SIZE, PAGE_SIZE, 3]
    assert [case for p in pages for case in listed(p)] == opened
    back = [pages[-1]]
    while "prev" in pager(back[-1]):
        back.append(client.get(pager(back[-1])["prev"]).text)
    assert [listed(p) for p in back] == [listed(p) for p in reversed(pages)]


def test_the_queue_pages_keep_the_filters(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    for _ in range(PAGE_SIZE + 1):
        open_case(client, callers["screener"])
    registered, _ = case_in(client, callers, "application_registered")
    pg_runtime.projections.catch_up()
    sign_in(client, callers["lsa"].token)
    first = client.get("/cases?state=screened").text
    following = client.get(pager(first)["next"]).text
    assert "state=screened" in pager(first)["next"]
    assert len(listed(first)) == PAGE_SIZE and len(listed(following)) == 1
    assert registered not in listed(first) + listed(following)


def test_an_overdue_deadline_is_marked_on_the_case_page(
    client: TestClient, callers: Callers, clock: FixedClock
) -> None:
    case_id, _ = case_in(client, callers, "application_registered")
    sign_in(client, callers["lsa"].token)
    on_time = client.get(f"/cases/{case_id}").text
    assert 'class="overdue"' not in on_time and "tag-overdue" not in on_time
    clock.advance(days=10)
    late = client.get(f"/cases/{case_id}").text
    row = re.search(r'<tr class="overdue">(.*?)</tr>', late, re.S)
    assert row is not None
    assert "Interview the applicant" in row.group(1)
    assert re.search(r'<strong class="tag-overdue">overdue: \d+ days</strong>', row.group(1))


def test_the_chosen_language_is_kept_across_pages_and_sign_ins(
    client: TestClient, callers: Callers
) -> None:
    sign_in(client, callers["lsa"].token)
    chosen = client.get("/lang/uk?next=/cases", follow_redirects=False)
    assert chosen.headers["location"] == "/cases"
    cookie = chosen.headers["set-cookie"]
    assert cookie.startswith("re_lang=uk;")
    assert "Max-Age=31536000" in cookie and "Path=/" in cookie and "SameSite=lax" in cookie
    for path in ("/cases", "/dashboards", "/workflows"):
        assert 'lang="uk"' in client.get(path).text
    post_form(client, "/cases", "/sign-out", {})
    assert "Вхід" in client.get("/sign-in").text  # signed out, still in Ukrainian
    sign_in(client, callers["lsa"].token)
    assert "Черга справ" in client.get("/cases").text
    client.get("/lang/en?next=/cases")
    assert "Case queue" in client.get("/cases").text


def test_an_unknown_language_is_ignored_and_the_way_back_stays_on_this_site(
    client: TestClient, callers: Callers
) -> None:
    sign_in(client, callers["lsa"].token)
    ignored = client.get("/lang/xx?next=https://elsewhere.example/", follow_redirects=False)
    assert "set-cookie" not in ignored.headers
    assert ignored.headers["location"] == "/cases"
