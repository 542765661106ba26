"""Files the project writes for spreadsheets: every CSV goes through `csv_text` (or `csv_lines`,
streamed), which keeps a text cell from being run as a formula when the file is opened (CSV or
formula injection)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from itertools import chain

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
    return "".join(csv_lines(header, rows))


def csv_lines(header: Iterable[object], rows: Iterable[Iterable[object]]) -> Iterator[str]:
    """A header and rows as CSV text a line at a time (a file streamed as its rows are read,
    never held whole), every text cell made spreadsheet-safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for line in chain([header], rows):
        writer.writerow(spreadsheet_safe(cell) for cell in line)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
