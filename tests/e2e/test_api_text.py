"""What enters through the API: no NUL, lone surrogate, control or invisible formatting character
in any string (422 naming the field, never a 500 or a 2xx), and strict types (#14, items 1, 13, 14).

The walk over the OpenAPI schema covers every operation, so a route added later is covered
without being listed here."""

from __future__ import annotations

import json
from functools import cache
from typing import Any
from urllib.parse import quote
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient

from referral_engine.entrypoints.asgi import create_app
from tests.e2e.conftest import (
    KYIV,
    Callers,
    assert_problem,
    case_in,
    open_case,
    opening_data,
    send_referral,
)

BAD = {"nul": "\x00", "surrogate": "\ud800", "rtl-override": "\u202e", "zero-width": "\u200b"}
"""The characters every string is tried with (a lone surrogate only where JSON can carry it)."""
IN_ADDRESSES = {**{k: v for k, v in BAD.items() if k != "surrogate"}, "escape": "\x1b"}


def raw_json(body: dict[str, Any]) -> bytes:
    """JSON as a client may send it: lone surrogates as `\\ud800` escapes (ASCII)."""
    return json.dumps(body, ensure_ascii=True).encode()


def post_json(client: TestClient, url: str, body: dict[str, Any], **headers: str) -> Any:
    sent = {"content-type": "application/json", **headers}
    return client.post(url, content=raw_json(body), headers=sent)


def refused_naming(response: Any, path: str) -> None:
    body = assert_problem(response, 422, "validation")
    paths = [e["path"] for e in body["errors"]]
    assert any(p == path or p.startswith(path + ".") for p in paths), (path, body)
    response.content.decode("utf-8")  # printable, whatever was sent


# -- the defects as found ------------------------------------------------------------------------


def test_a_nul_in_a_referral_agency_is_refused_naming_it(
    client: TestClient, callers: Callers
) -> None:
    case_id, version = case_in(client, callers, "application_registered")
    response = send_referral(client, callers["lsa"], case_id, version, agency="shelter\x00kyiv")
    refused_naming(response, "agency")


def test_a_lone_surrogate_in_a_personal_field_is_refused_not_a_server_error(
    client: TestClient, callers: Callers
) -> None:
    body = {"workflow": "ukraine-nrm", "region": KYIV, "data": opening_data(person_name="\ud800")}
    response = post_json(client, "/api/cases", body, **callers["screener"].auth)
    refused_naming(response, "data.person_name")


def test_a_nul_in_the_region_filter_is_refused_not_a_server_error(
    client: TestClient, callers: Callers
) -> None:
    response = client.get("/api/cases?region=%00", headers=callers["lsa"].auth)
    refused_naming(response, "query.region")


@pytest.mark.parametrize("char", ["\u202e", "\u200b", "\x00", "\t"])
def test_a_referral_agency_with_invisible_or_control_characters_is_refused(
    client: TestClient, callers: Callers, char: str
) -> None:
    case_id, version = case_in(client, callers, "application_registered")
    response = send_referral(client, callers["lsa"], case_id, version, agency=f"shelter{char}kyiv")
    refused_naming(response, "agency")


def test_a_free_text_field_takes_line_breaks_but_not_invisible_characters(
    client: TestClient, callers: Callers
) -> None:
    case = open_case(client, callers["screener"])
    steps, supervisor = f"/api/cases/{case['id']}/steps", callers["supervisor"].auth
    data = {"legal_basis": "Child in danger", "justification": "one\r\n\ttwo"}
    fine = {"trigger": "override_consent", "expected_version": case["version"], "data": data}
    refused = {**fine, "data": {**data, "justification": "one\u2066two"}}
    refused_naming(post_json(client, steps, refused, **supervisor), "data.justification")
    tabbed = {**fine, "data": {**data, "legal_basis": "Child\tin danger"}}  # a string: no tab
    refused_naming(post_json(client, steps, tabbed, **supervisor), "data.legal_basis")
    assert client.post(steps, json=fine, headers=supervisor).status_code == 200


def test_a_refused_key_in_a_body_is_named_printably(client: TestClient, callers: Callers) -> None:
    for key in ["\x00\u202e", "\ud800"]:
        body = {"workflow": "ukraine-nrm", "region": KYIV, "data": {}, key: 1}
        response = post_json(client, "/api/cases", body, **callers["screener"].auth)
        assert response.status_code == 422, response.text
        response.content.decode("utf-8")
    body = {"workflow": "ukraine-nrm", "region": KYIV, "data": {}, "\x00\u202e": 1}
    response = post_json(client, "/api/cases", body, **callers["screener"].auth)
    assert "\\u0000\\u202e: unknown field" in response.json()["detail"]


@pytest.mark.parametrize("value", [b"key\x85", b"key\xad", "key\u202e".encode()])
def test_an_idempotency_key_with_a_control_or_invisible_character_is_refused(
    client: TestClient, callers: Callers, value: bytes
) -> None:
    body = {"workflow": "ukraine-nrm", "region": KYIV, "data": opening_data()}
    headers = [(b"authorization", callers["screener"].auth["Authorization"].encode())]
    headers += [(b"idempotency-key", value), (b"content-type", b"application/json")]
    response = client.post("/api/cases", content=raw_json(body), headers=headers)
    refused_naming(response, "header.Idempotency-Key")


# -- strict types (#14 item 14) ------------------------------------------------------------------


@pytest.mark.parametrize("version", ["3", True, 2.0, "2"])
def test_expected_version_must_be_a_json_integer(
    client: TestClient, callers: Callers, version: object
) -> None:
    case = open_case(client, callers["screener"])
    body = {"trigger": "record_consent", "data": {}, "expected_version": version}
    response = client.post(f"/api/cases/{case['id']}/steps", json=body, headers=callers["lsa"].auth)
    refused_naming(response, "expected_version")


