"""Case notes and documents on the in-memory store: added by those working on the case as events
(nothing changed in place), their text checked, read newest first by those who read the case's
personal data, none for a reader who sees only a referral's share, and unreadable once erased."""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest

from referral_engine.application.engine import Engine
from referral_engine.domain.access import Scope
from referral_engine.domain.case_file import NOTE_MAX
from referral_engine.domain.case_file_errors import (
    CaseFileNotPermitted,
    DocumentErased,
    DocumentNotFound,
    DocumentTypeRefused,
)
from referral_engine.domain.errors import (
    CaseNotFound,
    InvalidData,
    PersonalDataErased,
    VersionConflict,
)
from referral_engine.domain.markers import ERASED
from referral_engine.domain.notes import Upload
from tests import documents
from tests.factories import LSA, REGION, SHELTER, SUPERVISOR, case_in, send_referral

LSA_SCOPE = Scope(frozenset({REGION}), "lsa_official", LSA.agency)
SHELTER_SCOPE = Scope(frozenset({REGION}), "service_provider", SHELTER.agency)
LVIV_SCOPE = Scope(frozenset({"UA-46"}), "lsa_official", "lsa-lvivska")
LIMIT = 1_000_000


def note(engine: Engine, case_id: UUID, text: str, **kw: object) -> int:
    args: dict = {"actor": LSA, "scope": LSA_SCOPE, **kw}
    return engine.add_note(case_id, text, **args).version


def upload(engine: Engine, case_id: UUID, content: bytes, kind: str = "consent") -> int:
    sent = Upload(kind, "C:\\scans\\Zgoda Synthetic.pdf", content)
    return engine.add_document(case_id, sent, LIMIT, actor=LSA, scope=LSA_SCOPE).version


def test_notes_are_events_read_newest_first_with_their_author(engine: Engine) -> None:
    case_id = case_in(engine, "application_registered")
    before = engine.case(case_id).version
    first = note(engine, case_id, "Synthetic first note:\nline two")
    second = note(engine, case_id, "Synthetic second note", actor=SUPERVISOR, scope=None)
    assert (first, second) == (before + 1, before + 2)  # one event each, the state unchanged
    assert engine.case(case_id).state == "application_registered"
    found = engine.case_file(case_id, scope=LSA_SCOPE, role="lsa_official")
    assert [n.text for n in found.notes] == [
        "Synthetic second note",
        "Synthetic first note:\nline two",
    ]
    assert found.notes[0].author["role"] == "supervisor" and found.may_add
    assert [h.event for h in engine.history(case_id)][-2:] == ["NoteAdded", "NoteAdded"]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("nul\x00inside", "control_character"),
        ("reads\u202ebackwards", "invisible_character"),
        ("zero\u200bwidth", "invisible_character"),
        ("lone \ud800", "lone_surrogate"),
        ("   \n ", "blank"),
        ("x" * (NOTE_MAX + 1), "too_long"),
    ],
)
def test_a_note_s_text_is_checked(engine: Engine, text: str, code: str) -> None:
    case_id = case_in(engine, "application_registered")
    with pytest.raises(InvalidData) as refused:
        note(engine, case_id, text)
    assert [(p.path, p.code) for p in refused.value.problems] == [("text", code)]


def test_only_those_working_on_the_case_add_notes(engine: Engine) -> None:
    case_id = case_in(engine, "interviewed")
    send_referral(engine, case_id)
    with pytest.raises(CaseFileNotPermitted) as refused:
        note(engine, case_id, "Synthetic", actor=SHELTER, scope=SHELTER_SCOPE)
    assert refused.value.code == "not_working"
    with pytest.raises(CaseNotFound):
        note(engine, case_id, "Synthetic", scope=LVIV_SCOPE)
    note(engine, case_id, "Synthetic note for the office")
    shared = engine.case_file(case_id, scope=SHELTER_SCOPE, role="service_provider")
    assert shared.notes == [] and shared.documents == [] and not shared.may_add


def test_a_stated_version_must_be_current_and_a_retry_records_once(engine: Engine) -> None:
    case_id = case_in(engine, "application_registered")
    version = engine.case(case_id).version
    with pytest.raises(VersionConflict):
        note(engine, case_id, "Synthetic", expected_version=version - 1)
    first = note(engine, case_id, "Synthetic retried", idempotency_key="k1")
    again = engine.add_note(case_id, "Synthetic retried", actor=LSA, idempotency_key="k1")
    assert again.replayed and again.version == first
    assert len(engine.case_file(case_id, role="lsa_official").notes) == 1


def test_a_document_is_listed_without_its_bytes_and_read_whole(engine: Engine) -> None:
    case_id = case_in(engine, "application_registered")
    content = documents.pdf("Synthetic signed consent")
    upload(engine, case_id, content)
    (listed,) = engine.case_file(case_id, scope=LSA_SCOPE, role="lsa_official").documents
    assert (listed.kind, listed.content_type, listed.size) == (
        "consent",
        "application/pdf",
        len(content),
    )
    assert listed.name == "Zgoda Synthetic.pdf"  # the path a browser sent is left out
    _, shown, read = engine.document_content(
        case_id, listed.id, scope=LSA_SCOPE, role="lsa_official"
    )
    assert read == content and shown == listed
    with pytest.raises(DocumentNotFound):
        engine.document_content(case_id, uuid4(), scope=LSA_SCOPE, role="lsa_official")


def test_a_document_of_another_kind_or_type_is_refused_and_nothing_recorded(engine: Engine) -> None:
    case_id = case_in(engine, "application_registered")
    version = engine.case(case_id).version
    with pytest.raises(InvalidData) as refused:
        upload(engine, case_id, documents.png(), kind="passport-ish")
    assert refused.value.problems[0].path == "kind"
    with pytest.raises(DocumentTypeRefused):
        upload(engine, case_id, b"<svg onload=alert(1)>")
    assert engine.case(case_id).version == version


def test_after_erasure_notes_read_as_erased_and_documents_cannot_be_read(engine: Engine) -> None:
    case_id = case_in(engine, "application_registered")
    note(engine, case_id, "Synthetic note to be erased")
    upload(engine, case_id, documents.jpeg())
    engine.erase_personal_data(case_id, "Synthetic lawful request", actor=SUPERVISOR)
    found = engine.case_file(case_id, scope=LSA_SCOPE, role="lsa_official")
    assert found.notes[0].text == dict(ERASED) and found.documents[0].name == dict(ERASED)
    assert found.erased and not found.may_add
    with pytest.raises(DocumentErased):
        engine.document_content(case_id, found.documents[0].id, role="lsa_official")
    with pytest.raises(PersonalDataErased):
        note(engine, case_id, "Synthetic note after erasure")
