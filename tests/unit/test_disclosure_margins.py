"""Tables with totals: no suppressed cell can be recovered from the shown cells and margins.

The checker below is independent of the implementation: it writes the table's relations from
the rows and columns alone, and decides recoverability by its own exact linear algebra (a basis
of the rational solutions' directions) and by the "all ones" attack on every relation and on
every sum of relations that writes the grand total through rows or columns.
"""

from __future__ import annotations

import random
from fractions import Fraction
from itertools import combinations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from referral_engine.application.disclosure_tables import (
    TOTAL,
    TableCell,
    TableProtection,
    protect_table,
)
from tests.factories import examples

Equation = tuple[dict[TableCell, int], TableCell]
"""Coefficients of the cells that add up to the right-hand cell (all +1 here)."""


# -- the independent checker ---------------------------------------------------------------------


def equations(rows: list[str], columns: list[str]) -> list[tuple[TableCell, list[TableCell]]]:
    """Every relation of the table: total cell and its parts."""
    out = [((r, TOTAL), [(r, c) for c in columns]) for r in rows]
    out += [((TOTAL, c), [(r, c) for r in rows]) for c in [*columns, TOTAL]]
    out.append(((TOTAL, TOTAL), [(TOTAL, c) for c in columns]))
    return out


def sums_of_relations(
    rows: list[str], columns: list[str], lines_at_most: int
) -> list[tuple[TableCell, list[TableCell]]]:
    """The grand total written through the row totals, or the column totals, with any subset of
    them replaced by their own cells: every sum with all parts +1 that the table implies
    (with more lines than `lines_at_most`, only none or all of them replaced)."""
    out = []
    by_rows = [((r, TOTAL), [(r, c) for c in columns]) for r in rows]
    by_columns = [((TOTAL, c), [(r, c) for r in rows]) for c in columns]
    for lines in (by_rows, by_columns):
        sizes = range(len(lines) + 1) if len(lines) <= lines_at_most else (0, len(lines))
        for opened in (set(o) for size in sizes for o in combinations(range(len(lines)), size)):
            parts: list[TableCell] = []
            for i, (total, cells) in enumerate(lines):
                parts += cells if i in opened else [total]
            out.append(((TOTAL, TOTAL), parts))
    return out


def solution_directions(
    relations: list[tuple[TableCell, list[TableCell]]], unknowns: list[TableCell]
) -> list[list[Fraction]]:
    """A basis of the null space of the relations restricted to the unknowns: every rational
    solution is one solution plus a combination of these."""
    position = {cell: j for j, cell in enumerate(unknowns)}
    matrix = []
    for total, parts in relations:
        row = [Fraction(0)] * len(unknowns)
        for cell, sign in ((total, 1), *((p, -1) for p in parts)):
            if cell in position:
                row[position[cell]] += sign
        matrix.append(row)
    pivots: list[int] = []
    for col in range(len(unknowns)):
        at = next((i for i in range(len(pivots), len(matrix)) if matrix[i][col]), None)
        if at is None:
            continue
        top = len(pivots)
        matrix[top], matrix[at] = matrix[at], matrix[top]
        matrix[top] = [v / matrix[top][col] for v in matrix[top]]
        for i in range(len(matrix)):
            if i != top and matrix[i][col]:
                f = matrix[i][col]
                matrix[i] = [a - f * b for a, b in zip(matrix[i], matrix[top], strict=True)]
        pivots.append(col)
    basis = []
    for free in (j for j in range(len(unknowns)) if j not in pivots):
        vector = [Fraction(0)] * len(unknowns)
        vector[free] = Fraction(1)
        for i, col in enumerate(pivots):
            vector[col] = -matrix[i][free]
        basis.append(vector)
    return basis


def recoverable(
    shown: dict[TableCell, int],
    hidden: dict[TableCell, int],
    rows: list[str],
    columns: list[str],
    lines_at_most: int = 8,
) -> set[TableCell]:
    """Suppressed cells an attacker gets back from the shown cells (`hidden` holds the true
    values, used only to evaluate the "all ones" attack, as an attacker would test it)."""
    relations = equations(rows, columns)
    unknowns = sorted(hidden)
    basis = solution_directions(relations, unknowns)
    found = {cell for j, cell in enumerate(unknowns) if all(v[j] == 0 for v in basis)}
    for total, parts in [*relations, *sums_of_relations(rows, columns, lines_at_most)]:
        if total in hidden:
            continue
        secret = [p for p in parts if p in hidden]
        rest = shown[total] - sum(shown[p] for p in parts if p in shown)
        if secret and rest == len(secret):  # each suppressed count is at least 1: all are 1
            found |= set(secret)
    return found


