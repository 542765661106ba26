"""A past register as a file: CSV (UTF-8, or Windows-1251 as older Excel saves it; comma,
semicolon or tab) or XLSX (its first sheet, read with openpyxl), the first row naming the
columns. Its digest marks every case imported from it."""

from __future__ import annotations

import csv
import hashlib
import io
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
    names = [("" if c is None else str(c)).strip() for c in header]
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
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1251")
        except UnicodeDecodeError:
            unreadable = "the CSV file is neither UTF-8 nor Windows-1251 text"
            raise RegisterUnreadable(unreadable) from None
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)
    try:
        for line in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True):
            yield list(line)
    except csv.Error as exc:
        raise RegisterUnreadable(f"not a readable CSV file ({exc})") from None


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
