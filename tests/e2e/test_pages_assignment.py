"""The case page's assignment form: a value the form could never have posted is refused in
words, never read as "nobody" (which would silently end the case's assignment)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from referral_engine.bootstrap import Runtime
from tests.e2e.conftest import Callers, open_case
from tests.e2e.pages import csrf_of, sign_in


def test_an_overlong_user_is_refused_and_the_case_stays_assigned(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    case = open_case(client, callers["screener"])
    case_id = case["id"]
    body = {"user": "lsa", "expected_version": case["version"]}
    sup = callers["supervisor"].auth
    assigned = client.post(f"/api/cases/{case_id}/assignment", json=body, headers=sup)
    assert assigned.status_code == 200, assigned.text
    version = assigned.json()["version"]

    sign_in(client, callers["supervisor"].token)
    csrf = csrf_of(client.get(f"/cases/{case_id}").text)
    form = {"csrf": csrf, "expected_version": str(version), "user": "x" * 101}
    refused = client.post(f"/cases/{case_id}/assignment", data=form, follow_redirects=False)
    assert refused.status_code == 422, refused.status_code
    assert "is not an active user" in refused.text  # told, beside the form
    now = client.get(f"/api/cases/{case_id}/history", headers=sup).json()
    assert [e["event"] for e in now][-1] == "CaseAssigned"
