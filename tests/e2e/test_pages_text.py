"""What enters through the pages: forms and addresses refuse control and invisible formatting
characters, the message beside the field in the page's language; regions are shown by name
(#14, items 1 and 13)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from referral_engine.bootstrap import Runtime
from referral_engine.entrypoints.web.i18n import LANG_COOKIE
from tests.e2e.conftest import Callers, case_in, workflow
from tests.e2e.pages import csrf_of, post_form, sign_in
from tests.e2e.test_pages_errors import open_form

BAD = {"nul": "\x00", "escape": "\x1b", "rtl-override": "\u202e", "zero-width": "\u200b"}
MESSAGES = {"en": "must not contain", "uk": "не може містити"}


def _error_beside(html: str, field_id: str) -> str:
    found = re.search(rf'id="{field_id}-error">([^<]*)<', html)
    assert found is not None, f"no message beside {field_id}"
    return found.group(1)


def _text_fields() -> list[str]:
    return [f.name for f in workflow().opening.fields if f.type in ("string", "text")]


@pytest.mark.parametrize("lang", ["en", "uk"])
def test_every_text_field_of_the_open_case_form_refuses_bad_characters_beside_it(
    client: TestClient, callers: Callers, lang: str
) -> None:
    sign_in(client, callers["lsa"].token)
    client.cookies.set(LANG_COOKIE, lang)
    for name in [*_text_fields(), "region"]:
        for kind, char in BAD.items():
            key = "region" if name == "region" else f"data.{name}"
            form = open_form(**{key: f"Synthetic{char}Value"})
            response = post_form(client, "/cases/new", "/cases/new", form)
            assert response.status_code == 422, (name, kind, response.text[:300])
            beside = _error_beside(response.text, f"open-{name}")
            assert MESSAGES[lang] in beside and "U+" in beside, (name, kind, beside)
            assert char not in beside


def test_a_referral_agency_typed_on_the_case_page_refuses_a_nul_beside_it(
    client: TestClient, callers: Callers
) -> None:
    case_id, version = case_in(client, callers, "application_registered")
    sign_in(client, callers["lsa"].token)
    page = client.get(f"/cases/{case_id}").text
    form = {
        "csrf": csrf_of(page),
        "trigger": "send_referral",
        "expected_version": str(version),
        "data.agency": "shelter\x00kyiv",
        "data.service": "shelter",
    }
    response = client.post(f"/cases/{case_id}/steps", data=form, follow_redirects=False)
    assert response.status_code == 422, response.text[:300]
    assert "must not contain a control character (U+0000" in response.text


@pytest.mark.parametrize("field", ["trigger", "workflow", "idempotency_key", "referral_id"])
def test_a_bad_character_in_a_form_value_that_is_no_field_is_a_422_page_naming_it(
    client: TestClient, callers: Callers, field: str
) -> None:
    case_id, version = case_in(client, callers, "screened", consent=False)
    sign_in(client, callers["lsa"].token)
    page = client.get(f"/cases/{case_id}").text
    for char in BAD.values():
        if field == "workflow":
            response = post_form(client, "/cases/new", "/cases/new", open_form(workflow=char))
        else:
            form = {"csrf": csrf_of(page), "trigger": "record_consent"}
            form |= {"expected_version": str(version), field: f"x{char}"}
            response = client.post(f"/cases/{case_id}/steps", data=form, follow_redirects=False)
        assert response.status_code == 422, (field, response.text[:300])
        assert "text/html" in response.headers["content-type"]
        assert field in response.text and "U+" in response.text


def test_an_undecodable_form_value_is_never_a_server_error(
    client: TestClient, callers: Callers
) -> None:
    sign_in(client, callers["lsa"].token)
    token = csrf_of(client.get("/cases/new").text)
    body = f"csrf={token}&workflow=ukraine-nrm&region=UA-32&data.person_name=%ED%A0%80"
    headers = {"content-type": "application/x-www-form-urlencoded"}
    response = client.post("/cases/new", content=body, headers=headers, follow_redirects=False)
    assert response.status_code < 500


@pytest.mark.parametrize("char", ["\u202e", "\u200b", "\x1b"])
def test_an_invisible_character_in_a_page_address_is_a_422_page(
    client: TestClient, callers: Callers, char: str
) -> None:
    sign_in(client, callers["admin"].token)
    for address in ["/cases", "/deadlines", "/audit", "/dashboards/status_decisions"]:
        response = client.get(address, params={"region": f"UA{char}32"})
        assert response.status_code == 422, (address, response.text[:300])
        assert "text/html" in response.headers["content-type"]


# -- regions by name (#14 item 13) ---------------------------------------------------------------


@pytest.mark.parametrize(("lang", "name"), [("en", "Kyiv Oblast"), ("uk", "Київська область")])
def test_pages_show_a_region_by_its_name_in_the_page_language(
    client: TestClient, callers: Callers, pg_runtime: Runtime, lang: str, name: str
) -> None:
    case_id, _ = case_in(client, callers, "screened", consent=False)
    sign_in(client, callers["lsa"].token)
    client.cookies.set(LANG_COOKIE, lang)
    case_page = client.get(f"/cases/{case_id}").text
    assert f"<dd>{name}</dd>" in case_page
    new_case = client.get("/cases/new").text
    assert f'<option value="UA-32" selected>{name}</option>' in new_case or (
        f'<option value="UA-32">{name}</option>' in new_case
    )
    pg_runtime.projections.catch_up()
    queue = client.get("/cases").text
    assert f"<td>{name}</td>" in queue and "<td>UA-32</td>" not in queue


def test_an_unknown_region_is_refused_beside_it_with_close_matches(
    client: TestClient, callers: Callers
) -> None:
    sign_in(client, callers["lsa"].token)
    response = post_form(client, "/cases/new", "/cases/new", open_form(region="Kyivska"))
    assert response.status_code == 422
    beside = _error_beside(response.text, "open-region")
    assert "UA-32 (Kyiv Oblast)" in beside
