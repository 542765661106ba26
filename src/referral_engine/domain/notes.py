"""Case notes and documents as events on the case's stream (docs/notes.md): who may add and
read them, the commands that record them, and how a reader is shown them.

A note is free text; a document is a PDF, JPEG or PNG file of a fixed kind (signed consent,
identity papers, ...). Both are personal data: the note's text and the document's file name are
sealed with the case's key like any personal field, the document's bytes in the document store
with the same key (written in the event's transaction), and all of it is unreadable once the
case is erased. Nothing is changed in place: each note and each upload is one event
(`NoteAdded`, `DocumentUploaded`), shaped as a step that does not move the case, which read
models do not project.

Those working on the case add them: a role reading the case's personal data, whose user reaches
the whole case in its region (not only a referral's share of it, not the receiving side of a
waiting transfer). Readers are those who read the case's personal data, as for its fields.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from referral_engine.domain.access import Scope, sight
from referral_engine.domain.aside import record_aside
from referral_engine.domain.case import Case
from referral_engine.domain.case_file import (
    CASE_NOTE,
    DOCUMENT_KINDS,
    DOCUMENT_NAME,
    DOCUMENT_UPLOADED,
    NAME_MAX,
    NOTE_ADDED,
    NOTE_MAX,
)
from referral_engine.domain.case_file_errors import CaseFileNotPermitted
from referral_engine.domain.commands import Context, fingerprint
from referral_engine.domain.document_checks import checked_document
from referral_engine.domain.errors import (
    FieldProblem,
    InvalidData,
    PersonalDataErased,
    VersionConflict,
)
from referral_engine.domain.fields import FieldInvalid
from referral_engine.domain.records import StepOutcome
from referral_engine.domain.views import HistoryEntry
from referral_engine.domain.workflow import WorkflowDefinition


class NoteAdded(Case.CaseMoved):
    """A note on the case: `data.case_note` its text (sealed); `detail` is empty."""

    def apply(self, case: Case) -> None:
        case._record_outcome(self, None)


class DocumentUploaded(Case.CaseMoved):
    """A document uploaded to the case: `detail` its id, kind, content type and size;
    `data.document_name` its file name (sealed). Its bytes are in the document store, sealed
    with the case's key, written in this event's transaction."""

    def apply(self, case: Case) -> None:
        case._record_outcome(self, None)


@dataclass(frozen=True)
class Upload:
    """A document as sent: its kind, file name (as the browser gave it) and bytes."""

    kind: str
    name: str
    content: bytes


@dataclass(frozen=True)
class NoteView:
    """A note as a reader sees it: its text, or a redaction marker (erased, not permitted)."""

    version: int
    text: Any
    author: dict[str, str]
    recorded_at: datetime

    @classmethod
    def of(cls, entry: HistoryEntry) -> NoteView:
        return cls(entry.version, entry.data.get(CASE_NOTE.name), entry.actor, entry.recorded_at)


@dataclass(frozen=True)
class DocumentView:
    """A document as a reader sees it (never its bytes): its file name may be a marker."""

    id: UUID
    version: int
    kind: str
    content_type: str
    size: int
    name: Any
    uploaded_by: dict[str, str]
    uploaded_at: datetime

    @classmethod
    def of(cls, entry: HistoryEntry) -> DocumentView:
        data = entry.data
        return cls(
            UUID(str(data["document_id"])),
            entry.version,
            str(data["kind"]),
            str(data["content_type"]),
            int(data["size"]),
            data.get(DOCUMENT_NAME.name),
            entry.actor,
            entry.recorded_at,
        )


def may_add(workflow: WorkflowDefinition, case: Case, scope: Scope | None, role: str) -> None:
    """Refuse a user who does not work on the case, or whose role does not read its personal
    data (both notes and documents are)."""
    seen = sight(workflow.access, case, scope)  # the receiving side of a transfer: not yet
    if seen is None or not seen.whole:
        raise CaseFileNotPermitted("not_working")
    if role not in workflow.personal[CASE_NOTE.name]:
        raise CaseFileNotPermitted("not_reader")


def add_note(
    case: Case,
    workflow: WorkflowDefinition,
    text: str,
    ctx: Context,
    expected_version: int | None,
    scope: Scope | None,
) -> StepOutcome:
    """Record a note (`expected_version` None: on whatever version the case has)."""
    print_ = fingerprint("note", str(case.id), text)
    if (seen := case.retried(ctx, print_)) is not None:
        return seen
    _check_version(case, expected_version)
    may_add(workflow, case, scope, ctx.actor.role)
    clean = note_text(text)
    if case.erased:
        raise PersonalDataErased([CASE_NOTE.name])
    record_aside(case, NoteAdded, NOTE_ADDED, {}, {CASE_NOTE.name: clean}, ctx, print_)
    return case.last_outcome()


def add_document(
    case: Case,
    workflow: WorkflowDefinition,
    upload: Upload,
    document_id: UUID,
    ctx: Context,
    limits: tuple[int | None, int],
    scope: Scope | None,
) -> StepOutcome:
    """Record an uploaded document whose bytes are stored under `document_id` with the event
    (`limits`: the expected version, None for any, and the largest size accepted)."""
    expected_version, limit = limits
    digest = hashlib.sha256(upload.content).hexdigest()  # in the event's sealed digest only
    print_ = fingerprint("document", str(case.id), upload.kind, upload.name, digest)
    if (seen := case.retried(ctx, print_)) is not None:
        return seen
    _check_version(case, expected_version)
    may_add(workflow, case, scope, ctx.actor.role)
    kind = document_kind(upload.kind)
    content_type = checked_document(upload.content, limit)
    if case.erased:
        raise PersonalDataErased([DOCUMENT_NAME.name])
    detail = {
        "document_id": str(document_id),
        "kind": kind,
        "content_type": content_type,
        "size": len(upload.content),
    }
    data = {DOCUMENT_NAME.name: file_name(upload.name)}
    record_aside(case, DocumentUploaded, DOCUMENT_UPLOADED, detail, data, ctx, print_)
    return case.last_outcome()


def note_text(text: str) -> str:
    """A note's text, checked as free text (line breaks allowed) of at most NOTE_MAX."""
    try:
        clean = str(CASE_NOTE.check(text))
        if len(clean) > NOTE_MAX:
            raise FieldInvalid("too_long", f"must be at most {NOTE_MAX} characters", limit=NOTE_MAX)
    except FieldInvalid as exc:
        raise InvalidData([FieldProblem("text", str(exc), exc.code, exc.params)]) from None
    return clean


def document_kind(kind: str) -> str:
    """One of DOCUMENT_KINDS."""
    if kind not in DOCUMENT_KINDS:
        problem = FieldProblem(
            "kind",
            f"must be one of: {', '.join(DOCUMENT_KINDS)}",
            "not_one_of",
            {"values": DOCUMENT_KINDS},
        )
        raise InvalidData([problem])
    return kind


def file_name(name: str) -> str:
    """The file's own name (a browser may send a path), checked as a name; one that cannot be
    kept (empty, or with a character no name may hold) becomes `document`."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    if len(base) > NAME_MAX:
        _, dot, ext = base.rpartition(".")
        keep = f".{ext}" if dot and len(ext) <= 10 else ""
        base = base[: NAME_MAX - len(keep)] + keep
    try:
        return str(DOCUMENT_NAME.check(base))
    except FieldInvalid:
        return "document"


def _check_version(case: Case, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != case.version:
        raise VersionConflict(expected_version, case.version)
