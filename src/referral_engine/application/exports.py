"""Files the project writes for spreadsheets: every CSV goes through `csv_text`, which keeps a
text cell from being run as a formula when the file is opened (CSV or formula injection)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What a spreadsheet may read as the start of a formula (OWASP's list)."""


def spreadsheet_safe(value: object) -> object:
    """A text cell starting like a formula, with a single quote in front (OWASP's rule), so
    that a spreadsheet shows it as text; numbers, negative ones included, stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(header: Iterable[object], rows: Iterable[Iterable[object]]) -> str:
    """A header and rows as CSV text, every text cell made spreadsheet-safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(spreadsheet_safe(cell) for cell in header)
    writer.writerows((spreadsheet_safe(cell) for cell in row) for row in rows)
    return buffer.getvalue()
