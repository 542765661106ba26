"""The case page's "Notes" and "Documents" sections (`_case_notes.html`, `_case_documents.html`):
what the reader may read of them (their personal values through the request's disclosure, so
the page's audit entry names them) and whether they may add some, in the page's language."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from fastapi import Request

from referral_engine.adapters.security import User
from referral_engine.bootstrap import Runtime
from referral_engine.domain.case_file import CASE_NOTE, DOCUMENT_KINDS, DOCUMENT_NAME, NOTE_MAX
from referral_engine.domain.errors import DomainError, InvalidData
from referral_engine.domain.notes import DocumentView, NoteView
from referral_engine.entrypoints.http import gates
from referral_engine.entrypoints.http.audit import disclosure
from referral_engine.entrypoints.web import explain
from referral_engine.entrypoints.web.i18n import Translator
from referral_engine.entrypoints.web.workflow_text import WorkflowText

Failed = tuple[str, DomainError, Mapping[str, str]]
"""A refused form of the sections: `note` or `document`, the error, the values it posted."""


@dataclass(frozen=True)
class ShownDocument:
    document: DocumentView
    name: Any
    """The file name as the reader may see it (a redaction marker once erased)."""
    kind: str
    size: str


@dataclass(frozen=True)
class CaseFiles:
    """What the two sections show one reader (`shown` False: neither is shown)."""

    shown: bool = False
    notes: list[tuple[NoteView, Any]] = field(default_factory=list)
    documents: list[ShownDocument] = field(default_factory=list)
    may_add: bool = False
    erased: bool = False
    kinds: list[tuple[str, str]] = field(default_factory=list)
    note_max: int = NOTE_MAX
    max_mb: str = ""
    failed: str | None = None
    error: str | None = None
    problems: dict[str, str] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)


def case_file(
    request: Request,
    user: User,
    runtime: Runtime,
    case_id: UUID,
    words: tuple[Translator, WorkflowText],
    failed: Failed | None = None,
) -> CaseFiles:
    """The sections for `user` reading the case (`failed`: a refused form, shown again)."""
    if not gates.CASE_FILE.admits(user.role):
        return CaseFiles()
    t, text = words
    found = runtime.engine.case_file(case_id, scope=user.reach, role=user.role)
    if not found.readable:
        return CaseFiles()
    shows = disclosure(request, user, found.workflow)
    notes = [(n, shows.data({CASE_NOTE.name: n.text})[CASE_NOTE.name]) for n in found.notes]
    documents = [
        ShownDocument(
            d,
            shows.data({DOCUMENT_NAME.name: d.name})[DOCUMENT_NAME.name],
            kind_words(t, d.kind),
            size_words(t, d.size),
        )
        for d in found.documents
    ]
    error, problems = None, {}
    if failed is not None:
        exc = failed[1]
        if isinstance(exc, InvalidData):
            problems = {p.path: explain.field_problem(p, t, text) for p in exc.problems}
        else:
            error = explain.error(exc, t, text)
    return CaseFiles(
        shown=True,
        notes=notes,
        documents=documents,
        may_add=found.may_add,
        erased=found.erased,
        kinds=[(k, kind_words(t, k)) for k in DOCUMENT_KINDS],
        max_mb=megabytes(runtime.settings.max_document_bytes),
        failed=failed[0] if failed else None,
        error=error,
        problems=problems,
        values=dict(failed[2]) if failed else {},
    )


def kind_words(t: Translator, kind: str) -> str:
    return t(f"paper.kind.{kind}") if t.has(f"paper.kind.{kind}") else kind


def size_words(t: Translator, size: int) -> str:
    """A size in KB below a megabyte, else in MB (one decimal), in the page's language."""
    if size < 1_048_576:
        return str(t("paper.kb", n=max(1, round(size / 1024))))
    return str(t("paper.mb", n=megabytes(size)))


def megabytes(size: int) -> str:
    return f"{size / 1_048_576:.1f}".removesuffix(".0")


def history_words(entry: Any, t: Translator) -> list[tuple[str, Any]] | None:
    """A note's or an upload's details in the history: (label, value: words, or a personal
    value as the reader may see it); None for other events."""
    data: Mapping[str, Any] = entry.data
    if entry.event == "NoteAdded":
        return [(t("paper.note"), data.get(CASE_NOTE.name))]
    if entry.event == "DocumentUploaded":
        kind = kind_words(t, str(data.get("kind", "")))
        name = data.get(DOCUMENT_NAME.name)
        return [(t("paper.kind"), kind), (t("paper.file"), name)]
    return None
