"""The case page's forms adding a note or uploading a document, and a document's download (the
same engine commands and queries as the API's routes). A refused form is shown again on the
case page with its error next to it."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData, UploadFile

from referral_engine.adapters.security import User
from referral_engine.domain.case_file import DOCUMENT_KINDS, DOCUMENT_NAME
from referral_engine.domain.errors import DomainError, FieldProblem, InvalidData
from referral_engine.domain.notes import Upload
from referral_engine.domain.views import StepResult
from referral_engine.entrypoints.http import gates
from referral_engine.entrypoints.http.audit import audited, command, disclosure, mark_of
from referral_engine.entrypoints.http.case_file import download, read_upload, upload_detail
from referral_engine.entrypoints.http.deps import RuntimeDep
from referral_engine.entrypoints.http.problems import status_of
from referral_engine.entrypoints.web import stepping
from referral_engine.entrypoints.web.deps import PageRoute, Posted, passing
from referral_engine.entrypoints.web.routes.cases import case_page_after

router = APIRouter(route_class=PageRoute, include_in_schema=False)
CaseFileUser = Annotated[User, Depends(passing(gates.CASE_FILE))]
NOTE_FIELD = "note_text"


@router.post("/cases/{case_id}/notes", response_model=None, dependencies=[audited("case.note")])
def add_note(
    case_id: UUID, request: Request, user: CaseFileUser, runtime: RuntimeDep, form: Posted
) -> Response:
    """Add a note to the case."""
    value = form.get(NOTE_FIELD)
    text = value if isinstance(value, str) else ""
    try:
        result = runtime.engine.add_note(
            case_id,
            text,
            actor=user.actor,
            idempotency_key=stepping.key_of(form),
            scope=user.reach,
            audit=command(request, 303),
        )
    except DomainError as exc:
        failed = ("note", exc, {NOTE_FIELD: text[:20_000]})
        return case_page_after(request, user, runtime, case_id, None, status_of(exc), failed)
    return _recorded(request, result, "notes")


@router.post(
    "/cases/{case_id}/documents",
    response_model=None,
    dependencies=[audited("case.document_upload")],
)
def upload_document(
    case_id: UUID, request: Request, user: CaseFileUser, runtime: RuntimeDep, form: Posted
) -> Response:
    """Upload a document of a kind."""
    kind = form.get("kind")
    kind = kind if isinstance(kind, str) else ""
    limit = runtime.settings.max_document_bytes
    mark = mark_of(request)
    try:
        file = _file(form)
        content = read_upload(file, limit)
        mark.detail = {"kind": kind if kind in DOCUMENT_KINDS else None, "size": len(content)}
        result = runtime.engine.add_document(
            case_id,
            Upload(kind, file.filename or "", content),
            limit,
            actor=user.actor,
            idempotency_key=stepping.key_of(form),
            scope=user.reach,
            audit=command(request, 303),
        )
    except DomainError as exc:
        mark.detail = None
        kept = {"kind": kind if kind in DOCUMENT_KINDS else ""}
        failed = ("document", exc, kept)
        return case_page_after(request, user, runtime, case_id, None, status_of(exc), failed)
    return _recorded(request, result, "documents")


@router.get(
    "/cases/{case_id}/documents/{document_id}",
    response_model=None,
    dependencies=[audited("case.document_download")],
)
def download_document(
    case_id: UUID, document_id: UUID, request: Request, user: CaseFileUser, runtime: RuntimeDep
) -> Response:
    """The document's bytes, as an attachment (audited: the case and the document)."""
    mark = mark_of(request)
    mark.detail = {"document_id": str(document_id)}
    found, document, content = runtime.engine.document_content(
        case_id, document_id, scope=user.reach, role=user.role
    )
    mark.concerns(case_id, found.region)
    mark.detail = upload_detail(document)
    name = disclosure(request, user, found.workflow).data({DOCUMENT_NAME.name: document.name})
    return download(document, name[DOCUMENT_NAME.name], content)


def _file(form: FormData) -> UploadFile:
    file = form.get("file")
    if not isinstance(file, UploadFile) or not (file.filename or "").strip():
        raise InvalidData([FieldProblem("file", "choose a file to upload", "no_file")])
    return file


def _recorded(request: Request, result: StepResult, section: str) -> Response:
    stepping.recorded(request, result)
    target = f"/cases/{result.case_id}?done={result.event}&version={result.version}#{section}"
    return RedirectResponse(target, status_code=303)
