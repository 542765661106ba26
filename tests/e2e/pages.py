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
