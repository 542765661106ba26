"""The k-anonymiser alone: every combination of the quasi-identifiers kept is shared by at least
k records (checked by counting, and by pycanon), suppression stays within its budget, the result
is the same for the same records, and fewer than k records are all suppressed."""

from __future__ import annotations

import random
from collections import Counter

import pandas as pd
from pycanon import anonymity

from referral_engine.application.anonymity import anonymise
from referral_engine.domain.htcds import FIELDS
from referral_engine.domain.htcds_hierarchies import describe, hierarchy
from referral_engine.domain.reporting import AGE_BANDS

QUASI = [
    "prs_Gender",
    "vic_AgeAtEntryIntoTrafficking",
    "prs_Citizenship",
    "cas_IncomingReferralDate",
]


def records(n: int, seed: int = 3) -> list[dict[str, str]]:
    rng = random.Random(seed)
    return [
        {
            "prs_Gender": rng.choice(["Feminine", "Feminine", "Masculine"]),
            "vic_AgeAtEntryIntoTrafficking": rng.choice(AGE_BANDS),
            "prs_Citizenship": rng.choice(["UA"] * 12 + ["MD", "GE", "VN", "BR", ""]),
            "cas_IncomingReferralDate": str(rng.randint(2019, 2025)),
            "vic_TraffickingStatus": "ActualVictimOfTrafficking",
        }
        for _ in range(n)
    ]


def test_every_combination_kept_is_shared_by_k_records_and_suppression_keeps_its_budget() -> None:
    given = records(800)
    for k in (2, 5, 11):
        done = anonymise(given, QUASI, {q: hierarchy(q) for q in QUASI}, k=k, max_suppressed=0.05)
        sizes = Counter(tuple(r[q] for q in QUASI) for r in done.records)
        assert min(sizes.values()) >= k
        assert anonymity.k_anonymity(pd.DataFrame(done.records)[QUASI], QUASI) >= k
        assert done.suppressed == len(given) - len(done.records) <= 0.05 * len(given)
        assert [given[i]["vic_TraffickingStatus"] for i in done.kept] == [
            r["vic_TraffickingStatus"] for r in done.records
        ]


def test_the_same_records_give_the_same_result_and_too_few_are_all_suppressed() -> None:
    hierarchies = {q: hierarchy(q) for q in QUASI}
    one = anonymise(records(300), QUASI, hierarchies, k=5, max_suppressed=0.05)
    two = anonymise(records(300), QUASI, hierarchies, k=5, max_suppressed=0.05)
    assert one == two
    few = anonymise(records(4), QUASI, hierarchies, k=5, max_suppressed=0.05)
    assert few.records == [] and few.suppressed == 4


def test_a_country_generalises_to_its_m49_sub_region_then_region_then_nothing() -> None:
    levels = hierarchy("prs_Citizenship")
    assert [level("UA") for level in levels] == ["UA", "Eastern Europe", "Europe", "*"]
    assert [level("") for level in levels] == ["", "", "", "*"]
    ages = hierarchy("vic_AgeAtEntryIntoTrafficking")
    assert [level("15-17") for level in ages] == ["15-17", "0-17", "0-17", "*"]
    assert [level("25-34") for level in ages] == ["25-34", "18-34", "18+", "*"]
    assert hierarchy("cas_IncomingReferralDate")[1]("2023") == "2020/2024"


def test_a_gender_generalises_to_the_picklists_own_not_specified_value() -> None:
    levels = hierarchy("prs_Gender")
    assert [level("Feminine") for level in levels] == ["Feminine", "NonSpecifiedUnknown"]
    assert [level("") for level in levels] == ["", "NonSpecifiedUnknown"]
    assert all(FIELDS["prs_Gender"].allows(levels[-1](v)) for v in FIELDS["prs_Gender"].values)
    assert describe("prs_Gender", 1) == "not specified (NonSpecifiedUnknown)"
    assert describe("prs_Citizenship", 3) == "suppressed (*)"
