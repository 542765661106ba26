"""What the API and the pages share about case notes and documents: the upload routes' body
limit, reading an uploaded file, and a document's download (an attachment with a safe name, its
checked content type, never sniffed or run)."""

from __future__ import annotations

import re
import unicodedata
from typing import Any
from urllib.parse import quote

from fastapi.responses import Response
from starlette.datastructures import UploadFile

from referral_engine.domain.document_checks import EXTENSIONS
from referral_engine.domain.markers import is_marker
from referral_engine.domain.notes import DocumentView
from referral_engine.domain.text import REFUSED_CATEGORIES

UPLOAD_PATHS = r"/(api/)?cases/[^/]+/documents"
"""The POSTs that carry a document (API and page): the body limit lets them send
`max_document_bytes` and MULTIPART_ROOM more."""
MULTIPART_ROOM = 64 * 1024
"""Room in an upload's body for the multipart framing and the form's other fields."""
NAME_STEM_MAX = 80


def upload_limits(max_document_bytes: int) -> dict[str, int]:
    """The body limit of the routes taking a document, for the body limit middleware."""
    return {UPLOAD_PATHS: max_document_bytes + MULTIPART_ROOM}


def read_upload(file: UploadFile, limit: int) -> bytes:
    """The uploaded file's bytes, at most one more than `limit` (enough to refuse it)."""
    file.file.seek(0)
    return file.file.read(limit + 1)


def upload_detail(document: DocumentView) -> dict[str, Any]:
    """An upload's or a download's audit detail: the document and what it is, never its file
    name (which may name the person)."""
    return {
        "document_id": str(document.id),
        "kind": document.kind,
        "content_type": document.content_type,
        "size": document.size,
    }


def download(document: DocumentView, name: Any, content: bytes) -> Response:
    """The document's bytes as an attachment under a safe name (`name`: its file name as the
    reader may see it; a redaction marker gives a name made of its kind and day)."""
    extension = EXTENSIONS[document.content_type]
    stem = _stem(name) if isinstance(name, str) and not is_marker(name) else ""
    stem = stem or f"{document.kind}-{document.uploaded_at.date().isoformat()}"
    ascii_stem = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._") or document.kind
    disposition = (
        f'attachment; filename="{ascii_stem[:NAME_STEM_MAX]}.{extension}"; '
        f"filename*=UTF-8''{quote(stem[:NAME_STEM_MAX] + '.' + extension, safe='')}"
    )
    return Response(
        content,
        media_type=document.content_type,
        headers={
            "Content-Disposition": disposition,
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "sandbox; default-src 'none'",
            "Cache-Control": "no-store",
        },
    )


def _stem(name: str) -> str:
    """The file name without its extension (the download gets the one its content has), with
    no character a header or a file system would take otherwise."""
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = "".join(c for c in stem if unicodedata.category(c) not in REFUSED_CATEGORIES)
    return re.sub(r'["\\/:*?<>|;]+', "_", stem).strip(" ._")
