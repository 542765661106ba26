"""What goes wrong on the pages is said as a page with its own status: opening a case refused
for each reason, a form over the body limit, and the API docs served without a CDN."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from referral_engine.bootstrap import Runtime
from tests.e2e.conftest import PROBLEM_JSON, Callers, assert_problem, opening_data
from tests.e2e.pages import post_form, sign_in

SCREENING = {f"data.{k}": v for k, v in opening_data().items() if not isinstance(v, bool)}
SCREENING |= {"data.is_child": "false", "data.indicators": ["deception"]}


def open_form(**fields: str) -> dict[str, object]:
    """The open-a-case form as a caseworker fills it in."""
    return {"workflow": "ukraine-nrm", "region": "UA-32", **SCREENING, **fields}


def test_a_reused_form_key_is_a_422_page_that_says_so(client: TestClient, callers: Callers) -> None:
    sign_in(client, callers["lsa"].token)
    first = post_form(client, "/cases/new", "/cases/new", open_form(idempotency_key="k1"))
    assert first.status_code == 303
    changed = open_form(idempotency_key="k1", **{"data.person_name": "Other Synthetic"})
    again = post_form(client, "/cases/new", "/cases/new", changed)
    assert again.status_code == 422
    assert "text/html" in again.headers["content-type"]
    assert "already sent with other values" in again.text


def test_an_unknown_workflow_is_a_404_page(client: TestClient, callers: Callers) -> None:
    sign_in(client, callers["lsa"].token)
    response = post_form(client, "/cases/new", "/cases/new", open_form(workflow="nope"))
    assert response.status_code == 404
    assert "text/html" in response.headers["content-type"]
    assert "workflow nope not found" in response.text


def test_a_region_not_allowed_is_a_403_next_to_the_region(
    client: TestClient, callers: Callers
) -> None:
    sign_in(client, callers["lsa"].token)
    response = post_form(client, "/cases/new", "/cases/new", open_form(region="UA-46"))
    assert response.status_code == 403
    error = re.search(r'id="open-region-error">([^<]*)<', response.text)
    assert error is not None and "UA-46" in error.group(1)
    assert 'aria-describedby="open-region-error"' in response.text


def test_a_role_that_may_not_open_cases_gets_a_403_page(
    client: TestClient, callers: Callers
) -> None:
    sign_in(client, callers["police"].token)
    form = open_form()
    response = post_form(client, "/cases/new?workflow=ukraine-nrm", "/cases/new", form)
    assert response.status_code == 403
    assert "police" in response.text and "text/html" in response.headers["content-type"]


def test_a_form_over_the_body_limit_gets_an_error_page(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    sign_in(client, callers["lsa"].token)
    huge = "x" * (pg_runtime.settings.max_body_bytes + 1)
    response = post_form(client, "/cases/new", "/cases/new", open_form(**{"data.x": huge}))
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/html")
    assert "shorten the longest texts" in response.text
    assert "Content-Security-Policy" in response.headers


def test_an_api_client_over_the_body_limit_keeps_its_problem_document(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    huge = "x" * (pg_runtime.settings.max_body_bytes + 1)
    response = client.post(
        "/api/cases",
        content=f'{{"workflow": "{huge}"}}',
        headers={**callers["lsa"].auth, "Content-Type": "application/json", "Accept": "text/html"},
    )
    assert_problem(response, 413, "payload-too-large")
    assert response.headers["content-type"].startswith(PROBLEM_JSON)


def test_the_api_docs_are_served_from_this_app_under_the_strict_csp(client: TestClient) -> None:
    docs = client.get("/docs")
    assert docs.status_code == 200
    csp = docs.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "default-src 'self';" in csp
    assert "unsafe" not in csp and "http" not in csp
    assert "<script>" not in docs.text  # no inline script
    assert "http://" not in docs.text and "https://" not in docs.text
    assets = re.findall(r'(?:src|href)="([^"]+)"', docs.text)
    assert len(assets) == 4
    for asset in assets:
        served = client.get(asset)
        assert served.status_code == 200, asset
        assert "https://" not in served.text[:2000]
    assert client.get("/redoc").status_code == 404  # it would load its script from a CDN


def test_a_browser_at_an_address_that_is_no_page_gets_a_page(client: TestClient) -> None:
    lost = client.get("/cases/some/old/link", headers={"Accept": "text/html,*/*"})
    assert lost.status_code == 404
    assert lost.headers["content-type"].startswith("text/html")
    assert "There is no page at this address" in lost.text
    api = client.get("/api/nothing-here", headers={"Accept": "text/html"})
    assert_problem(api, 404, "not-found")  # the API answers as the API, whoever asks
    assert_problem(client.get("/nothing-here"), 404, "not-found")  # no browser: a document