def test_a_referral_expected_version_must_be_a_json_integer(
    client: TestClient, callers: Callers
) -> None:
    case_id, version = case_in(client, callers, "application_registered")
    body = {"agency": "shelter-kyiv", "service": "shelter", "expected_version": str(version)}
    response = client.post(
        f"/api/cases/{case_id}/referrals", json=body, headers=callers["lsa"].auth
    )
    refused_naming(response, "expected_version")


def test_dates_and_uuids_are_still_taken_as_json_strings(
    client: TestClient, callers: Callers
) -> None:
    body = {"workflow": "ukraine-nrm", "region": KYIV, "data": opening_data()}
    body["occurred_at"] = "2026-03-02T08:00:00+00:00"
    response = client.post("/api/cases", json=body, headers=callers["screener"].auth)
    assert response.status_code == 201, response.text


# -- every operation of the OpenAPI schema ------------------------------------------------------


@cache
def _schema() -> dict[str, Any]:
    found: dict[str, Any] = create_app(None).openapi()
    return found


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def _takes_string(node: dict[str, Any]) -> bool:
    options = node.get("anyOf", [node])
    return any(o.get("type") == "string" for o in options)


def _plausible(node: dict[str, Any]) -> object:
    """A value of the declared type (validation runs on every value before any handler)."""
    options = [o for o in node.get("anyOf", [node]) if o.get("type") != "null"]
    first = options[0] if options else {}
    if "enum" in first:
        return first["enum"][0]
    kind, form = first.get("type"), first.get("format")
    if kind == "integer":
        return max(1, int(first.get("minimum", 1)))
    if kind == "boolean":
        return True
    if kind == "object":
        return {}
    if form == "uuid":
        return str(uuid4())
    if form == "date":
        return "2026-03-02"
    if form == "date-time":
        return "2026-03-02T09:00:00+00:00"
    return "x"


def _targets() -> list[tuple[str, str, str, str]]:
    """(method, path template, where, name) of every string an operation takes."""
    schema, found = _schema(), []
    for path, operations in schema["paths"].items():
        for method, op in operations.items():
            for p in op.get("parameters", []):
                if _takes_string(p["schema"]):
                    found.append((method, path, p["in"], p["name"]))
            content = op.get("requestBody", {}).get("content", {}).get("application/json")
            if content is not None:
                body = _resolve(schema, content["schema"])
                for name, prop in body.get("properties", {}).items():
                    if _takes_string(prop) or prop.get("type") == "object":
                        found.append((method, path, "body", name))
    return found


TARGETS = _targets()


def _request(
    client: TestClient, method: str, path: str, where: str, name: str, bad: str, token: str
) -> Any:
    schema = _schema()
    op = schema["paths"][path][method]
    url = path
    query: list[str] = []
    headers: dict[str, str | bytes] = {"authorization": f"Bearer {token}"}
    for p in op.get("parameters", []):
        value = bad if (p["in"], p["name"]) == (where, name) else _plausible(p["schema"])
        if p["in"] == "header" and p["name"] == name:
            headers[name] = f"key{bad}".encode()  # as UTF-8 bytes: read as Latin-1 by the app
        elif p["in"] == "path":
            url = url.replace("{" + p["name"] + "}", quote(str(value), safe=""))
        elif p["in"] == "query" and (p.get("required") or p["name"] == name):
            query.append(f"{p['name']}={quote(str(value), safe='')}")
    url += ("?" + "&".join(query)) if query else ""
    content = op.get("requestBody", {}).get("content", {}).get("application/json")
    if content is None:
        return client.request(method, url, headers=headers)
    model = _resolve(schema, content["schema"])
    body = {
        k: _plausible(v) for k, v in model["properties"].items() if k in model.get("required", [])
    }
    if where == "body":
        prop = model["properties"][name]
        body[name] = {f"field{bad}": "x"} if prop.get("type") == "object" else bad
    headers["content-type"] = "application/json"
    return client.request(method, url, content=raw_json(body), headers=headers)


def caller_for(method: str, path: str) -> str:
    """The admin passes every gate but publishing and case-level exports (the statisticians'
    own), person search and a case's notes and documents (of those who work on cases: admins
    never read personal data) and the duplicate alerts (supervisors')."""
    if (path.endswith("/publications") and method == "post") or path.startswith("/api/exports"):
        return "statistician"
    if path.startswith("/api/search") or "/notes" in path or "/documents" in path:
        return "lsa"
    if path.startswith("/api/person-alerts"):
        return "supervisor"
    return "admin"


def test_every_string_of_every_operation_refuses_bad_characters(
    client: TestClient, callers: Callers
) -> None:
    """Each string parameter and body field of each operation, with each bad character: 422
    naming it (one test, one set of users: about 200 requests)."""
    failed = []
    for method, path, where, name in TARGETS:
        for kind, char in (BAD if where == "body" else IN_ADDRESSES).items():
            who = caller_for(method, path)
            response = _request(client, method, path, where, name, char, callers[who].token)
            expected = name if where == "body" else f"{where}.{name}"
            paths = [e.get("path", "") for e in response.json().get("errors", [])]
            if response.status_code != 422 or not any(
                p == expected or p.startswith(expected + ".") for p in paths
            ):
                failed.append((method, path, expected, kind, response.status_code, paths))
    assert not failed, failed


def test_the_walk_covers_the_operations_known_today() -> None:
    names = {(where, name) for _, _, where, name in TARGETS}
    for known in [("query", "region"), ("path", "referral_id"), ("body", "agency"),
                  ("body", "data"), ("header", "Idempotency-Key"), ("path", "name")]:  # fmt: skip
        assert known in names
