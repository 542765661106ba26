"""Notes and documents through the API (#19 item 5): added by those working on the case, read by
those who read its personal data, a document's content checked on its bytes and downloaded as an
attachment of its checked type, each download audited without the file name, and nothing
readable once the case's personal data is erased."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient

from referral_engine.bootstrap import Runtime
from referral_engine.domain.notes import DocumentView
from referral_engine.entrypoints.asgi import create_app
from referral_engine.entrypoints.http.case_file import download
from tests import documents
from tests.e2e.conftest import Caller, Callers, assert_problem, case_in, send_referral
from tests.factories import START

NOTE = "Synthetic note: the person asked to be called after 17:00.\nSecond line."


def add_note(client: TestClient, caller: Caller, case_id: str, text: str, **kw: Any) -> Any:
    return client.post(
        f"/api/cases/{case_id}/notes", json={"text": text, **kw}, headers=caller.auth
    )


def upload(
    client: TestClient,
    caller: Caller,
    case_id: str,
    content: bytes,
    name: str = "consent.pdf",
    kind: str = "consent",
    declared: str = "application/pdf",
) -> Any:
    return client.post(
        f"/api/cases/{case_id}/documents",
        data={"kind": kind},
        files={"file": (name, content, declared)},
        headers=caller.auth,
    )


def test_a_note_is_added_then_read_newest_first_and_the_read_audited(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    case_id, version = case_in(client, callers, "application_registered")
    first = add_note(client, callers["lsa"], case_id, NOTE)
    assert first.status_code == 201, first.text
    assert first.json()["version"] == version + 1 and first.json()["event"] == "NoteAdded"
    second = add_note(client, callers["supervisor"], case_id, "Synthetic second note")
    assert second.status_code == 201, second.text
    read = client.get(f"/api/cases/{case_id}/notes", headers=callers["lsa"].auth)
    assert read.status_code == 200, read.text
    notes = read.json()
    assert [n["text"] for n in notes] == ["Synthetic second note", NOTE]
    assert notes[0]["author"]["role"] == "supervisor" and notes[1]["version"] == version + 1
    (entry,) = pg_runtime.audit.query(user_name="lsa", limit=1, newest_first=True)
    assert entry.action == "case.notes" and str(entry.case_id) == case_id
    assert entry.detail["personal_fields"] == ["case_note"]


def test_who_adds_and_reads_notes(client: TestClient, callers: Callers) -> None:
    case_id, version = case_in(client, callers, "interviewed")
    assert send_referral(client, callers["lsa"], case_id, version).status_code == 201
    assert add_note(client, callers["lsa"], case_id, NOTE).status_code == 201
    notes = f"/api/cases/{case_id}/notes"
    for outsider in ("analyst", "admin", "statistician"):
        assert_problem(client.get(notes, headers=callers[outsider].auth), 403, "forbidden")
        refused = add_note(client, callers[outsider], case_id, "Synthetic")
        assert_problem(refused, 403, "forbidden")
    assert_problem(client.get(notes, headers=callers["lviv-lsa"].auth), 404, "not-found")
    shelter = client.get(notes, headers=callers["shelter"].auth)  # only a referral's share
    assert shelter.status_code == 200 and shelter.json() == []
    body = assert_problem(
        add_note(client, callers["shelter"], case_id, "x"), 403, "case-file-not-permitted"
    )
    assert body["reason"] == "not_working"
    assert NOTE not in shelter.text


@pytest.mark.parametrize(
    "text", ["nul\x00", "rtl\u202eoverride", "zero\u200bwidth", " ", "x" * 4001]
)
def test_a_note_s_text_is_checked(client: TestClient, callers: Callers, text: str) -> None:
    case_id, _ = case_in(client, callers, "application_registered")
    body = assert_problem(add_note(client, callers["lsa"], case_id, text), 422, "validation")
    assert [e["path"] for e in body["errors"]] == ["text"]


def test_a_stale_stated_version_is_a_conflict(client: TestClient, callers: Callers) -> None:
    case_id, version = case_in(client, callers, "application_registered")
    stale = add_note(client, callers["lsa"], case_id, NOTE, expected_version=version - 1)
    assert_problem(stale, 409, "version-conflict")


def test_a_document_is_uploaded_listed_and_downloaded_as_an_audited_attachment(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    case_id, _ = case_in(client, callers, "application_registered")
    content = documents.pdf("Synthetic consent Hrytsenko")
    name = "C:\\Scans\\Згода Hrytsenko; копія.pdf"
    sent = upload(client, callers["lsa"], case_id, content, name=name, declared="image/png")
    assert sent.status_code == 201, sent.text
    created = sent.json()
    assert (created["kind"], created["content_type"]) == ("consent", "application/pdf")
    assert created["size"] == len(content) and "Згода" not in sent.text  # no name echoed
    listed = client.get(f"/api/cases/{case_id}/documents", headers=callers["lsa"].auth).json()
    assert [d["id"] for d in listed] == [created["document_id"]]
    assert listed[0]["name"] == "Згода Hrytsenko; копія.pdf"  # without the path
    got = client.get(created["href"], headers=callers["lsa"].auth)
    assert got.status_code == 200 and got.content == content
    assert got.headers["content-type"] == "application/pdf"
    assert got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["content-disposition"] == (
        'attachment; filename="Hrytsenko.pdf"; '
        "filename*=UTF-8''%D0%97%D0%B3%D0%BE%D0%B4%D0%B0%20Hrytsenko_%20"
        "%D0%BA%D0%BE%D0%BF%D1%96%D1%8F.pdf"
    )
    (entry,) = pg_runtime.audit.query(user_name="lsa", limit=1, newest_first=True)
    assert entry.action == "case.document_download" and str(entry.case_id) == case_id
    assert entry.detail["document_id"] == created["document_id"]
    assert "Згода" not in str(entry.detail) and "Hrytsenko" not in str(entry.detail)
    uploads = pg_runtime.audit.query(case_id=case_id)
    (uploaded,) = [e for e in uploads if e.action == "case.document_upload"]
    assert "Згода" not in str(uploaded.detail) and uploaded.status == 201


@pytest.mark.parametrize(
    ("content", "status", "slug", "reason"),
    [
        (b"<html><script>alert(1)</script></html>", 415, "document-type-refused", None),
        (b"PK\x03\x04" + b"\x00" * 64, 415, "document-type-refused", None),
        (documents.pdf()[:-30], 422, "document-damaged", "pdf"),
        (documents.png() + b"trailing", 422, "document-damaged", "png"),
        (b"", 422, "document-damaged", "empty"),
    ],
    ids=["html-named-pdf", "zip-named-pdf", "cut-pdf", "png-with-trailer", "empty"],
)
def test_a_document_is_judged_on_its_bytes_not_its_name_or_declared_type(
    client: TestClient, callers: Callers, content: bytes, status: int, slug: str, reason: str | None
) -> None:
    case_id, version = case_in(client, callers, "application_registered")
    body = assert_problem(upload(client, callers["lsa"], case_id, content), status, slug)
    assert body.get("reason") == reason
    case = client.get(f"/api/cases/{case_id}", headers=callers["lsa"].auth).json()
    assert case["version"] == version  # nothing recorded


def test_a_document_of_an_unknown_kind_is_refused(client: TestClient, callers: Callers) -> None:
    case_id, _ = case_in(client, callers, "application_registered")
    sent = upload(client, callers["lsa"], case_id, documents.png(), kind="selfie")
    body = assert_problem(sent, 422, "validation")
    assert [e["path"] for e in body["errors"]] == ["kind"]


@pytest.fixture
def small_limit(pg_runtime: Runtime) -> Iterator[TestClient]:
    """The app with documents limited to 4 KiB."""
    settings = pg_runtime.settings.model_copy(update={"max_document_bytes": 4096})
    runtime = replace(pg_runtime, settings=settings)
    with TestClient(create_app(runtime), raise_server_exceptions=False) as small:
        yield small


def test_a_document_over_the_limit_is_refused_with_413(
    small_limit: TestClient, callers: Callers
) -> None:
    case_id, _ = case_in(small_limit, callers, "application_registered")
    over = documents.png("x" * 5000)
    body = assert_problem(
        upload(small_limit, callers["lsa"], case_id, over), 413, "document-too-large"
    )
    assert body["limit"] == 4096
    far_over = upload(small_limit, callers["lsa"], case_id, documents.png("x" * 100_000))
    assert_problem(far_over, 413, "payload-too-large")  # refused before it is read


def test_after_erasure_notes_read_as_erased_and_a_download_is_gone(
    client: TestClient, callers: Callers
) -> None:
    case_id, _ = case_in(client, callers, "application_registered")
    assert add_note(client, callers["lsa"], case_id, NOTE).status_code == 201
    sent = upload(client, callers["lsa"], case_id, documents.jpeg(), name="id.jpg", kind="identity")
    href = sent.json()["href"]
    erased = client.post(
        f"/api/cases/{case_id}/erase",
        json={"reason": "Synthetic request"},
        headers=callers["admin"].auth,
    )
    assert erased.status_code == 200, erased.text
    notes = client.get(f"/api/cases/{case_id}/notes", headers=callers["lsa"].auth).json()
    assert notes[0]["text"] == {"redacted": "erased"}
    listed = client.get(f"/api/cases/{case_id}/documents", headers=callers["lsa"].auth).json()
    assert listed[0]["name"] == {"redacted": "erased"} and listed[0]["kind"] == "identity"
    assert_problem(client.get(href, headers=callers["lsa"].auth), 410, "document-erased")
    again = add_note(client, callers["lsa"], case_id, "Synthetic note after erasure")
    assert_problem(again, 409, "personal-data-erased")


def test_a_download_s_name_cannot_break_its_header() -> None:
    document = DocumentView(uuid4(), 3, "decision", "image/png", 10, "", {}, START)
    for name in ['a"b\r\nSet-Cookie: x=1.exe', "..\\..\\etc/passwd", "\u202egnp.exe", ""]:
        disposition = download(document, name, b"x").headers["content-disposition"]
        assert disposition.startswith('attachment; filename="') and disposition.count('"') == 2
        assert not {"\r", "\n", "/", "\\", "\u202e"} & set(disposition), disposition
        assert disposition.endswith(".png") and '.png"' in disposition
    erased = download(document, {"redacted": "erased"}, b"x").headers["content-disposition"]
    assert 'filename="decision-2026-03-02.png"' in erased


@pytest.mark.parametrize("kind", ["con\x00sent", "consent\u202e", "con\u200bsent", "consent\n"])
def test_a_document_s_kind_with_a_bad_character_is_refused_naming_it(
    client: TestClient, callers: Callers, kind: str
) -> None:
    case_id, _ = case_in(client, callers, "application_registered")
    body = assert_problem(
        upload(client, callers["lsa"], case_id, documents.png(), kind=kind), 422, "validation"
    )
    assert [e["path"] for e in body["errors"]] == ["kind"]
