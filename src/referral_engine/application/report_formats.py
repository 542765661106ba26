"""Reports as files: CSV (one line per figure) and XLSX (one sheet per table, with an 'About'
sheet saying what the figures are), both spreadsheet-safe; a suppressed figure reads `x`."""

from __future__ import annotations

import io
from collections.abc import Iterator

from openpyxl import Workbook

from referral_engine.application.dashboards import SUPPRESSED
from referral_engine.application.disclosure_tables import TOTAL
from referral_engine.application.exports import csv_text, spreadsheet_safe
from referral_engine.application.statistics import Figures, Table


def figure_text(table: Table, row: str, column: str) -> int | float | str | None:
    """A figure as a file shows it: `x` where suppressed, empty where a median has no value."""
    if (row, column) in table.suppressed:
        return SUPPRESSED
    return table.cells.get((row, column))


def to_csv(figures: Figures) -> str:
    """One line per figure: measure, basis, the row and column dimension values ('total' for
    a margin) and the figure."""
    dims = figures.request.by
    header = ["measure", "basis", *(dims or ()), "value"]
    return csv_text(header, _lines(figures))


def _lines(figures: Figures) -> Iterator[list[object]]:
    dims = len(figures.request.by)
    for table in figures.tables:
        for row, column in _cells(table):
            keys = [row, column][:dims] if table.columns else [row][:dims]
            yield [table.measure.name, table.measure.basis, *keys, figure_text(table, row, column)]


def _cells(table: Table) -> Iterator[tuple[str, str]]:
    for row in (*table.rows, TOTAL):
        for column in (*table.columns, TOTAL):
            if (row, column) in table.cells:
                yield row, column


def to_xlsx(figures: Figures, lang: str = "en") -> bytes:
    """A workbook: 'About' (the report, period, moment of the log, basis of each table, digest),
    then each table as a sheet with its totals."""
    book = Workbook()
    about = book.active
    assert about is not None
    about.title = "About"
    r = figures.request
    for line in (
        ("report", r.name),
        ("title", figures.spec.title.get(lang, figures.spec.title["en"])),
        ("from", r.start.isoformat()),
        ("to", r.end.isoformat()),
        ("by", ", ".join(r.by)),
        ("region", r.region or ""),
        ("as of", r.as_of.isoformat() if r.as_of else "now"),
        ("log position", figures.position),
        ("figures", "exact" if figures.k is None else f"counts below {figures.k} suppressed (x)"),
        ("digest (SHA-256)", figures.digest),
    ):
        about.append([spreadsheet_safe(v) for v in line])
    for table in figures.tables:
        m = table.measure
        about.append([m.name, m.title.get(lang, m.title["en"]), f"basis: {m.basis}"])
        sheet = book.create_sheet(m.name[:31])
        columns = (*table.columns, TOTAL)
        sheet.append([spreadsheet_safe(v) for v in ["", *columns]])
        for row in (*table.rows, TOTAL):
            sheet.append([spreadsheet_safe(row), *(figure_text(table, row, c) for c in columns)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
