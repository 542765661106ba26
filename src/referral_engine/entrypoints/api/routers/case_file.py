"""A case's notes and documents (docs/notes.md): add a note, upload a document (multipart), list
them, download a document. Personal data: read only by those who read the case's personal data,
each read and each download audited, nothing readable once the case is erased."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field

from referral_engine.adapters.security import User
from referral_engine.application.case_file import CaseFileItems
from referral_engine.domain.case_file import CASE_NOTE, DOCUMENT_KINDS, DOCUMENT_NAME, NOTE_MAX
from referral_engine.domain.errors import DomainError
from referral_engine.domain.notes import DocumentView, NoteView, Upload
from referral_engine.domain.personal import Disclosure
from referral_engine.domain.views import StepResult
from referral_engine.entrypoints.api.deps import IdempotencyKey, passing
from referral_engine.entrypoints.api.models import ActorOut, StepOut, Version
from referral_engine.entrypoints.api.models import Request as Body
from referral_engine.entrypoints.http import gates
from referral_engine.entrypoints.http.audit import audited, command, disclosure, done, mark_of
from referral_engine.entrypoints.http.case_file import download, read_upload, upload_detail
from referral_engine.entrypoints.http.deps import EngineDep, RuntimeDep
from referral_engine.entrypoints.http.metrics import count_command
from referral_engine.entrypoints.http.problems import problem_responses
from referral_engine.entrypoints.http.text import NAME_CHECK, FreeText

router = APIRouter(prefix="/api/cases/{case_id}", tags=["notes and documents"])
Reader = Annotated[User, Depends(passing(gates.CASE_FILE))]
PROBLEMS = problem_responses(
    {
        400: "The body is not UTF-8 text, or not a multipart form",
        401: "No valid bearer token",
        403: "Your role may not read or add notes and documents (analysts, statisticians and "
        "admins never do; others only on the cases they work on)",
        404: "No such case in your regions",
        409: "A stale version, or a case whose personal data was erased",
        413: "The body, or the document, is larger than accepted (`max_document_bytes`)",
        415: "The document is not a PDF, a JPEG or a PNG image (judged on its bytes)",
        422: "Invalid input: a note's text, a document's kind, or a damaged document (`reason`)",
        503: "The database or the audit log is unavailable",
    }
)
DOWNLOAD: dict[int | str, dict[str, Any]] = {
    **problem_responses(
        {
            401: "No valid bearer token",
            403: "Your role may not read this case's documents",
            404: "No such case in your regions, or no such document on it",
            410: "The case's personal data was erased: the document can never be read again",
            422: "Invalid case or document id",
            503: "The database or the audit log is unavailable",
        }
    ),
    200: {
        "description": "The document's bytes, as an attachment",
        "content": {
            kind: {"schema": {"type": "string", "format": "binary"}}
            for kind in ("application/pdf", "image/jpeg", "image/png")
        },
    },
}
Redacted = dict[str, str]
"""A personal value's place when it is not shown: `{"redacted": "erased"}` or
`{"redacted": "not-permitted"}`."""


class NoteCreate(Body):
    text: FreeText = Field(
        min_length=1,
        max_length=NOTE_MAX,
        description="Free text (line breaks allowed). Personal data: sealed with the case's "
        "key, shown only to roles that read personal data, gone with an erasure.",
    )
    expected_version: Version | None = Field(
        default=None,
        description="Optional: a note does not depend on the case's state, so without it the "
        "note lands on whatever version the case has; given, a stale one is a conflict (409).",
    )


class NoteOut(BaseModel):
    version: int = Field(description="The case version that recorded the note")
    text: str | Redacted
    author: ActorOut
    recorded_at: datetime

    @classmethod
    def of(cls, note: NoteView, shows: Disclosure) -> NoteOut:
        text = shows.data({CASE_NOTE.name: note.text})[CASE_NOTE.name]
        author = ActorOut.model_validate(note.author)
        return cls(version=note.version, text=text, author=author, recorded_at=note.recorded_at)


class DocumentCreated(StepOut):
    document_id: UUID
    kind: str
    content_type: str
    size: int
    href: str


class DocumentOut(BaseModel):
    id: UUID
    version: int = Field(description="The case version that recorded the upload")
    kind: str = Field(description=f"One of: {', '.join(DOCUMENT_KINDS)}")
    content_type: str
    size: int
    name: str | Redacted = Field(description="The uploaded file's name (personal data)")
    uploaded_by: ActorOut
    uploaded_at: datetime
    href: str

    @classmethod
    def of(cls, case_id: UUID, document: DocumentView, shows: Disclosure) -> DocumentOut:
        name = shows.data({DOCUMENT_NAME.name: document.name})[DOCUMENT_NAME.name]
        return cls(
            id=document.id,
            version=document.version,
            kind=document.kind,
            content_type=document.content_type,
            size=document.size,
            name=name,
            uploaded_by=ActorOut.model_validate(document.uploaded_by),
            uploaded_at=document.uploaded_at,
            href=f"/api/cases/{case_id}/documents/{document.id}",
        )


def _case_file(request: Request, user: User, engine: EngineDep, case_id: UUID) -> CaseFileItems:
    found = engine.case_file(case_id, scope=user.reach, role=user.role)
    mark_of(request).concerns(found.case_id, found.region)
    return found


@router.post(
    "/notes",
    status_code=201,
    response_model=StepOut,
    responses=PROBLEMS,
    dependencies=[audited("case.note")],
)
def add_note(
    case_id: UUID,
    body: NoteCreate,
    user: Reader,
    engine: EngineDep,
    request: Request,
    idempotency_key: IdempotencyKey = None,
) -> StepOut:
    """Add a note to the case (those working on it, in a role reading its personal data)."""
    result = engine.add_note(
        case_id,
        body.text,
        actor=user.actor,
        expected_version=body.expected_version,
        idempotency_key=idempotency_key,
        scope=user.reach,
        audit=command(request, 201),
    )
    return _recorded(request, result)


@router.get(
    "/notes",
    response_model=list[NoteOut],
    responses=PROBLEMS,
    dependencies=[audited("case.notes")],
)
def list_notes(case_id: UUID, user: Reader, engine: EngineDep, request: Request) -> list[NoteOut]:
    """The case's notes, newest first (none for a reader who sees only a referral's share)."""
    found = _case_file(request, user, engine, case_id)
    shows = disclosure(request, user, found.workflow)
    return [NoteOut.of(n, shows) for n in found.notes]


@router.post(
    "/documents",
    status_code=201,
    response_model=DocumentCreated,
    responses=PROBLEMS,
    dependencies=[audited("case.document_upload")],
)
def upload_document(
    case_id: UUID,
    user: Reader,
    runtime: RuntimeDep,
    request: Request,
    kind: Annotated[
        str,
        Form(min_length=1, max_length=50, description=f"One of: {', '.join(DOCUMENT_KINDS)}"),
        NAME_CHECK,
    ],
    file: Annotated[UploadFile, File(description="The document: a PDF, JPEG or PNG file")],
    expected_version: Annotated[int | None, Form(ge=1, le=2**31 - 1)] = None,
    idempotency_key: IdempotencyKey = None,
) -> DocumentCreated:
    """Upload a document of a kind: checked on its bytes (PDF, JPEG or PNG, at most
    `max_document_bytes`), sealed with the case's key, stored with the event recording it."""
    limit = runtime.settings.max_document_bytes
    content = read_upload(file, limit)
    mark = mark_of(request)
    mark.detail = {"kind": kind if kind in DOCUMENT_KINDS else None, "size": len(content)}
    try:
        result = runtime.engine.add_document(
            case_id,
            Upload(kind, file.filename or "", content),
            limit,
            actor=user.actor,
            expected_version=expected_version,
            idempotency_key=idempotency_key,
            scope=user.reach,
            audit=command(request, 201),
        )
    except DomainError:
        mark.detail = {"size": len(content)}
        raise
    _recorded(request, result)
    found = runtime.engine.case_file(case_id, scope=user.reach, role=user.role)
    document = next(d for d in found.documents if d.version == result.version)
    return DocumentCreated(
        **StepOut.of(result).model_dump(),
        document_id=document.id,
        kind=document.kind,
        content_type=document.content_type,
        size=document.size,
        href=f"/api/cases/{case_id}/documents/{document.id}",
    )


