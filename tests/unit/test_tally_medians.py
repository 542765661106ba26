"""Medians from rows summed by days: the same as PostgreSQL's percentile_cont(0.5) over the
facts one by one."""

from __future__ import annotations

import statistics

from hypothesis import given
from hypothesis import strategies as st

from referral_engine.adapters.readmodels.tallies import _medians, _middle


@given(st.lists(st.integers(0, 60), min_size=1, max_size=40))
def test_the_middle_of_weighed_days_is_the_median_of_the_days(days: list[int]) -> None:
    weighed = sorted({d: days.count(d) for d in days}.items())
    assert _middle(weighed) == statistics.median(days)


def test_no_days_no_median() -> None:
    assert _middle([]) is None


def test_groups_fold_their_days_and_count_facts_without_days() -> None:
    rows = [
        {"region": "UA-32", "total_region": False, "days": 2, "n": 3},
        {"region": "UA-32", "total_region": False, "days": 9, "n": 1},
        {"region": "UA-32", "total_region": False, "days": None, "n": 2},
        {"region": None, "total_region": True, "days": 2, "n": 3},
        {"region": None, "total_region": True, "days": 9, "n": 1},
        {"region": None, "total_region": True, "days": None, "n": 2},
    ]
    folded = {r["total_region"]: r for r in _medians(rows, ["region"])}
    assert folded[False] == {
        "region": "UA-32",
        "total_region": False,
        "n": 6,
        "median": 2.0,
        "hits": 0,
        "share": 0.0,
    }
    assert folded[True]["n"] == 6 and folded[True]["median"] == 2.0


def test_a_share_is_the_percentage_of_facts_whose_days_are_1() -> None:
    rows = [
        {"days": 1, "n": 3},
        {"days": 0, "n": 1},
        {"days": None, "n": 5},  # not counted in the share
    ]
    (folded,) = _medians(rows, [])
    assert (folded["n"], folded["hits"], folded["share"]) == (9, 3, 75.0)
