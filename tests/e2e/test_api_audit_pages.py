"""The audit log's API a page at a time: the `Link` header's next page continues where the last
ended (keeping the filters), filters by action, case reference and region, refuses a broken
cursor or reference, and the OpenAPI document says so."""

from __future__ import annotations

import re
from typing import Any
from uuid import uuid4

from fastapi.testclient import TestClient

from referral_engine.application.ports import AuditNote
from referral_engine.bootstrap import Runtime
from tests.e2e.conftest import KYIV, LVIV, Callers, assert_problem, open_case

LINK = re.compile(r'^<([^>]+)>; rel="next"$')


def pages(client: TestClient, token: dict[str, str], **params: Any) -> list[list[dict[str, Any]]]:
    """Every page of the log from the first, following each `Link` header."""
    found, response = [], client.get("/api/audit", params=params, headers=token)
    while True:
        assert response.status_code == 200, response.text
        found.append(response.json())
        link = response.headers.get("link")
        if link is None:
            return found
        following = LINK.match(link)
        assert following is not None, link
        response = client.get(following.group(1), headers=token)


def test_the_link_header_leads_page_after_page_through_the_filtered_log(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    cases = [uuid4() for _ in range(7)]
    pg_runtime.audit.write(*(_read("decider", c) for c in cases[:4]))
    pg_runtime.audit.write(*(_read("lsa", uuid4()) for _ in range(3)))  # another user's
    pg_runtime.audit.write(*(_read("decider", c) for c in cases[4:]))
    token = callers["supervisor"].auth

    oldest_first = pages(client, token, user="decider", limit=3)
    newest_first = pages(client, token, user="decider", limit=3, order="newest")

    assert [len(p) for p in oldest_first] == [3, 3, 1]
    assert [e["case_id"] for p in oldest_first for e in p] == [str(c) for c in cases]
    assert [e["case_id"] for p in newest_first for e in p] == [str(c) for c in reversed(cases)]
    assert client.get("/api/audit", params={"user": "decider"}, headers=token).headers.get(
        "link"
    ) is None  # fmt: skip


def _read(user: str, case_id: Any) -> AuditNote:
    return AuditNote(
        "case.read", "GET", f"/api/cases/{case_id}", 200, user, "decision_maker", "msp-kyivska",
        case_id=case_id, region=KYIV,
    )  # fmt: skip


def test_the_log_filters_by_action_case_reference_and_region(
    client: TestClient, callers: Callers
) -> None:
    kyiv = open_case(client, callers["screener"])["id"]
    lviv = open_case(client, callers["lviv-lsa"], LVIV)["id"]
    admin, supervisor = callers["admin"].auth, callers["supervisor"].auth

    def cases(token: dict[str, str], **params: str) -> list[str]:
        response = client.get("/api/audit", params=params, headers=token)
        assert response.status_code == 200, response.text
        return [e["case_id"] for e in response.json()]

    assert cases(admin, action="case.open") == [kyiv, lviv]
    assert cases(admin, action="case.open", region=LVIV) == [lviv]
    assert cases(admin, case=lviv[:8]) == [lviv]
    assert cases(admin, case=lviv.upper()) == [lviv]  # a whole id, as typed
    assert cases(admin, case=lviv.replace("-", "")[:12]) == [lviv]
    assert cases(supervisor, action="case.open") == [kyiv]
    assert cases(supervisor, region=LVIV) == []  # not one of the supervisor's regions


def test_the_last_day_or_moment_there_is_ends_no_period_early(
    client: TestClient, callers: Callers
) -> None:
    open_case(client, callers["screener"])
    token = callers["admin"].auth

    response = client.get("/api/audit", params={"to": "9999-12-31T23:59:59.999999Z"}, headers=token)

    assert response.status_code == 200 and response.json()


def test_a_broken_cursor_or_case_reference_is_refused(client: TestClient, callers: Callers) -> None:
    token = callers["admin"].auth
    for params, where in (
        ({"cursor": "not-a-page"}, "query.cursor"),
        ({"case": "xyz"}, "query.case"),
        ({"case": "12-3"}, "query.case"),  # three digits name too many cases
        ({"order": "sideways"}, "query.order"),
    ):
        response = client.get("/api/audit", params=params, headers=token)
        body = assert_problem(response, 422, "validation")
        assert [e["path"] for e in body["errors"]] == [where]


def test_the_schema_documents_the_filters_paging_and_link_header(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/api/audit"]["get"]

    names = {p["name"] for p in operation["parameters"]}
    assert {"case", "user", "action", "region", "from", "to", "order", "cursor", "limit"} <= names
    assert "Link" in operation["responses"]["200"]["headers"]
    assert {"401", "403", "422"} <= set(operation["responses"])
