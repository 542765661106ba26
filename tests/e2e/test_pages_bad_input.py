"""Whatever a browser puts in a page's address, the answer is a page with a 4xx, never a 500."""

from __future__ import annotations

import inspect
import re
from uuid import uuid4

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from referral_engine.entrypoints.web.routes import (
    analytics,
    auth,
    cases,
    oversight,
    queue,
    workflows,
)
from tests.e2e.conftest import Callers
from tests.e2e.pages import sign_in

NUL = "\x00"
MODULES = (analytics, auth, cases, oversight, queue, workflows)


def page_routes() -> list[tuple[str, str, list[str]]]:
    """(module, path, query parameter names) of every GET page."""
    found = []
    for module in MODULES:
        for route in module.router.routes:
            if isinstance(route, APIRoute) and "GET" in route.methods:
                params = [
                    name
                    for name, p in inspect.signature(route.endpoint).parameters.items()
                    if name not in re.findall(r"{(\w+)}", route.path)
                    and name not in ("request", "user", "runtime")
                    and p.annotation not in ("Request",)
                ]
                found.append((module.__name__.rsplit(".", 1)[1], route.path, params))
    return found


def address(path: str) -> str:
    """The route's address with valid-looking path parameters."""
    filled = {"case_id": str(uuid4()), "version": "1", "workflow_id": "ukraine-nrm"}
    filled |= {"name": "status_decisions", "kind": "bars", "code": "uk"}
    return re.sub(r"{(\w+)}", lambda m: filled.get(m.group(1), "x"), path)


@pytest.mark.parametrize(("module", "path", "params"), page_routes(), ids=lambda v: str(v))
def test_a_nul_in_any_query_parameter_of_a_page_is_refused_with_a_page(
    client: TestClient, callers: Callers, module: str, path: str, params: list[str]
) -> None:
    sign_in(client, callers["admin"].token)
    for param in params:
        response = client.get(address(path), params={param: f"a{NUL}b"}, follow_redirects=False)
        assert response.status_code < 500, (path, param, response.text[:300])
        assert response.status_code != 200 or NUL not in response.text


@pytest.mark.parametrize(
    "path", ["/dashboards/a%00b", "/dashboards/a%00b/csv", "/workflows/a%00b/1"]
)
def test_a_nul_in_a_pages_path_is_refused_with_a_page(
    client: TestClient, callers: Callers, path: str
) -> None:
    sign_in(client, callers["admin"].token)
    response = client.get(path, follow_redirects=False)
    assert 400 <= response.status_code < 500, response.text[:300]
    assert "text/html" in response.headers["content-type"]
