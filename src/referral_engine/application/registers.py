"""A past register as a file: CSV (UTF-8, or Windows-1251 as older Excel saves it; comma,
semicolon or tab) or XLSX (its first sheet, read with openpyxl), the first row naming the
columns. Its digest marks every case imported from it."""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from openpyxl import load_workbook

from referral_engine.domain.errors import RegisterUnreadable
from referral_engine.domain.imports import Cell
from referral_engine.domain.text import text_problem

MAX_COLUMNS = 200
FORMATS = ("csv", "xlsx")
QUOTED = re.compile('"[^"]*"')
HEADER_MAX = 64 * 1024
"""How much of a CSV file its header (with line breaks in quoted names) may take."""


@dataclass(frozen=True)
class Register:
    """The file's columns and rows; each row keeps its number as a spreadsheet shows it."""

    name: str
    digest: str
    columns: tuple[str, ...]
    rows: Sequence[tuple[int, dict[str, Cell]]]


def read_register(data: bytes, name: str) -> Register:
    """The register in `data` (its format from `name`'s extension), or RegisterUnreadable."""
    kind = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if kind not in FORMATS:
        raise RegisterUnreadable(f"{name}: the file must end in .csv or .xlsx")
    table = _xlsx(data) if kind == "xlsx" else _csv(data)
    header = next(table, None)
    if header is None:
        raise RegisterUnreadable(f"{name}: the file is empty")
    columns = _columns(header)
    rows: list[tuple[int, dict[str, Cell]]] = []
    for number, cells in enumerate(table, start=2):
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
            continue  # blank lines between blocks, as registers kept by hand have
        if len(cells) > len(columns) and any(c not in (None, "") for c in cells[len(columns) :]):
            raise RegisterUnreadable(f"row {number} has more cells than the header has columns")
        rows.append((number, dict(zip(columns, cells, strict=False))))
    return Register(name, hashlib.sha256(data).hexdigest(), columns, rows)


def _columns(header: Sequence[Any]) -> tuple[str, ...]:
    # a name typed on two lines in its cell (Alt+Enter) is read on one
    names = [" ".join(("" if c is None else str(c)).split()) for c in header]
    while names and not names[-1]:
        names.pop()
    if not names or len(names) > MAX_COLUMNS:
        raise RegisterUnreadable(f"the first row must name the columns (1 to {MAX_COLUMNS})")
    for n, name in enumerate(names, start=1):
        if not name or text_problem(name) is not None:
            raise RegisterUnreadable(f"column {n} of the first row has no name, or a bad one")
    if len(set(names)) != len(names):
        twice = sorted({n for n in names if names.count(n) > 1})
        raise RegisterUnreadable("columns named twice: " + ", ".join(twice))
    return tuple(names)


def _csv(data: bytes) -> Iterator[list[Cell]]:
    text = _decoded(data)
    # the header's delimiters, not the commas inside its quoted names ("Прізвище, ім'я"), nor
    # a line break inside one: quoted parts stand aside
    first = QUOTED.sub('""', text[:HEADER_MAX]).split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)
    try:
        for line in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True):
            yield list(line)
    except csv.Error as exc:
        raise RegisterUnreadable(f"not a readable CSV file ({exc})") from None


def _decoded(data: bytes) -> str:
    """The file as text: UTF-16 with its byte-order mark (Excel's "Unicode text"), UTF-8, or
    Windows-1251 (older Excel's CSV). A UTF-8 file with a few broken bytes is refused: read
    as Windows-1251, its every name would have become mojibake."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise RegisterUnreadable("the CSV file begins as UTF-16 text but is not") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        read = data.decode("utf-8", "replace")
        broken = read.count("\ufffd")
        if sum(1 for ch in read if ord(ch) > 127) - broken > 10 * broken:
            line = data[: exc.start].count(b"\n") + 1
            raise RegisterUnreadable(
                f"the CSV file is UTF-8 text but for {broken} byte sequence(s) that are not "
                f"(the first on line {line}): save it again as UTF-8"
            ) from None
    try:
        return data.decode("cp1251")
    except UnicodeDecodeError:
        unreadable = "the CSV file is neither UTF-8 nor Windows-1251 text"
        raise RegisterUnreadable(unreadable) from None


def _xlsx(data: bytes) -> Iterator[list[Cell]]:
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise RegisterUnreadable(f"not a readable XLSX file ({type(exc).__name__})") from None
    try:
        sheet = book.worksheets[0]
        for values in sheet.iter_rows(values_only=True):
            yield [_cell(v) for v in values]
    finally:
        book.close()


def _cell(value: Any) -> Cell:
    if value is None or isinstance(value, str | int | float | bool | date | datetime):
        return value
    return str(value)  # a time, a formula's error: text the mapping may then refuse
