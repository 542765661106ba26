"""Errors of case notes and documents (domain/notes.py, domain/document_checks.py). Each has a
stable problem `type`, as every error of errors.py does; they live here because that module is
near its size limit."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar
from uuid import UUID

from referral_engine.domain.errors import DomainError, NotFound


class CaseFileNotPermitted(DomainError):
    """A note or a document the user may not add: `code` `not_working` (they do not work on
    the case: another region, the receiving side of a waiting transfer, or only a referral's
    share of it) or `not_reader` (their role does not read the case's personal data)."""

    type = "case-file-not-permitted"
    title = "You may not add notes or documents to this case"
    WHY: ClassVar[Mapping[str, str]] = {
        "not_working": "only those working on the case add notes and documents to it",
        "not_reader": "your role does not read the case's personal data, which notes and "
        "documents are",
    }

    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(self.WHY[code])


class DocumentTooLarge(DomainError):
    """An upload over the configured limit (`max_document_bytes`)."""

    type = "document-too-large"
    title = "The document is too large"

    def __init__(self, size: int, limit: int) -> None:
        self.size, self.limit = size, limit
        self.limit_mb = f"{limit / 1_048_576:.1f}".removesuffix(".0")
        super().__init__(f"the document has {size} bytes; at most {limit} are accepted")


class DocumentTypeRefused(DomainError):
    """An upload whose content is no PDF, JPEG or PNG (judged on its bytes, never on its name
    or its declared type)."""

    type = "document-type-refused"
    title = "Only PDF, JPEG and PNG documents are accepted"

    def __init__(self) -> None:
        super().__init__("the file's content is not a PDF, a JPEG or a PNG image")


class DocumentDamaged(DomainError):
    """An upload that begins as a PDF, JPEG or PNG but whose structure is broken or cut short
    (or which is empty): `code` is `empty`, `pdf`, `jpeg` or `png`."""

    type = "document-damaged"
    title = "The document cannot be read"
    WHY: ClassVar[Mapping[str, str]] = {
        "empty": "the file is empty",
        "pdf": "the file begins as a PDF but its structure is broken or cut short",
        "jpeg": "the file begins as a JPEG image but its structure is broken or cut short",
        "png": "the file begins as a PNG image but its structure is broken or cut short",
    }

    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(self.WHY[code])


class DocumentNotFound(NotFound):
    def __init__(self, document_id: UUID | str) -> None:
        self.document_id = document_id
        super().__init__(f"no document {document_id} on this case")


class DocumentErased(DomainError):
    """The document's case had its personal data erased: its key is destroyed (and its bytes
    deleted), so the document can never be read again."""

    type = "document-erased"
    title = "The document was erased with the case's personal data"

    def __init__(self, document_id: UUID | str) -> None:
        self.document_id = document_id
        super().__init__(
            f"document {document_id} was erased with the case's personal data and cannot be read"
        )
