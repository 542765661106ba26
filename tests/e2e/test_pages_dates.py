"""Dates that make sense on the pages: a refused date is shown beside its field and in the form's
summary, in English and in Ukrainian, the fields named by their labels (never their keys)."""

from __future__ import annotations

import html
import re

import httpx
from fastapi.testclient import TestClient

from tests.e2e.conftest import Callers, case_in
from tests.e2e.pages import csrf_of, sign_in
from tests.factories import FixedClock

CONSENT = {"data.given_by": "person", "data.scope": ["referral"]}


def post_step(
    client: TestClient, case_id: str, trigger: str, version: int, **data: object
) -> httpx.Response:
    page = client.get(f"/cases/{case_id}").text
    form = {"csrf": csrf_of(page), "trigger": trigger, "expected_version": str(version), **data}
    form["confirm"] = "yes"  # a step that ends something is confirmed (ignored by the others)
    return client.post(f"/cases/{case_id}/steps", data=form, follow_redirects=False)


def beside(page: str, field: str) -> str:
    """The error shown under the field's input."""
    found = re.search(rf'id="step\d+-{field}-error">([^<]*)</p>', page)
    assert found, f"no error beside {field}"
    return html.unescape(found.group(1))


def summary(page: str) -> list[str]:
    """The error summary's problems, each a link to its field."""
    found = re.search(r'<div class="error-summary".*?</div>', page, re.S)
    assert found, "no summary"
    return [html.unescape(t) for t in re.findall(r'<a href="#[^"]+">([^<]*)</a>', found.group(0))]


def test_a_consent_signed_in_the_future_is_shown_in_both_languages(
    client: TestClient, callers: Callers
) -> None:
    case_id, version = case_in(client, callers, "screened", consent=False)
    sign_in(client, callers["lsa"].token)
    data = {**CONSENT, "data.signed_on": "2026-03-03"}
    response = post_step(client, case_id, "record_consent", version, **data)
    assert response.status_code == 422
    said = "Date signed must not be in the future (later than 2026-03-02)"
    assert beside(response.text, "signed_on") == said
    assert summary(response.text) == [said]

    client.get("/lang/uk?next=/")
    response = post_step(client, case_id, "record_consent", version, **data)
    said = "не може бути в майбутньому (пізніше за 2026-03-02)"
    assert said in beside(response.text, "signed_on")
    assert "Дата підписання" in beside(response.text, "signed_on")
    assert summary(response.text) == [beside(response.text, "signed_on")]


def test_a_withdrawal_before_the_consent_names_the_consents_field_by_its_label(
    client: TestClient, callers: Callers, clock: FixedClock
) -> None:
    case_id, version = case_in(client, callers, "screened", consent=False)
    sign_in(client, callers["lsa"].token)
    clock.advance(days=2)
    signed = post_step(
        client, case_id, "record_consent", version, **CONSENT, **{"data.signed_on": "2026-03-04"}
    )
    assert signed.status_code == 303, signed.text
    data = {"data.withdrawn_on": "2026-03-03"}
    response = post_step(client, case_id, "withdraw_consent", version + 1, **data)
    assert beside(response.text, "withdrawn_on").endswith(
        "must not be earlier than “Date signed” (2026-03-04)"
    )
    client.get("/lang/uk?next=/")
    response = post_step(client, case_id, "withdraw_consent", version + 1, **data)
    said = "не може бути раніше за «Дата підписання» (2026-03-04)"
    assert beside(response.text, "withdrawn_on").endswith(said)
    assert beside(response.text, "withdrawn_on") in summary(response.text)
