"""Possible duplicates on the pages: the Kyiv screener who opens a case of a person known in
Kharkiv is told the region (not the case); the supervisors of both regions see the alert on
/person-alerts (their own case by link and name, the other only as "a case in <region>"),
link it, are refused a stale decision in words, and undo the link only once confirmed; errors
in a summary linking to their fields; no code on the pages, in either language."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from referral_engine.bootstrap import Runtime
from tests.e2e.conftest import KYIV, Callers, open_case, opening_data
from tests.e2e.pages import csrf_of, post_form, sign_in

KHARKIV = "UA-63"
BORN = "1995-04-12"
CODES = re.compile(
    r">[^<]*(UA-\d\d|same_document|different_persons|PossibleDuplicateFound|PersonLinked|"
    r"PersonUnlinked|\bunlinked\b)[^<]*<"
)


def open_form(**data: object) -> dict[str, object]:
    """The open-a-case form as a caseworker fills it in."""
    fields = {f"data.{k}": v for k, v in opening_data(**data).items() if not isinstance(v, bool)}
    fields |= {"data.is_child": "false", "data.indicators": ["deception"]}
    return {"workflow": "ukraine-nrm", "region": KYIV, **fields}


FORM = re.compile(r'action="/person-alerts/([0-9a-f-]{36})/([0-9a-f]{24})/(link|unlink)"')


def pair_of(html: str) -> tuple[str, str]:
    """The case of the reader's region a pair's forms name, and the pair's key."""
    found = FORM.search(html)
    assert found, "no decision form on the page"
    return found.group(1), found.group(2)


def decide(client: TestClient, action: str, pair: tuple[str, str], **form: str) -> Any:
    csrf = csrf_of(client.get("/person-alerts").text)
    return client.post(
        f"/person-alerts/{pair[0]}/{pair[1]}/{action}",
        data={"csrf": csrf, **form},
        follow_redirects=False,
    )


def no_codes(html: str) -> None:
    """No internal code in the page's text (values of form options are not text)."""
    body = html.split("<main", 1)[1]
    found = CODES.search(body)
    assert found is None, found.group(0) if found else ""


def test_the_opener_is_told_and_both_supervisors_decide_on_the_page(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    callers.add(pg_runtime, "kharkiv-screener", "nrm_actor", "ngo-synthetic", [KHARKIV])
    callers.add(pg_runtime, "kharkiv-sup", "supervisor", "lsa-kharkivska", [KHARKIV])
    first = open_case(
        client, callers["kharkiv-screener"], KHARKIV, person_name="Олена Шевченко",
        date_of_birth=BORN,
    )["id"]  # fmt: skip
    pg_runtime.projections.catch_up()

    sign_in(client, callers["screener"].token)
    form = open_form(person_name="Olena Shevchenko", date_of_birth=BORN)
    opened = post_form(client, "/cases/new", "/cases/new", form)
    assert opened.status_code == 303 and "duplicates=found" in opened.headers["location"]
    told = client.get(opened.headers["location"]).text
    assert "A person with the same name and date of birth is already known in Kharkiv" in told
    assert first not in told  # the Kharkiv case is not theirs to see
    assert "/person-alerts" not in told  # no supervisor's link for a screener
    second = opened.headers["location"].split("/cases/")[1].split("?")[0]
    pg_runtime.projections.catch_up()

    sign_in(client, callers["supervisor"].token)
    listing = client.get("/person-alerts")
    assert listing.status_code == 200
    page = listing.text
    assert 'id="alerts-count">1<' in page and "Waiting for a decision (1)" in page
    assert f'<a href="/cases/{second}">Olena Shevchenko</a>' in page
    assert "A case in Kharkiv Oblast" in page and first not in page
    no_codes(page)
    pair_path = pair_of(page)
    pair = pair_path[1]
    assert pair_path[0] == second
    refused = decide(client, "link", pair_path)
    assert refused.status_code == 422
    assert 'class="error-summary"' in refused.text and "autofocus" in refused.text
    assert f'href="#link-reason-{pair}">Choose a reason.' in refused.text
    assert f'id="link-reason-{pair}"' in refused.text
    unconfirmed = decide(client, "dismiss", pair_path, reason="different_persons")
    assert unconfirmed.status_code == 422
    assert f'href="#dismiss-confirm-{pair}">Tick the box to confirm.' in unconfirmed.text
    linked = decide(client, "link", pair_path, reason="same_document")
    assert linked.status_code == 303 and linked.headers["location"] == "/person-alerts?done=linked"
    pg_runtime.projections.catch_up()  # the live worker's part in a served app
    page = client.get(linked.headers["location"]).text
    assert "The two cases are linked to one person." in page
    assert "Linked: one person" in page and "The same identity document" in page
    case_page = client.get(f"/cases/{second}").text
    assert "Possible duplicates" in case_page and "A case in Kharkiv Oblast" in case_page

    sign_in(client, callers["kharkiv-sup"].token)
    page = client.get("/person-alerts").text
    assert f'<a href="/cases/{first}">Олена Шевченко</a>' in page and second not in page
    pair_path = pair_of(page)
    assert pair_path == (first, pair)  # the same pair, named by the case of this region
    assert "A case in Kyiv Oblast" in page and "Linked: one person" in page
    stale = decide(client, "dismiss", pair_path, reason="different_persons", confirm="yes")
    assert stale.status_code == 409
    assert "Someone has already decided on these two cases: Linked: one person" in stale.text
    assert decide(client, "unlink", pair_path).status_code == 422  # not confirmed
    undone = decide(client, "unlink", pair_path, confirm="yes")
    assert undone.status_code == 303
    pg_runtime.projections.catch_up()
    assert "Link undone" in client.get(undone.headers["location"]).text

    client.get("/lang/uk?next=/")
    page = client.get("/person-alerts").text
    assert "Можливі дублікати" in page and "Справа в області: Київська область" in page
    assert "Зв’язок скасовано" in page and "Київська область" in page
    no_codes(page)


def test_only_supervisors_have_the_page(client: TestClient, callers: Callers) -> None:
    sign_in(client, callers["lsa"].token)
    assert client.get("/person-alerts").status_code == 403
    assert 'href="/person-alerts"' not in client.get("/cases").text
    sign_in(client, callers["supervisor"].token)
    page = client.get("/person-alerts")
    assert page.status_code == 200 and "No possible duplicate waits for a decision." in page.text
