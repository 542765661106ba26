"""An HTCDS export as a file: CSV (spreadsheet-safe, application/exports.py) or XLSX, each the
same bytes for the same rows: no time, no generated name, fixed document properties and fixed
times on every member of the XLSX's zip archive."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from datetime import datetime

from openpyxl import Workbook

from referral_engine.application.exports import csv_text, spreadsheet_safe

FIXED = datetime(2000, 1, 1)
"""The document's `created` and `modified` (openpyxl would write the moment of writing)."""
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
"""Each archive member's time: the earliest a zip entry holds."""
MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def to_csv(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> bytes:
    """The header (the standard's field names) and the rows, UTF-8."""
    return csv_text(columns, rows).encode("utf-8")


def to_xlsx(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> bytes:
    """One sheet, `HTCDS`: the header and the rows, every cell text."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "HTCDS"
    sheet.append([spreadsheet_safe(c) for c in columns])
    for row in rows:
        sheet.append([spreadsheet_safe(v) for v in row])
    props = book.properties
    props.created = props.modified = FIXED
    props.creator = "referral-engine"
    out = io.BytesIO()
    book.save(out)
    return _fixed_times(out.getvalue())


def _fixed_times(data: bytes) -> bytes:
    """The archive again, its members in the same order with fixed times."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            member = source.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the saving time there
                member = MODIFIED.sub(rb"\g<1>2000-01-01T00:00:00Z\g<2>", member)
            target.writestr(fixed, member)
    return out.getvalue()
