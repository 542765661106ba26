"""The registry's pages: every signed-in user reads the list and an agency (linked in the
navigation); admins alone get the forms, register an agency and record and end an agreement
there; kinds and services in words, in English and Ukrainian, no internal code left over."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from referral_engine.bootstrap import Runtime
from referral_engine.domain.commands import Actor
from tests.e2e.conftest import Callers
from tests.e2e.pages import post_form, sign_in
from tests.e2e.test_pages_ukrainian import english_interface, in_ukrainian, left_in_english, seen

pytestmark = pytest.mark.usefixtures("empty_registry")  # the registry as the test makes it

ADMIN = Actor("admin", "admin", "it")


def read(page: str) -> str:
    """What the page shows, without its forms (where an admin types service codes)."""
    return seen(re.sub(r"<form method=\"post\".*?</form>", " ", page, flags=re.S))


CODES = ("state_body", "police_unit", "legal_aid", "agreement_recorded", "UA-32")


def lsa(runtime: Runtime) -> None:
    runtime.agencies.register(
        "lsa-kyivska",
        {"en": "LSA Kyiv Oblast", "uk": "МДА Київщини"},
        "state_body",
        [],
        ["UA-32"],
        actor=ADMIN,
    )


def test_an_admin_registers_an_agency_and_an_agreement_on_the_pages(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    lsa(pg_runtime)
    assert sign_in(client, callers["admin"].token).status_code == 303
    bad = {"id": "Shelter Kyiv", "name_en": "Shelter Kyiv", "kind": "ngo", "regions": ["UA-32"]}
    refused = post_form(client, "/agencies", "/agencies", bad)
    assert refused.status_code == 422 and 'value="Shelter Kyiv"' in refused.text
    assert "Nothing was saved" in refused.text
    registered = post_form(
        client,
        "/agencies",
        "/agencies",
        {
            "id": "shelter-kyiv",
            "name_en": "Shelter Kyiv",
            "name_uk": "Притулок Київ",
            "kind": "ngo",
            "services": "shelter, legal_aid",
            "regions": ["UA-32", "UA-46"],
        },
    )
    assert registered.headers["location"] == "/agencies/shelter-kyiv?done=registered"
    recorded = post_form(
        client,
        "/agencies/shelter-kyiv",
        "/agencies/shelter-kyiv/agreements",
        {
            "id": "2026-17",
            "with_agency": "lsa-kyivska",
            "services": "shelter",
            "signed_on": "2026-01-15",
            "valid_until": "",
            "reference": "Order 17",
        },
    )
    assert recorded.status_code == 303, recorded.text
    end = "/agencies/shelter-kyiv/agreements/2026-17/end"
    early = post_form(
        client, "/agencies/shelter-kyiv", end, {"ended_on": "2025-01-01", "reason": "Merged"}
    )
    assert early.status_code == 422 and "Nothing was saved" in early.text
    in_ukrainian(client)
    page = client.get("/agencies/shelter-kyiv").text
    assert "Притулок Київ" in page and "Громадська організація" in page
    assert "МДА Київщини" in page and "Угоду записано" in page and "Притулок" in page
    assert not [c for c in CODES if c in read(page)]
    assert left_in_english(page, english_interface()) == []
    listed = client.get("/agencies", params={"kind": "ngo"}).text
    assert "Притулок Київ" in listed and "МДА Київщини" not in listed
    assert not [c for c in CODES if c in read(listed)]


def test_other_users_read_the_registry_but_get_no_forms(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    lsa(pg_runtime)
    sign_in(client, callers["shelter"].token)
    listed = client.get("/agencies")
    assert listed.status_code == 200 and 'href="/agencies"' in listed.text
    assert (
        "LSA Kyiv Oblast" in listed.text and 'method="post" action="/agencies"' not in listed.text
    )
    assert 'method="post"' not in client.get("/agencies/lsa-kyivska").text.split("<main", 1)[1]
    refused = post_form(client, "/agencies", "/agencies", {"id": "x-y", "name_en": "X"})
    assert refused.status_code == 403
    assert client.get("/agencies/nope").status_code == 404
