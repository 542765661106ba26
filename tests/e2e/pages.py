"""Story helpers for the pages: sign in through the form, read the CSRF token, post forms."""

from __future__ import annotations

import re
from typing import Any

import httpx
from fastapi.testclient import TestClient

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    """The CSRF token the page's forms carry."""
    found = CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def sign_in(client: TestClient, token: str | None = None, **password: str) -> httpx.Response:
    """Sign in through the form, with a token or with `name=` and `password=`."""
    form = client.get("/sign-in")
    fields = {"token": token} if token else dict(password)
    return client.post(
        "/sign-in", data={"csrf": csrf_of(form.text), **fields}, follow_redirects=False
    )


def post_form(client: TestClient, page: str, action: str, data: dict[str, Any]) -> httpx.Response:
    """Post a form found on `page` (its CSRF token included), not following the redirect."""
    html = client.get(page).text
    return client.post(action, data={"csrf": csrf_of(html), **data}, follow_redirects=False)


HIDDEN = re.compile(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">')


def step_page(client: TestClient, case_id: str, trigger: str, referral: str | None = None) -> str:
    """The case page with one step's form open (`?step=`), as its link in the list opens it."""
    params = {"step": trigger, **({"referral": referral} if referral else {})}
    response = client.get(f"/cases/{case_id}", params=params)
    assert response.status_code == 200, response.text[:300]
    assert f'name="trigger" value="{trigger}"' in response.text, f"no form for {trigger}"
    return response.text


def post_step(
    client: TestClient,
    case_id: str,
    trigger: str,
    data: dict[str, Any],
    *,
    referral: str | None = None,
    confirm: bool = True,
) -> httpx.Response:
    """Open one step's form and post it with `data` (field names without `data.`), with what
    the form carries (CSRF token, case version, idempotency key) and, for a step that ends
    something, its confirmation box ticked unless told otherwise; not following the redirect."""
    html = step_page(client, case_id, trigger, referral)
    carried = dict(HIDDEN.findall(html))
    fields = {f"data.{name}": value for name, value in data.items()}
    ticked = {"confirm": "yes"} if confirm and 'name="confirm"' in html else {}
    return client.post(
        f"/cases/{case_id}/steps",
        data={**carried, **fields, **ticked},
        follow_redirects=False,
    )
