"""Filtered variants of one report table (the national one, each region's) are cut from one
protection: together they give back no suppressed figure (the exact check of
test_disclosure_margins, applied to what the report responses show)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date
from itertools import product
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from referral_engine.application.disclosure_tables import TOTAL
from referral_engine.application.statistics import Measure, ReportSpec, Request, Tally, figures
from tests.factories import examples
from tests.unit.test_disclosure_margins import recoverable

REGIONS = ("UA-12", "UA-32", "UA-46", "UA-63")
SEXES = ("female", "male", "other_unknown")
SPEC = ReportSpec(
    "status",
    {"en": "Status", "uk": "Статус"},
    (Measure("applications", "applications", "applications", ("region", "sex"), {"en": "A"}),),
)


class Facts:
    """A read model in memory: facts (region, sex), tallied with every margin."""

    def __init__(self, counts: Mapping[tuple[str, str], int]) -> None:
        self.counts = counts

    def reports(self) -> dict[str, tuple[str, ReportSpec]]:
        return {"status": ("statistics", SPEC)}

    def tally(
        self, model: str, tallies: Sequence[Tally], params: Mapping[str, Any]
    ) -> tuple[list[list[dict[str, Any]]], int]:
        found = []
        for t in tallies:
            grouped: Counter[tuple[str | None, ...]] = Counter()
            for (region, sex), n in self.counts.items():
                if params["region"] not in (None, region) or not n:
                    continue
                values = {"region": region, "sex": sex}
                for mask in range(2 ** len(t.by)):
                    key = tuple(None if mask >> i & 1 else values[d] for i, d in enumerate(t.by))
                    grouped[key] += n
            found.append(
                [
                    {
                        **dict(zip(t.by, key, strict=True)),
                        **{f"total_{d}": v is None for d, v in zip(t.by, key, strict=True)},
                        "n": n,
                    }
                    for key, n in grouped.items()
                ]
            )
        return found, 1


def shown_in_base(source: Facts, k: int) -> tuple[dict[tuple[str, str], int], set[tuple[str, str]]]:
    """Every figure the variants show, placed in the region x sex table, and those suppressed."""
    period = {"name": "status", "start": date(2025, 1, 1), "end": date(2025, 12, 31)}
    shown: dict[tuple[str, str], int] = {}
    hidden: set[tuple[str, str]] = set()

    def place(cell: tuple[str, str], value: Any, suppressed: bool) -> None:
        if suppressed:
            hidden.add(cell)
        else:
            shown[cell] = value

    full = figures(source, Request(**period, by=("region", "sex")), k=k).tables[0]
    for cell, value in full.cells.items():
        place(cell, value, cell in full.suppressed)
    national = figures(source, Request(**period, by=("sex",)), k=k).tables[0]
    for (row, _), value in national.cells.items():
        place((TOTAL, row), value, (row, TOTAL) in national.suppressed)
    for region in REGIONS:
        sliced = figures(source, Request(**period, by=("sex",), region=region), k=k).tables[0]
        for (row, _), value in sliced.cells.items():
            cell = (region, row) if row != TOTAL else (region, TOTAL)
            place(cell, value, (row, TOTAL) in sliced.suppressed)
    return shown, hidden


@settings(max_examples=examples(150), deadline=None)
@given(
    st.lists(
        st.integers(0, 12), min_size=len(REGIONS) * len(SEXES), max_size=len(REGIONS) * len(SEXES)
    ),
    st.integers(2, 6),
)
def test_the_national_table_and_every_region_slice_recover_nothing(
    values: list[int], k: int
) -> None:
    counts = dict(zip(product(REGIONS, SEXES), values, strict=True))
    source = Facts(counts)
    shown, hidden = shown_in_base(source, k)
    assert not set(shown) & hidden, "a figure shown in one variant is suppressed in another"
    regions = sorted({r for (r, _), n in counts.items() if n})
    sexes = sorted({s for (_, s), n in counts.items() if n})
    if not regions:
        return
    truth = {(r, s): counts.get((r, s), 0) for r in regions for s in sexes}
    truth |= {(r, TOTAL): sum(truth[(r, s)] for s in sexes) for r in regions}
    truth |= {(TOTAL, s): sum(truth[(r, s)] for r in regions) for s in [*sexes, TOTAL]}
    secret = {c: truth[c] for c in hidden}
    assert recoverable(shown, secret, regions, sexes) & hidden == set()
    for cell, value in shown.items():  # what is shown is the truth
        assert truth.get(cell, 0) == value
    for cell, value in truth.items():  # every small count is hidden
        if 0 < value < k:
            assert cell in hidden