def attack(
    protection: TableProtection, rows: list[str] | None = None, lines_at_most: int = 8
) -> set[TableCell]:
    """The suppressed cells that the union of the given slices (or the whole table) gives back
    (the total row, which a slice leaves out but the table shows, is not a secret)."""
    shown: dict[TableCell, int] = {}
    views = [protection.published()] if rows is None else [protection.published([r]) for r in rows]
    for view in views:
        shown.update({cell: v for cell, v in view.items() if v is not None})
    hidden = {c: v for c, v in protection.counts.items() if c not in shown}
    rows_, columns = list(protection.rows[:-1]), list(protection.columns[:-1])
    return recoverable(shown, hidden, rows_, columns, lines_at_most) & set(protection.suppressed)


def test_the_checker_finds_what_primary_suppression_alone_leaves_open() -> None:
    counts = {("A", "x"): 3, ("A", "y"): 10, ("B", "x"): 12, ("B", "y"): 15}
    table = protect_table(counts, k=5)
    shown = {c: v for c, v in table.counts.items() if c != ("A", "x")}
    assert recoverable(shown, {("A", "x"): 3}, ["A", "B"], ["x", "y"]) == {("A", "x")}
    ones = {("A", "x"): 1, ("A", "y"): 1, ("B", "x"): 1, ("B", "y"): 1}
    hidden = {c: v for c, v in protect_table(ones, k=5).counts.items() if c != (TOTAL, TOTAL)}
    # every cell and margin hidden, the grand total 4 shown: four interior cells, each 1
    assert ("A", "x") in recoverable({(TOTAL, TOTAL): 4}, hidden, ["A", "B"], ["x", "y"])


# -- hand-made tables ----------------------------------------------------------------------------


def test_a_single_small_cell_takes_a_row_partner_and_a_column_partner_into_a_rectangle() -> None:
    counts = {("A", "x"): 3, ("A", "y"): 10, ("A", "z"): 20}
    counts |= {("B", "x"): 12, ("B", "y"): 15, ("B", "z"): 30}
    table = protect_table(counts, k=5)
    assert table.suppressed == {
        ("A", "x"): "primary",
        ("A", "y"): "secondary",  # the smallest other count of its row
        ("B", "x"): "secondary",  # the smallest other count of its column
        ("B", "y"): "secondary",  # which leaves row B with one: its smallest other count
    }
    assert all(table.shown(c) for c in table.counts if TOTAL in c)
    assert attack(table) == set()


def test_a_table_whose_only_large_value_is_the_grand_total_hides_it_too_when_all_are_ones() -> None:
    ones = protect_table({(r, c): 1 for r in "ABC" for c in "xyz"}, k=4)
    # the grand total 9 over nine suppressed cells would say that every one of them is 1
    assert ones.published() == dict.fromkeys(ones.counts)
    mixed = protect_table({(r, c): 1 + (r == "A" and c == "x") for r in "ABC" for c in "xyz"}, k=4)
    assert mixed.value((TOTAL, TOTAL)) == 10  # nine cells from 1 to 2: none is fixed
    assert all(not mixed.shown(c) for c in mixed.counts if c != (TOTAL, TOTAL))
    assert attack(mixed) == set() and attack(ones) == set()


def test_a_one_column_table_is_its_rows_and_a_total() -> None:
    table = protect_table(
        {("UA-05", "cases"): 2, ("UA-07", "cases"): 9, ("UA-12", "cases"): 0}, k=5
    )
    assert table.columns == ("cases", TOTAL)
    assert table.rows == ("UA-05", "UA-07", "UA-12", TOTAL)
    shown = table.published()
    assert shown[("UA-05", "cases")] is None and shown[("UA-05", TOTAL)] is None
    assert shown[("UA-07", "cases")] is None  # else 11 - 9 - 0
    assert shown[("UA-12", "cases")] == 0 and shown[(TOTAL, "cases")] == 11
    assert attack(table) == set()


def test_missing_cells_count_zero_and_declared_keys_keep_their_order() -> None:
    table = protect_table({("b", "y"): 7}, k=5, rows=["c", "b", "a"], columns=["y", "x"])
    assert table.rows == ("c", "b", "a", TOTAL) and table.columns == ("y", "x", TOTAL)
    assert table.published([]) == {}
    assert table.published(["b"]) == {("b", "y"): 7, ("b", "x"): 0, ("b", TOTAL): 7}
    assert table.suppressed == {}