@router.get(
    "/documents",
    response_model=list[DocumentOut],
    responses=PROBLEMS,
    dependencies=[audited("case.documents")],
)
def list_documents(
    case_id: UUID, user: Reader, engine: EngineDep, request: Request
) -> list[DocumentOut]:
    """The case's documents, newest first, without their bytes (each has its `href`)."""
    found = _case_file(request, user, engine, case_id)
    shows = disclosure(request, user, found.workflow)
    return [DocumentOut.of(case_id, d, shows) for d in found.documents]


@router.get(
    "/documents/{document_id}",
    response_class=Response,
    responses=DOWNLOAD,
    dependencies=[audited("case.document_download")],
)
def download_document(
    case_id: UUID, document_id: UUID, user: Reader, engine: EngineDep, request: Request
) -> Response:
    """The document's bytes, as an attachment (every download is audited: the case and the
    document, never its file name)."""
    mark = mark_of(request)
    mark.detail = {"document_id": str(document_id)}
    found, document, content = engine.document_content(
        case_id, document_id, scope=user.reach, role=user.role
    )
    mark.concerns(case_id, found.region)
    mark.detail = upload_detail(document)
    name = disclosure(request, user, found.workflow).data({DOCUMENT_NAME.name: document.name})
    return download(document, name[DOCUMENT_NAME.name], content)


def _recorded(request: Request, result: StepResult) -> StepOut:
    mark_of(request).concerns(result.case_id, result.region)
    done(request, result)
    count_command()
    return StepOut.of(result)
