"""The case page's "Notes" and "Documents" sections (#19 item 5): a note added and listed newest
first with its author's role and time, a document uploaded (multipart, with the session's CSRF
token) and downloaded, refusals shown beside their fields in the page's language, nothing of
either for a reader who sees only a referral's share, and nothing readable once erased."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from fastapi.testclient import TestClient

from tests import documents
from tests.e2e.conftest import Callers, case_in, send_referral
from tests.e2e.pages import csrf_of, sign_in

NOTE = "Synthetic page note: prefers a female interpreter.\nCall after 17:00."


def post_note(client: TestClient, case_id: str, text: str) -> Any:
    csrf = csrf_of(client.get(f"/cases/{case_id}").text)
    form = {"csrf": csrf, "note_text": text, "idempotency_key": str(uuid4())}
    return client.post(f"/cases/{case_id}/notes", data=form, follow_redirects=False)


def post_document(
    client: TestClient, case_id: str, content: bytes, kind: str = "consent", name: str = "z.pdf"
) -> Any:
    csrf = csrf_of(client.get(f"/cases/{case_id}").text)
    return client.post(
        f"/cases/{case_id}/documents",
        data={"csrf": csrf, "kind": kind},
        files={"file": (name, content, "application/octet-stream")},
        follow_redirects=False,
    )


def test_a_note_is_added_and_listed_with_its_author_s_role(
    client: TestClient, callers: Callers
) -> None:
    case_id, _ = case_in(client, callers, "application_registered")
    sign_in(client, callers["lsa"].token)
    added = post_note(client, case_id, NOTE)
    assert added.status_code == 303, added.text
    assert added.headers["location"].endswith("#notes")
    page = client.get(added.headers["location"]).text
    assert 'id="notes"' in page and "prefers a female interpreter.\nCall after 17:00." in page
    assert "Official of the responsible unit" in page  # the author's role, in words
    assert "Note added" in page
    history = client.get(f"/cases/{case_id}/history").text
    moved = history.split('<ul class="moved">', 1)[1].split("</ul>", 1)[0]
    assert "Note: Synthetic page note" in moved and "case_note" not in history


def test_a_refused_note_is_shown_again_beside_its_field_in_ukrainian(
    client: TestClient, callers: Callers
) -> None:
    case_id, _ = case_in(client, callers, "application_registered")
    sign_in(client, callers["lsa"].token)
    client.get("/lang/uk?next=/")
    refused = post_note(client, case_id, "Synthetic\u202ereversed")
    assert refused.status_code == 422, refused.text
    assert 'id="note-error"' in refused.text and "невидимий символ" in refused.text
    assert "Synthetic\u202ereversed" in refused.text  # what was typed is kept


def test_a_document_is_uploaded_and_downloaded_from_the_page(
    client: TestClient, callers: Callers
) -> None:
    case_id, _ = case_in(client, callers, "application_registered")
    sign_in(client, callers["lsa"].token)
    content = documents.png("Synthetic identity page")
    sent = post_document(client, case_id, content, kind="identity", name="Passport scan.png")
    assert sent.status_code == 303, sent.text
    page = client.get(sent.headers["location"]).text
    assert "Identity document" in page and "Passport scan.png" in page
    href = page.split(f'href="/cases/{case_id}/documents/', 1)[1].split('"', 1)[0]
    got = client.get(f"/cases/{case_id}/documents/{href}")
    assert got.status_code == 200 and got.content == content
    assert got.headers["content-type"] == "image/png"
    assert got.headers["content-disposition"].startswith('attachment; filename="Passport_scan.png"')


def test_a_refused_document_is_explained_on_the_case_page(
    client: TestClient, callers: Callers
) -> None:
    case_id, _ = case_in(client, callers, "application_registered")
    sign_in(client, callers["lsa"].token)
    wrong = post_document(client, case_id, b"#!/bin/sh\nrm -rf /\n", name="scan.pdf")
    assert wrong.status_code == 415, wrong.text
    assert "Only PDF, JPEG and PNG documents are accepted" in wrong.text
    no_kind = post_document(client, case_id, documents.pdf(), kind="")
    assert no_kind.status_code == 422 and 'id="document-kind-error"' in no_kind.text
    csrf = csrf_of(client.get(f"/cases/{case_id}").text)
    no_file = client.post(
        f"/cases/{case_id}/documents",
        data={"csrf": csrf, "kind": "consent"},
        files={"x": ("", b"")},
    )
    assert no_file.status_code == 422 and 'id="document-file-error"' in no_file.text


def test_a_form_without_the_csrf_token_is_refused(client: TestClient, callers: Callers) -> None:
    case_id, _ = case_in(client, callers, "application_registered")
    sign_in(client, callers["lsa"].token)
    forged = client.post(
        f"/cases/{case_id}/documents",
        data={"kind": "consent"},
        files={"file": ("a.pdf", documents.pdf(), "application/pdf")},
    )
    assert forged.status_code == 403
    assert client.post(f"/cases/{case_id}/notes", data={"note_text": "x"}).status_code == 403


def test_a_referred_agency_sees_neither_section(client: TestClient, callers: Callers) -> None:
    case_id, version = case_in(client, callers, "interviewed")
    assert send_referral(client, callers["lsa"], case_id, version).status_code == 201
    sign_in(client, callers["lsa"].token)
    assert post_note(client, case_id, NOTE).status_code == 303
    sign_in(client, callers["shelter"].token)
    page = client.get(f"/cases/{case_id}").text
    assert 'id="notes"' not in page and 'id="documents"' not in page and "interpreter" not in page


def test_after_erasure_nothing_can_be_read_or_added(client: TestClient, callers: Callers) -> None:
    case_id, _ = case_in(client, callers, "application_registered")
    sign_in(client, callers["lsa"].token)
    assert post_note(client, case_id, NOTE).status_code == 303
    sent = post_document(client, case_id, documents.pdf(), name="consent.pdf")
    page = client.get(sent.headers["location"]).text
    href = (
        "/cases/"
        + case_id
        + "/documents/"
        + page.split(f"/cases/{case_id}/documents/", 1)[1].split('"', 1)[0]
    )
    erased = client.post(
        f"/api/cases/{case_id}/erase", json={"reason": "Synthetic"}, headers=callers["admin"].auth
    )
    assert erased.status_code == 200
    page = client.get(f"/cases/{case_id}").text
    assert "interpreter" not in page and "consent.pdf" not in page
    assert "Erased with the case" in page and 'id="form-note"' not in page
    gone = client.get(href)
    assert gone.status_code == 410 and "This document was erased with the case" in gone.text
