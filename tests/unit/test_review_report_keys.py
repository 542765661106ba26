"""Review of #15: a recorded value equal to the margin key (`total`) is taken for the margin."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from referral_engine.application.statistics import Measure, ReportSpec, Request, Tally, figures

MEASURE = Measure("sent", "sent", "referrals", ("region", "agency"), {"en": "Sent", "uk": "-"})
SPEC = ReportSpec("r", {"en": "R", "uk": "R"}, (MEASURE,))


class Rows:
    """The rows the read model's GROUPING SETS give for facts (region, agency) -> n."""

    def __init__(self, facts: Mapping[tuple[str, str], int]) -> None:
        self.facts = facts

    def reports(self) -> dict[str, tuple[str, ReportSpec]]:
        return {"r": ("m", SPEC)}

    def tally(
        self, model: str, tallies: Sequence[Tally], params: Mapping[str, Any]
    ) -> tuple[list[list[dict[str, Any]]], int]:
        out = []
        for t in tallies:
            sums: dict[tuple[tuple[str, bool], ...], int] = {}
            for (region, agency), n in self.facts.items():
                values = {"region": region, "agency": agency}
                for mask in range(2 ** len(t.by)):
                    key = tuple(
                        ("", True) if mask >> i & 1 else (values[d], False)
                        for i, d in enumerate(t.by)
                    )
                    sums[key] = sums.get(key, 0) + n
            out.append(
                [
                    {
                        **{d: v for d, (v, _) in zip(t.by, key, strict=True)},
                        **{f"total_{d}": f for d, (_, f) in zip(t.by, key, strict=True)},
                        "n": n,
                    }
                    for key, n in sums.items()
                ]
            )
        return out, 1


def test_an_agency_named_total_is_not_the_total() -> None:
    """uk-nrm's `agency` is free text: a support provider recorded as "total" merges with the
    margin key, so its figure and the grand total overwrite each other."""
    source = Rows({("UA-32", "Caritas"): 3, ("UA-32", "total"): 2})
    found = figures(
        source, Request("r", date(2025, 1, 1), date(2025, 12, 31), ("agency",), exact=True), k=3
    )
    (table,) = found.tables
    assert table.value("total") == 5, table.cells
    assert "total" in table.rows or any(r != "Caritas" for r in table.rows), table.rows
