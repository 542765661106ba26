"""CSV cells a spreadsheet would run as formulas are written as text (OWASP's rule)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest

from referral_engine.application.exports import csv_lines, csv_text, spreadsheet_safe


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_text_cell_starting_like_a_formula_gets_a_leading_quote(start: str) -> None:
    assert spreadsheet_safe(f"{start}SUM(A1:A9)") == f"'{start}SUM(A1:A9)"


def test_numbers_stay_numbers_and_plain_text_stays_as_it_is() -> None:
    assert [spreadsheet_safe(v) for v in (-3, -0.5, 0, 12, None, True)] == [
        -3,
        -0.5,
        0,
        12,
        None,
        True,
    ]
    assert spreadsheet_safe("shelter-kyiv") == "shelter-kyiv"
    assert spreadsheet_safe("") == ""
    assert spreadsheet_safe("a=b") == "a=b"  # only the first character counts


def test_csv_text_escapes_header_and_rows_and_writes_negative_numbers_plainly() -> None:
    text = csv_text(["agency", "change"], [["@cmd", -2], ["ngo", 3]])
    assert list(csv.reader(io.StringIO(text))) == [
        ["agency", "change"],
        ["'@cmd", "-2"],
        ["ngo", "3"],
    ]


def test_csv_lines_write_a_line_as_each_row_is_read_never_the_whole_file() -> None:
    read: list[int] = []

    def rows() -> Iterator[list[object]]:
        for n in range(3):
            read.append(n)
            yield ["=cmd", n]

    lines = csv_lines(["agency", "n"], rows())

    assert (next(lines), read) == ("agency,n\n", [])
    assert (next(lines), read) == ("'=cmd,0\n", [0])
    assert list(lines) == ["'=cmd,1\n", "'=cmd,2\n"]
