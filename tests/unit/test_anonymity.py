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

QUASI = [
    "prs_Gender",
    "hte_Country",
    "prs_Citizenship",
    "cas_IncomingReferralDate",
]


def records(n: int, seed: int = 3) -> list[dict[str, str]]:
    rng = random.Random(seed)
    return [
        {
            "prs_Gender": rng.choice(["Feminine", "Feminine", "Masculine"]),
            "hte_Country": rng.choice(["UA", "PL", "RU", "DE", "IL", "TR", "AE", "CZ", ""]),
            "prs_Citizenship": rng.choice(["UA"] * 12 + ["MD", "GE", "VN", "BR", ""]),
            "cas_IncomingReferralDate": str(rng.randint(2019, 2025)),
            "vic_TraffickingStatus": "ActualVictimOfTrafficking",
        }
        for _ in range(n)
    ]


def test_every_combination_kept_is_shared_by_k_records_and_suppression_keeps_its_budget() -> None:
    given = records(800)
    for k in (2, 5, 11):
        levels = {q: hierarchy(q, (r[q] for r in given), k) for q in QUASI}
        done = anonymise(given, QUASI, levels, k=k, max_suppressed=0.05)
        sizes = Counter(tuple(r[q] for q in QUASI) for r in done.records)
        assert min(sizes.values()) >= k
        assert anonymity.k_anonymity(pd.DataFrame(done.records)[QUASI], QUASI) >= k
        for r in done.records:
            assert all(r[q] == "" or FIELDS[q].allows(r[q]) for q in QUASI), r
        assert done.suppressed == len(given) - len(done.records) <= 0.05 * len(given)
        assert [given[i]["vic_TraffickingStatus"] for i in done.kept] == [
            r["vic_TraffickingStatus"] for r in done.records
        ]


def test_the_same_records_give_the_same_result_and_too_few_are_all_suppressed() -> None:
    given = records(300)
    hierarchies = {q: hierarchy(q, (r[q] for r in given), 5) for q in QUASI}
    one = anonymise(given, QUASI, hierarchies, k=5, max_suppressed=0.05)
    two = anonymise(records(300), QUASI, hierarchies, k=5, max_suppressed=0.05)
    assert one == two
    few = anonymise(records(4), QUASI, hierarchies, k=5, max_suppressed=0.05)
    assert few.records == [] and few.suppressed == 4


def test_a_value_generalises_only_to_what_the_field_holds_rare_values_first() -> None:
    """No region, band, period or `*`: the value, then the rare values withheld, then all; an
    empty cell where the picklist has no "not specified" value of its own."""
    column = ["UA"] * 5 + ["MD"] * 2 + [""]
    levels = hierarchy("prs_Citizenship", column, 5)
    assert [level("UA") for level in levels] == ["UA", "UA", ""]
    assert [level("MD") for level in levels] == ["MD", "", ""]
    assert [level("") for level in levels] == ["", "", ""]
    years = hierarchy("cas_IncomingReferralDate", ["2023"], 2)
    assert [level("2023") for level in years] == ["2023", "", ""]
    forms = hierarchy("vic_TypeOfExploitation", ["ForcedBegging"] * 2 + ["Servitude"], 3)
    assert [level("ForcedBegging;ForcedLabour") for level in forms] == [
        "ForcedBegging;ForcedLabour",
        "ForcedLabour;Other",
        "",
        "",
    ]
    assert forms[2]("Servitude") == "Other"  # three records hold `Other` at the level below
    assert describe("prs_Citizenship", 0) == "as recorded"
    assert describe("prs_Citizenship", 2) == "withheld (empty)"
    assert describe("vic_TypeOfExploitation", 1) == "labour, sexual or other"
    assert describe("vic_TypeOfExploitation", 2) == "rare values withheld (empty)"


def test_a_gender_generalises_to_the_picklists_own_not_specified_value() -> None:
    levels = hierarchy("prs_Gender", ["Feminine"] * 3 + ["TransgenderMasculine"], 2)
    unknown = "NonSpecifiedUnknown"
    assert [level("Feminine") for level in levels] == ["Feminine", "Feminine", unknown]
    assert levels[1]("TransgenderMasculine") == "NonSpecifiedUnknown"
    assert [level("") for level in levels] == ["", "", "NonSpecifiedUnknown"]
    assert all(FIELDS["prs_Gender"].allows(levels[-1](v)) for v in FIELDS["prs_Gender"].values)
    assert describe("prs_Gender", 1) == "rare values withheld (NonSpecifiedUnknown)"
    assert describe("prs_Gender", 2) == "withheld (NonSpecifiedUnknown)"


def test_a_field_allows_its_picklist_its_type_and_nothing_coarser() -> None:
    year = FIELDS["cas_IncomingReferralDate"]
    assert not [name for name in FIELDS if "Age" in name]  # its system name is not transcribed
    assert year.allows("2023") and not year.allows("2020/2024")
    country = FIELDS["hte_Country"]
    assert country.allows("PL") and not country.allows("Eastern Europe")
    forms = FIELDS["vic_TypeOfExploitation"]
    assert forms.allows("ForcedLabour;Other") and not forms.allows("*")
