"""Disclosure control: no count below k is published, and none can be recomputed."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from referral_engine.disclosure import Dashboard, Published, publish

K = 5
TABLE = Dashboard(
    dimensions=("region",),
    counts=("applications", "granted", "refused"),
    parts={"applications": ("granted", "refused")},
    derived={"approval_rate": ("granted", "refused")},
)


def row(region: str, granted: int, refused: int) -> dict[str, Any]:
    total = granted + refused
    rate = granted / total if total else None
    return {
        "region": region,
        "applications": total,
        "granted": granted,
        "refused": refused,
        "approval_rate": rate,
    }


def shown(published: Published, i: int, column: str) -> Any:
    return published.totals[column] if i == -1 else published.rows[i][column]


def test_a_small_count_is_suppressed_with_a_partner_in_its_column_and_row() -> None:
    published = publish([row("A", 3, 40), row("B", 20, 30), row("C", 50, 60)], TABLE, K)
    assert published.rows[0]["granted"] is None
    # the column total would give it away: another granted cell goes too
    assert sum(r["granted"] is None for r in published.rows) >= 2
    # and so would applications = granted + refused within the row
    assert published.rows[0]["refused"] is None or published.rows[0]["applications"] is None
    assert published.rows[0]["approval_rate"] is None


def test_zeros_and_large_counts_are_shown() -> None:
    published = publish([row("A", 0, 40), row("B", 20, 30)], TABLE, K)
    assert published.suppressed == []
    assert published.rows[0]["granted"] == 0
    assert published.totals == {"applications": 90, "granted": 20, "refused": 70}


def test_a_small_total_is_suppressed() -> None:
    published = publish([row("A", 2, 0), row("B", 1, 0)], TABLE, K)
    assert published.totals["granted"] is None


counts = st.integers(0, 12)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(counts, counts), min_size=1, max_size=8))
def test_no_published_cell_is_below_k_and_none_can_be_recomputed(
    cells: list[tuple[int, int]],
) -> None:
    rows = [row(f"R{i}", g, r) for i, (g, r) in enumerate(cells)]
    published = publish(rows, TABLE, K)
    for i in [*range(len(rows)), -1]:
        for column in TABLE.counts:
            value = shown(published, i, column)
            assert value is None or value == 0 or value >= K
    hidden = set(published.suppressed)
    for column in TABLE.counts:  # a column and its total: never exactly one unknown
        members = [(i, column) for i in range(len(rows))] + [(-1, column)]
        unknown = [m for m in members if m in hidden]
        assert len(unknown) != 1, (column, unknown)
    for i in range(len(rows)):  # applications = granted + refused: never exactly one unknown
        unknown = [c for c in ("applications", "granted", "refused") if (i, c) in hidden]
        assert len(unknown) != 1, (i, unknown)
        if {(i, "granted"), (i, "refused")} & hidden:
            assert published.rows[i]["approval_rate"] is None
