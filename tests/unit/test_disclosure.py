"""Disclosure control: no count below k is published, and none can be recomputed."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from referral_engine.application.disclosure import (
    Cell,
    Dashboard,
    Protection,
    Relation,
    protect,
    publish,
)
from tests.factories import examples

K = 5
DECISIONS = Dashboard(
    title="test",
    dimensions=("region",),
    counts=("applications", "granted", "refused", "incomplete"),
    parts={"applications": ("granted", "refused", "incomplete")},
    derived={"approval_rate": ("granted", "refused")},
    period=None,
)
REFERRALS = Dashboard(
    title="test",
    dimensions=("region",),
    counts=("sent", "accepted", "rejected"),
    parts={"sent": ("accepted", "rejected")},
    breakdowns={"rejected": "by_reason"},
)


def decisions(region: str, granted: int, refused: int, incomplete: int) -> dict[str, Any]:
    decided = granted + refused
    return {
        "region": region,
        "applications": granted + refused + incomplete,
        "granted": granted,
        "refused": refused,
        "incomplete": incomplete,
        "approval_rate": granted / decided if decided else None,
    }


# -- examples ------------------------------------------------------------------------------------


def test_zeros_and_counts_of_k_or_more_are_shown_as_they_are() -> None:
    published = publish([decisions("A", 0, 40, 5), decisions("B", 20, 30, 0)], DECISIONS, K)
    assert published.suppressed == []
    assert published.rows[0] == {
        "region": "A",
        "applications": 45,
        "granted": 0,
        "refused": 40,
        "incomplete": 5,
        "approval_rate": 0.0,
    }


def test_a_small_count_takes_the_smallest_other_count_of_its_row_with_it() -> None:
    published = publish([decisions("A", 3, 40, 9)], DECISIONS, K)
    assert published.rows[0]["granted"] is None  # primary: 3 < k
    assert published.rows[0]["incomplete"] is None  # partner: else 52 - 40 - 9 = 3
    assert published.rows[0]["refused"] == 40 and published.rows[0]["applications"] == 52
    assert published.rows[0]["approval_rate"] is None  # computed from a suppressed count
    assert published.reasons == {
        (0, "granted"): "primary",
        (0, "incomplete"): "secondary",
        (0, "approval_rate"): "derived",
    }


def test_two_small_counts_that_must_both_be_one_get_a_third_partner() -> None:
    # 7 - 5 - 0 leaves 2 for two suppressed counts, each at least 1: both would read as 1
    published = publish([decisions("A", 5, 1, 1)], DECISIONS, K)
    row = published.rows[0]
    assert row["refused"] is None and row["incomplete"] is None
    assert row["granted"] is None or row["applications"] is None


def test_a_row_is_published_alike_whatever_other_rows_come_with_it() -> None:
    # The partner is chosen within the row: a response filtered to one region shows that row
    # exactly as the response for every region does, so comparing them gives nothing away.
    rows = [decisions("X", 3, 6, 6), decisions("Y", 6, 6, 0), decisions("Z", 7, 7, 0)]
    every = publish(rows, DECISIONS, K)
    for i, row in enumerate(rows):
        assert publish([row], DECISIONS, K).rows[0] == every.rows[i]


def test_a_breakdown_protects_its_categories_and_the_count_it_splits() -> None:
    row = {"region": "A", "sent": 20, "accepted": 12, "rejected": 8}
    row["by_reason"] = {"no_capacity": 6, "out_of_area": 2}
    published = publish([row], REFERRALS, K)
    shown = published.rows[0]
    assert published.columns[-2:] == ("rejected.no_capacity", "rejected.out_of_area")
    assert shown["rejected.out_of_area"] is None and shown["rejected.no_capacity"] is None
    assert shown["rejected"] == 8  # the two hidden reasons only sum to 8 together


def test_a_breakdown_partner_that_leaves_a_row_total_exposed_gets_one_there_too() -> None:
    row = {"region": "A", "sent": 9, "accepted": 5, "rejected": 4, "by_reason": {"other": 4}}
    shown = publish([row], REFERRALS, K).rows[0]
    assert shown["rejected"] is None and shown["rejected.other"] is None
    assert shown["accepted"] is None or shown["sent"] is None


def test_a_cell_that_several_shown_totals_fix_together_gets_another_partner() -> None:
    # Every row and column below keeps two suppressed cells once partnered, yet with k=2:
    # (column d) d0 + d1 = 3, (total column) t0 + t1 = 4 and t0 = d0 give t1 - d1 = 1 = c1.
    values = {(0, "d"): 1, (1, "c"): 1, (1, "d"): 2}
    counts, relations = with_margins(values, rows=2, columns="abcd")
    protection = protect(counts, relations, k=2)
    assert (1, "c") in protection.suppressed
    assert not determined_cells(counts, relations, protection)
    assert len(protection.suppressed) == 7  # the pairwise rule alone stops at 6


def test_a_shown_grand_total_over_suppressed_rows_of_ones_is_suppressed_too() -> None:
    # Each row total and column total is 2 (< k), the grand total 4 is not: shown, it would say
    # that the four suppressed cells it is the sum of (through the row totals) are all 1.
    values = {(0, "a"): 1, (0, "b"): 1, (1, "a"): 1, (1, "b"): 1}
    counts, relations = with_margins(values, rows=2, columns="ab")
    protection = protect(counts, relations, k=3)
    assert protection.suppressed[(-1, "total")] == "secondary"


# -- properties ----------------------------------------------------------------------------------


def with_margins(
    values: dict[Cell, int], rows: int, columns: str
) -> tuple[dict[Cell, int], list[Relation]]:
    """A table with a total column per row and a total row per column (and the grand total)."""
    counts = {(r, c): values.get((r, c), 0) for r in range(rows) for c in columns}
    relations = []
    for r in range(rows):
        counts[(r, "total")] = sum(counts[(r, c)] for c in columns)
        relations.append(Relation((r, "total"), tuple((r, c) for c in columns)))
    for c in [*columns, "total"]:
        counts[(-1, c)] = sum(counts[(r, c)] for r in range(rows))
        relations.append(Relation((-1, c), tuple((r, c) for r in range(rows))))
    return counts, relations


def determined_cells(
    counts: dict[Cell, int], relations: list[Relation], protection: Protection
) -> list[Cell]:
    """Suppressed cells whose value the shown cells and the relations fix: e_c is in the row
    space of the equations over the suppressed cells exactly when adding it keeps the rank."""
    unknowns = sorted(protection.suppressed)
    matrix = []
    for relation in relations:
        row = [Fraction(0)] * len(unknowns)
        for cell, sign in ((relation.total, 1), *((p, -1) for p in relation.parts)):
            if cell in protection.suppressed:
                row[unknowns.index(cell)] += sign
        matrix.append(row)
    base = rank(matrix)
    return [
        cell
        for j, cell in enumerate(unknowns)
        if rank([*matrix, [Fraction(int(i == j)) for i in range(len(unknowns))]]) == base
    ]


def rank(matrix: list[list[Fraction]]) -> int:
    rows = [list(r) for r in matrix if any(r)]
    found = 0
    for col in range(len(rows[0]) if rows else 0):
        pivot = next((r for r in range(found, len(rows)) if rows[r][col]), None)
        if pivot is None:
            continue
        rows[found], rows[pivot] = rows[pivot], rows[found]
        for r in range(len(rows)):
            if r != found and rows[r][col]:
                factor = rows[r][col] / rows[found][col]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[found], strict=True)]
        found += 1
    return found


small_counts = st.integers(0, 14) | st.sampled_from([0, 1, 2, 5, 6])


@st.composite
def tables(draw: st.DrawFn) -> tuple[dict[Cell, int], list[Relation], int]:
    rows = draw(st.integers(1, 6))
    columns = "abcde"[: draw(st.integers(1, 5))]
    values = {(r, c): draw(small_counts) for r in range(rows) for c in columns}
    counts, relations = with_margins(values, rows, columns)
    return counts, relations, draw(st.integers(2, 6))


@settings(max_examples=examples(400), deadline=None)
@given(tables())
def test_no_shown_cell_is_below_k_and_no_suppressed_cell_can_be_recomputed(
    table: tuple[dict[Cell, int], list[Relation], int],
) -> None:
    counts, relations, k = table
    protection = protect(counts, relations, k=k)
    hidden = protection.suppressed
    assert all(v == 0 or v >= k for c, v in counts.items() if c not in hidden)
    assert all(counts[c] > 0 for c in hidden)  # zeros are shown, never hidden
    for relation in relations:  # subtraction along any row or column
        unknown = [c for c in relation.cells if c in hidden]
        assert len(unknown) != 1, (relation, unknown)
        if unknown and relation.total not in hidden:  # nor "each hidden part must be 1"
            assert sum(counts[c] for c in unknown) > len(unknown), (relation, unknown)
    assert determined_cells(counts, relations, protection) == []  # nor any mix of equations


rows_of_decisions = st.lists(
    st.tuples(small_counts, small_counts, small_counts), min_size=1, max_size=8
)


@settings(max_examples=examples(200), deadline=None)
@given(rows_of_decisions)
def test_published_rows_hide_every_small_count_and_stand_alone(
    cells: list[tuple[int, int, int]],
) -> None:
    rows = [decisions(f"R{i}", *c) for i, c in enumerate(cells)]
    published = publish(rows, DECISIONS, K)
    hidden = set(published.suppressed)
    for i, (row, shown) in enumerate(zip(rows, published.rows, strict=True)):
        for column in DECISIONS.counts:
            assert shown[column] in (None, 0) or shown[column] >= K
            assert (shown[column] is None) == ((i, column) in hidden)
            assert shown[column] is None or shown[column] == row[column]
        if {(i, "granted"), (i, "refused")} & hidden:
            assert shown["approval_rate"] is None
        assert publish([row], DECISIONS, K).rows[0] == shown  # no dependence on other rows


@st.composite
def row_with_breakdown(draw: st.DrawFn) -> tuple[dict[Cell, int], list[Relation], int]:
    """One row: a total of three parts, one part split by up to four categories (a tree)."""
    split = draw(st.lists(small_counts, min_size=1, max_size=4))
    counts: dict[Cell, int] = {(0, f"b.{i}"): n for i, n in enumerate(split)}
    counts.update(
        {(0, "a"): draw(small_counts), (0, "b"): sum(split), (0, "c"): draw(small_counts)}
    )
    counts[(0, "t")] = counts[(0, "a")] + counts[(0, "b")] + counts[(0, "c")]
    relations = [
        Relation((0, "t"), ((0, "a"), (0, "b"), (0, "c"))),
        Relation((0, "b"), tuple((0, f"b.{i}") for i in range(len(split)))),
    ]
    return counts, relations, draw(st.integers(2, 6))


@settings(max_examples=examples(300), deadline=None)
@given(row_with_breakdown())
def test_a_breakdown_inside_a_row_total_never_lets_a_suppressed_cell_be_solved(
    table: tuple[dict[Cell, int], list[Relation], int],
) -> None:
    counts, relations, k = table
    protection = protect(counts, relations, k=k)
    assert all(v == 0 or v >= k for c, v in counts.items() if protection.shown(c))
    assert determined_cells(counts, relations, protection) == []