@pytest.mark.parametrize(
    ("cells", "options", "message"),
    [
        ({("a", TOTAL): 1}, {}, "key of the totals"),
        ({("a", "x"): -1}, {}, "non-negative whole count"),
        ({("a", "x"): True}, {}, "non-negative whole count"),
        ({("a\u202e", "x"): 1}, {}, "invisible formatting character"),
        ({("", "x"): 1}, {}, "non-empty"),
        ({("a", "x"): 1}, {"rows": ["b"]}, "outside the declared"),
        ({("a", "x"): 1}, {"rows": ["a", "a"]}, "declared twice"),
        ({}, {}, "at least one row"),
    ],
)
def test_bad_tables_are_refused_with_a_clear_reason(
    cells: dict[TableCell, int], options: dict[str, list[str]], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        protect_table(cells, k=5, **options)  # type: ignore[arg-type]


def test_a_slice_names_only_rows_of_the_table() -> None:
    with pytest.raises(ValueError, match="no such row"):
        protect_table({("a", "x"): 7}, k=5).published(["b"])


def test_a_30_by_12_table_of_many_small_counts_is_protected_against_the_column_subsets() -> None:
    """A table of the size of a year of regions by month (its speed is bench/reports.py's to
    show: a timed assertion here failed on a loaded machine)."""
    rnd = random.Random(15)
    columns = [f"m{i:02d}" for i in range(1, 13)]
    cells = {
        (f"UA-{r:02d}", c): rnd.choice([0, 1, 2, 3, 4, 6, 9, 15])
        for r in range(30)
        for c in columns
    }
    table = protect_table(cells, k=5)
    assert sum(1 for why in table.suppressed.values() if why == "primary") > 150
    assert attack(table, lines_at_most=12) == set()  # subsets of the 12 columns, not of 30 rows


# -- properties ----------------------------------------------------------------------------------

counts_0_to_30 = st.integers(0, 30) | st.sampled_from([0, 1, 1, 2, 3])


@st.composite
def tables(draw: st.DrawFn, row_keys: list[str] | None = None) -> tuple[dict[TableCell, int], int]:
    rows = row_keys or [f"r{i}" for i in range(draw(st.integers(1, 8)))]
    if row_keys:
        rows = draw(st.lists(st.sampled_from(row_keys), min_size=1, max_size=8, unique=True))
    columns = ["granted", "refused", "incomplete", "pending", "withdrawn", "other"]
    columns = columns[: draw(st.integers(1, 6))]
    cells = {(r, c): draw(counts_0_to_30) for r in rows for c in columns}
    cells = {cell: v for cell, v in cells.items() if v or draw(st.booleans())}  # some missing
    cells.setdefault((rows[0], columns[0]), 0)
    return cells, draw(st.integers(2, 11))


@settings(max_examples=examples(300), deadline=None)
@given(tables())
def test_no_suppressed_cell_of_a_random_table_is_recoverable(
    table: tuple[dict[TableCell, int], int],
) -> None:
    cells, k = table
    protection = protect_table(cells, k=k)
    assert attack(protection) == set()
    for cell, value in protection.counts.items():
        assert (0 < value < k) <= (protection.suppressed.get(cell) == "primary")  # every primary
        assert value > 0 or protection.shown(cell)  # zeros are shown
    for r in protection.rows:  # a row or column shown in full adds up to its shown total
        if all(protection.shown((r, c)) for c in protection.columns):
            assert (
                sum(protection.counts[(r, c)] for c in protection.columns[:-1])
                == protection.counts[(r, TOTAL)]
            )
    for c in protection.columns:
        if all(protection.shown((r, c)) for r in protection.rows):
            assert (
                sum(protection.counts[(r, c)] for r in protection.rows[:-1])
                == protection.counts[(TOTAL, c)]
            )


REGIONS = [f"UA-{code}" for code in ("05", "07", "12", "14", "18", "21", "26", "30", "32", "46")]


@settings(max_examples=examples(200), deadline=None)
@given(tables(REGIONS), st.randoms(use_true_random=False))
def test_every_region_slice_of_one_protection_together_with_the_table_recovers_nothing(
    table: tuple[dict[TableCell, int], int], shuffler: random.Random
) -> None:
    cells, k = table
    protection = protect_table(cells, k=k)
    regions = list(protection.rows[:-1])
    full = protection.published()
    for region in regions:  # a slice is the table's own row, as the full table shows it
        assert protection.published([region]) == {
            cell: v for cell, v in full.items() if cell[0] == region
        }
    assert attack(protection, regions) == set()  # the slices alone
    assert attack(protection) == set()  # and with the table (whose shown cells include theirs)
    # the same figures in another order, with a region and a column of zeros: the same result
    items = list(cells.items())
    shuffler.shuffle(items)
    keys = [*reversed(regions), "UA-99"]
    columns = [*reversed(protection.columns[:-1]), "zero"]
    again = protect_table(dict(items), k=k, rows=keys, columns=columns)
    assert again.suppressed == protection.suppressed
    assert list(again.suppressed) == list(protection.suppressed)
