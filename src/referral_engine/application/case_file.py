"""Case notes and documents as engine commands and queries (domain/notes.py decides)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID, uuid4

from referral_engine.application.commanding import CaseCommands
from referral_engine.application.ports import AuditNote
from referral_engine.domain import notes
from referral_engine.domain.access import Scope
from referral_engine.domain.case_file import DOCUMENT_NAME, DOCUMENT_UPLOADED, NOTE_ADDED
from referral_engine.domain.case_file_errors import (
    CaseFileNotPermitted,
    DocumentErased,
    DocumentNotFound,
)
from referral_engine.domain.commands import Actor
from referral_engine.domain.errors import VersionConflict
from referral_engine.domain.notes import DocumentView, NoteView, Upload
from referral_engine.domain.views import StepResult
from referral_engine.domain.workflow import WorkflowDefinition

ATTEMPTS = 5
"""How often a note or an upload on no stated version is tried while other steps land."""


@dataclass(frozen=True)
class CaseFileItems:
    """A case's notes and documents as far as a reader reaches them, newest first (their
    personal values not yet disclosed: the caller's `Disclosure` does that, and audits it)."""

    case_id: UUID
    region: str
    workflow: WorkflowDefinition
    notes: list[NoteView]
    documents: list[DocumentView]
    may_add: bool
    """Whether the reader may add notes and documents."""
    erased: bool
    readable: bool
    """Whether the reader reads the case's notes and documents (not: a referral's share)."""


class CaseFiles(CaseCommands):
    """Add notes and documents to a case, and read them."""

    def add_note(
        self,
        case_id: UUID,
        text: str,
        *,
        actor: Actor,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
        scope: Scope | None = None,
        audit: AuditNote | None = None,
    ) -> StepResult:
        """Add a note to the case (personal data: sealed with the case's key). With no
        `expected_version` it lands on whatever version the case has by then."""
        ctx = self._context(actor, None, idempotency_key)
        return _unversioned(
            expected_version,
            lambda version: self._command(
                case_id,
                ctx,
                scope,
                audit,
                lambda c, w: notes.add_note(c, w, text, ctx, version, scope),
            ),
        )

    def add_document(
        self,
        case_id: UUID,
        upload: Upload,
        limit: int,
        *,
        actor: Actor,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
        scope: Scope | None = None,
        audit: AuditNote | None = None,
    ) -> StepResult:
        """Upload a document (PDF, JPEG or PNG, checked on its bytes, at most `limit` bytes):
        its bytes sealed with the case's key and stored with the event recording it."""
        ctx = self._context(actor, None, idempotency_key)
        document_id = uuid4()
        return _unversioned(
            expected_version,
            lambda version: self._command(
                case_id,
                ctx,
                scope,
                audit,
                lambda c, w: notes.add_document(
                    c, w, upload, document_id, ctx, (version, limit), scope
                ),
                documents=[(document_id, upload.content)],
            ),
        )

    def case_file(
        self, case_id: UUID, *, scope: Scope | None = None, role: str = ""
    ) -> CaseFileItems:
        """The case's notes and documents as `scope` reaches them (none for a reader who sees
        only a referral's share of the case), and whether `role` may add some."""
        case = self._get(case_id, scope)
        workflow = self._workflow(case)
        whole = self._sight(case, scope).whole
        try:
            notes.may_add(workflow, case, scope, role)
            may_add = not case.erased
        except CaseFileNotPermitted:
            may_add = False
        entries = self.case_history(case_id, scope=scope).entries if whole else []
        newest = list(reversed(entries))
        return CaseFileItems(
            case.id,
            case.region,
            workflow,
            [NoteView.of(e) for e in newest if e.event == NOTE_ADDED],
            [DocumentView.of(e) for e in newest if e.event == DOCUMENT_UPLOADED],
            may_add,
            case.erased,
            whole,
        )

    def document_content(
        self, case_id: UUID, document_id: UUID, *, scope: Scope | None = None, role: str = ""
    ) -> tuple[CaseFileItems, DocumentView, bytes]:
        """A document and its bytes (with the case's case_file), for a reader of the case's
        personal data; DocumentErased once the case's personal data is erased."""
        found = self.case_file(case_id, scope=scope, role=role)
        document = next((d for d in found.documents if d.id == document_id), None)
        if document is None:
            raise DocumentNotFound(document_id)
        if role not in found.workflow.personal[DOCUMENT_NAME.name]:
            raise CaseFileNotPermitted("not_reader")
        content = None if found.erased else self.store.document(case_id, document_id)
        if content is None:
            raise DocumentErased(document_id)
        return found, document, content


def _unversioned(expected: int | None, run: Callable[[int | None], StepResult]) -> StepResult:
    """Run a command on `expected` version; with none, again while other commands land first
    (a note or an upload does not depend on the case's state)."""
    for _ in range(ATTEMPTS - 1):
        try:
            return run(expected)
        except VersionConflict:
            if expected is not None:
                raise
    return run(expected)
