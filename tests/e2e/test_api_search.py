"""Person search over HTTP: `GET /api/search` within need-to-know, the audit keeping only a
keyed hash of the query, refusals, and the search page (posted, both languages)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from referral_engine.bootstrap import Runtime
from tests.e2e.conftest import (
    KYIV,
    Callers,
    assert_problem,
    open_case,
    send_referral,
    walk,
    workflow,
)
from tests.e2e.pages import post_form, sign_in
from tests.factories import path_to

OLENA = {"person_name": "Олена Шевченко", "date_of_birth": "1995-04-12"}


def search(client: TestClient, caller: Any, q: str) -> Any:
    return client.get("/api/search", params={"q": q}, headers=caller.auth)


def test_a_caseworker_finds_a_person_in_any_spelling_and_another_region_finds_nothing(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    case = open_case(client, callers["screener"], **OLENA)
    case_id = case["id"]
    open_case(client, callers["screener"], person_name="Ivan Petrenko")
    pg_runtime.projections.catch_up()
    for q in ("Olena Shevchenko", "Olena Shevchenco", "шевченко олена", "SHEVCHENKO"):
        response = search(client, callers["lsa"], q)
        assert response.status_code == 200, response.text
        items = response.json()["items"]
        assert [i["case_id"] for i in items] == [case_id], q
        assert items[0]["name"] == "Олена Шевченко" and items[0]["href"].endswith(case_id)
        assert search(client, callers["lviv-lsa"], q).json()["items"] == [], q
    # the shelter reaches the case only once it is referred to it, and then sees the name the
    # workflow shares with a referral
    assert search(client, callers["shelter"], "Shevchenko").json()["items"] == []
    path = ["record_consent", *path_to(workflow(), "application_registered")]
    version = walk(client, callers, case_id, case["version"], *path)
    assert send_referral(client, callers["lsa"], case_id, version).status_code == 201
    pg_runtime.projections.catch_up()
    shared = search(client, callers["shelter"], "Shevchenko").json()["items"]
    assert [(i["case_id"], i["name"]) for i in shared] == [(case_id, "Олена Шевченко")]


def test_the_audit_keeps_a_hash_of_the_query_and_each_case_whose_name_was_shown(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    case_id = open_case(client, callers["screener"], **OLENA)["id"]
    pg_runtime.projections.catch_up()
    search(client, callers["lsa"], "Olena Shevchenko")
    search(client, callers["lsa"], "  olena   SHEVCHENKO ")
    listed = client.get("/api/audit", headers=callers["admin"].auth).json()
    entries = [e for e in listed if e["action"] == "person.search"]
    searches = [e for e in entries if e["case_id"] is None]
    assert len(searches) == 2
    digests = {e["detail"]["query_digest"] for e in searches}
    assert len(digests) == 1  # the same words: the same hash, so an inquiry can find them
    text = str(entries)
    assert "Shevchenko" not in text and "Olena" not in text and "olena" not in text
    reads = [e for e in entries if e["case_id"] == case_id]
    assert reads and reads[0]["detail"]["personal_fields"] == ["person_name"]


def test_bad_queries_and_roles_without_case_work_are_refused(
    client: TestClient, callers: Callers
) -> None:
    for q in ("", "  ", "a", "!!", "x" * 201, "Olena\u200bShevchenko", "Olena\x00"):
        response = search(client, callers["lsa"], q)
        assert response.status_code == 422, (q, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    for role in ("analyst", "statistician", "admin"):
        assert_problem(search(client, callers[role], "Shevchenko"), 403, "forbidden")
    assert client.get("/api/search", params={"q": "Shevchenko"}).status_code == 401


def test_the_search_page_posts_the_query_and_words_everything(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    open_case(client, callers["screener"], region=KYIV, **OLENA)
    pg_runtime.projections.catch_up()
    sign_in(client, callers["lsa"].token)
    queue = client.get("/cases").text
    assert 'action="/search"' in queue and 'method="post"' in queue
    found = post_form(client, "/search", "/search", {"q": "Olena Shevchenco"})
    assert found.status_code == 200, found.text
    assert "Олена Шевченко" in found.text and "Kyiv" in found.text
    assert "UA-32" not in found.text.split("<main", 1)[1] and "screened" not in found.text
    refused = post_form(client, "/search", "/search", {"q": "!"})
    assert refused.status_code == 422
    assert 'class="error-summary"' in refused.text and 'href="#q"' in refused.text
    client.get("/lang/uk?next=/")
    ukrainian = post_form(client, "/search", "/search", {"q": "шевченко"})
    assert "Знайдені особи" in ukrainian.text and "Київська" in ukrainian.text


def test_a_search_never_tests_a_value_the_reader_may_not_read(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    """A shelter reaches a case only through its referral, which does not share the
    application number: searching that number must not find the case (the hit would confirm a
    guess of a value the shelter may not read), while the shared name still finds it."""
    case = open_case(client, callers["screener"], **OLENA)
    case_id = case["id"]
    path = ["record_consent", *path_to(workflow(), "application_registered")]
    version = walk(client, callers, case_id, case["version"], *path)
    assert send_referral(client, callers["lsa"], case_id, version).status_code == 201
    pg_runtime.projections.catch_up()
    seen = client.get(f"/api/cases/{case_id}", headers=callers["lsa"].auth).json()
    number = seen["data"]["application_number"]
    assert isinstance(number, str) and number
    shelter = client.get(f"/api/cases/{case_id}", headers=callers["shelter"].auth).json()
    assert shelter["data"]["application_number"] == {"redacted": "not-permitted"}

    assert [i["case_id"] for i in search(client, callers["lsa"], number).json()["items"]] == [
        case_id
    ]
    assert search(client, callers["shelter"], number).json()["items"] == []
    found = search(client, callers["shelter"], "Olena Shevchenko").json()["items"]
    assert [i["case_id"] for i in found] == [case_id]
