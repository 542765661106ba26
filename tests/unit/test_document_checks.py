"""What an uploaded document is, judged on its bytes: PDF, JPEG and PNG pass their magic number
and a basic structural check; a renamed file of another type, a file that only begins like one
of them, one cut short, an empty one and one over the limit are refused with their own error."""

from __future__ import annotations

import zlib

import pytest

from referral_engine.domain.case_file_errors import (
    DocumentDamaged,
    DocumentTooLarge,
    DocumentTypeRefused,
)
from referral_engine.domain.document_checks import JPEG, PDF, PNG, checked_document
from tests import documents

LIMIT = 1_000_000


@pytest.mark.parametrize(
    ("content", "kind"),
    [(documents.pdf(), PDF), (documents.jpeg(), JPEG), (documents.png(), PNG)],
    ids=["pdf", "jpeg", "png"],
)
def test_pdf_jpeg_and_png_are_recognised_by_their_bytes(content: bytes, kind: str) -> None:
    assert checked_document(content, LIMIT) == kind


@pytest.mark.parametrize(
    "content",
    [
        b"<html><script>alert(1)</script></html>",
        b"PK\x03\x04" + b"\x00" * 40,  # a zip (an office file) named .pdf
        b"GIF89a" + b"\x00" * 40,
        b"MZ\x90\x00" + b"\x00" * 40,  # a Windows program
        b" %PDF-1.4 but not at the start",
        b"%!PS-Adobe-3.0",
    ],
    ids=["html", "zip", "gif", "exe", "late-header", "postscript"],
)
def test_other_types_are_refused_whatever_they_are_called(content: bytes) -> None:
    with pytest.raises(DocumentTypeRefused):
        checked_document(content, LIMIT)


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (documents.pdf()[:-20], "pdf"),  # cut short: no %%EOF
        (b"%PDF-1.7\n" + b"A" * 100 + b"\n%%EOF\n", "pdf"),  # a header and nothing of a PDF
        (documents.jpeg()[:-2], "jpeg"),  # no end-of-image marker
        (b"\xff\xd8\xff\xe0\x00\x10" + b"x" * 20, "jpeg"),  # a segment longer than the file
        (b"\xff\xd8\xff\xda\x00\x08" + b"\x00" * 6 + b"\xff\xd9", "jpeg"),  # a scan, no frame
        (documents.png()[:-12], "png"),  # no IEND
        (documents.png() + b"<script>", "png"),  # bytes after IEND
        (documents.png()[:40] + b"X" + documents.png()[41:], "png"),  # a checksum that fails
        (documents.png(width=0), "png"),  # an image of no pixels
    ],
    ids=[
        "pdf-cut",
        "pdf-hollow",
        "jpeg-cut",
        "jpeg-overlong",
        "jpeg-no-frame",
        "png-cut",
        "png-trailer",
        "png-crc",
        "png-empty",
    ],
)
def test_a_file_that_only_begins_like_an_accepted_type_is_refused_as_damaged(
    content: bytes, code: str
) -> None:
    with pytest.raises(DocumentDamaged) as refused:
        checked_document(content, LIMIT)
    assert refused.value.code == code


def test_a_png_whose_first_chunk_is_not_its_header_is_refused() -> None:
    body = b"Comment\x00x"
    text = len(body).to_bytes(4, "big") + b"tEXt" + body + zlib.crc32(b"tEXt" + body).to_bytes(4)
    content = documents.png()[:8] + text + documents.png()[8:]
    with pytest.raises(DocumentDamaged):
        checked_document(content, LIMIT)


def test_an_empty_file_and_one_over_the_limit_are_refused() -> None:
    with pytest.raises(DocumentDamaged) as empty:
        checked_document(b"", LIMIT)
    assert empty.value.code == "empty"
    with pytest.raises(DocumentTooLarge) as large:
        checked_document(documents.pdf(), 100)
    assert large.value.limit == 100 and large.value.size == len(documents.pdf())
