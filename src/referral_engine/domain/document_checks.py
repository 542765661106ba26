"""What an uploaded document is, judged on its bytes alone: a PDF, a JPEG or a PNG image, by its
magic number and a basic check of its structure (never by its file name or the content type the
client declared, both of which the sender chooses). Pure: the bytes are handed in.

The structural checks refuse a file that only begins like one of the three (a renamed archive
or script behind a PDF header, a picture cut short by a broken upload): a PDF must end with its
`%%EOF` marker and hold objects; a JPEG's segments must chain from its start-of-image marker to
a frame and the scan, and the image must end with its end-of-image marker; a PNG's chunks must
chain from `IHDR` to `IEND` with correct checksums and nothing after. They do not render the
file: a document is only ever downloaded (as an attachment, its type fixed by this check)."""

from __future__ import annotations

import re
import struct
import zlib

from referral_engine.domain.case_file_errors import (
    DocumentDamaged,
    DocumentTooLarge,
    DocumentTypeRefused,
)

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
EXTENSIONS = {PDF: "pdf", JPEG: "jpg", PNG: "png"}
"""Each accepted content type and the extension a downloaded file gets."""
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PDF_HEADER = re.compile(rb"%PDF-[12]\.\d")
_PDF_TAIL = 1024
"""How near the end a PDF's last `%%EOF` must be (readers look this far; trailing bytes exist)."""
_JPEG_TAIL = 4096
"""How near the end a JPEG's end-of-image marker must be (cameras append a little data)."""
_JPEG_FRAMES = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
"""Start-of-frame markers (baseline, progressive, ...): not DHT, JPG or DAC."""


def checked_document(content: bytes, limit: int) -> str:
    """The content type of an uploaded document: PDF, JPEG or PNG, checked on its bytes; raises
    DocumentTooLarge, DocumentTypeRefused or DocumentDamaged."""
    if len(content) > limit:
        raise DocumentTooLarge(len(content), limit)
    if not content:
        raise DocumentDamaged("empty")
    if _PDF_HEADER.match(content):
        if not _pdf_whole(content):
            raise DocumentDamaged("pdf")
        return PDF
    if content.startswith(b"\xff\xd8\xff"):
        if not _jpeg_whole(content):
            raise DocumentDamaged("jpeg")
        return JPEG
    if content.startswith(PNG_SIGNATURE):
        if not _png_whole(content):
            raise DocumentDamaged("png")
        return PNG
    raise DocumentTypeRefused


def _pdf_whole(content: bytes) -> bool:
    """A header, at least one object, a cross-reference (table or stream) and `%%EOF` near
    the end."""
    tail = content[-_PDF_TAIL:]
    has_xref = b"startxref" in tail or b"xref" in content
    return b"%%EOF" in tail and b" obj" in content and has_xref


def _jpeg_whole(content: bytes) -> bool:
    """Segments chained from SOI through a frame header to the start of scan, and EOI near
    the end."""
    at, framed = 2, False
    while at + 4 <= len(content):
        if content[at] != 0xFF:
            return False
        marker = content[at + 1]
        if marker == 0xFF:  # fill bytes before a marker
            at += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD8)):  # markers without a length
            at += 2
            continue
        (length,) = struct.unpack(">H", content[at + 2 : at + 4])
        if length < 2 or at + 2 + length > len(content):
            return False
        framed = framed or marker in _JPEG_FRAMES
        if marker == 0xDA:  # start of scan: the entropy-coded data follows, up to EOI
            return framed and b"\xff\xd9" in content[max(at, len(content) - _JPEG_TAIL) :]
        at += 2 + length
    return False


def _png_whole(content: bytes) -> bool:
    """Chunks chained from IHDR (first, 13 bytes, a non-empty image) to IEND (last, nothing
    after it), each with its CRC, and at least one IDAT."""
    at, first, data = len(PNG_SIGNATURE), True, False
    while at + 12 <= len(content):
        length, kind = struct.unpack(">I4s", content[at : at + 8])
        kind = bytes(kind)
        end = at + 12 + length
        if end > len(content):
            return False
        body = content[at + 8 : at + 8 + length]
        (crc,) = struct.unpack(">I", content[at + 8 + length : end])
        if zlib.crc32(kind + body) != crc:
            return False
        if first:
            if kind != b"IHDR" or length != 13:
                return False
            width, height = struct.unpack(">II", body[:8])
            if not width or not height:
                return False
            first = False
        data = data or kind == b"IDAT"
        if kind == b"IEND":
            return bool(data) and end == len(content)
        at = end
    return False
