"""The reporting vocabulary: its values, the ISO country list, and age bands by exact age."""

from __future__ import annotations

from datetime import date

import pytest

from referral_engine.domain.fields import FieldSpec
from referral_engine.domain.reporting import (
    AGE_BANDS,
    CHILD_BANDS,
    CITIZENSHIP_OTHER,
    COUNTRIES,
    FORMS,
    SEXES,
    age_band,
)
from referral_engine.entrypoints.web.i18n_reporting import (
    VOCABULARIES,
    citizenship_options,
    reporting_label,
)


def test_the_vocabulary_holds_the_agreed_values() -> None:
    assert SEXES == ("female", "male", "other_unknown")
    assert AGE_BANDS == (
        "0-11",
        "12-14",
        "15-17",
        "18-24",
        "25-34",
        "35-44",
        "45-54",
        "55-64",
        "65+",
    )
    assert CHILD_BANDS == ("0-11", "12-14", "15-17")
    assert set(FORMS) == {
        "labour", "sexual", "begging", "criminal_activity", "organ_removal", "armed_conflict",
        "child_sale", "mixed", "other", "domestic_servitude", "unknown",
    }  # fmt: skip
    assert CITIZENSHIP_OTHER == ("stateless", "unknown")


def test_the_country_list_is_the_249_official_iso_codes() -> None:
    assert len(COUNTRIES) == len(set(COUNTRIES)) == 249
    assert all(len(c) == 2 and c.isalpha() and c.isupper() for c in COUNTRIES)
    assert {"UA", "GB", "MD", "AQ", "BV", "SS", "SX", "BQ", "AX"} <= set(COUNTRIES)
    # user-assigned or reserved codes, CLDR's extras, are not countries
    assert not {"XK", "EU", "UN", "ZZ", "AC", "TA", "EA", "IC", "DG", "CP"} & set(COUNTRIES)


@pytest.mark.parametrize(
    ("born", "on", "band"),
    [
        (date(2010, 5, 10), date(2022, 5, 9), "0-11"),  # the day before the 12th birthday
        (date(2010, 5, 10), date(2022, 5, 10), "12-14"),  # on it
        (date(2008, 1, 1), date(2025, 12, 31), "15-17"),
        (date(2008, 1, 1), date(2026, 1, 1), "18-24"),
        (date(1990, 7, 1), date(2025, 6, 30), "25-34"),
        (date(1960, 3, 3), date(2025, 3, 3), "65+"),
        (date(2025, 3, 3), date(2025, 3, 3), "0-11"),
    ],
)
def test_the_band_is_the_exact_age_in_whole_years(born: date, on: date, band: str) -> None:
    assert age_band(born, on) == band


def test_someone_born_on_29_february_comes_of_age_on_1_march_in_a_common_year() -> None:
    born = date(2008, 2, 29)
    assert age_band(born, date(2026, 2, 28)) == "15-17"
    assert age_band(born, date(2026, 3, 1)) == "18-24"
    assert age_band(born, date(2032, 2, 28)) == "18-24"  # 23: a leap year, the day before
    assert age_band(date(2000, 2, 29), date(2024, 2, 29)) == "18-24"  # 24 on the day itself


def test_a_birth_after_the_day_has_no_band() -> None:
    with pytest.raises(ValueError, match="born 2026-01-02, after 2026-01-01"):
        age_band(date(2026, 1, 2), date(2026, 1, 1))


def test_a_country_field_takes_a_code_stateless_or_unknown_and_nothing_else() -> None:
    spec = FieldSpec("citizenship", "country", required=True)
    assert spec.check("UA") == "UA"
    assert spec.check("stateless") == "stateless"
    for bad in ("ua", "Ukraine", "XK", "UKR", 804, ["UA"]):
        with pytest.raises(ValueError, match="ISO 3166-1 alpha-2") as raised:
            spec.check(bad)
        assert str(bad) not in str(raised.value)  # never repeated: it may be personal


def test_every_value_of_the_vocabulary_has_english_and_ukrainian_words() -> None:
    dimensions = {
        "sex": SEXES,
        "exploitation_forms": FORMS,
        "age_at_identification": AGE_BANDS,
        "age_at_exploitation": AGE_BANDS,
        "citizenship": COUNTRIES + CITIZENSHIP_OTHER,
    }
    for dimension, values in dimensions.items():
        assert set(VOCABULARIES[dimension]) == set(values), dimension
        for value in VOCABULARIES[dimension]:
            en, uk = (reporting_label(dimension, value, lang) for lang in ("en", "uk"))
            assert en and uk and en != value and uk != value, (dimension, value)


def test_country_names_come_in_both_languages_for_every_code() -> None:
    assert [reporting_label("citizenship", "UA", lang) for lang in ("en", "uk")] == [
        "Ukraine",
        "Україна",
    ]
    assert reporting_label("citizenship", "GB", "uk") == "Велика Британія"
    assert reporting_label("citizenship", "MD", "uk") == "Молдова"
    assert reporting_label("sex", "female", "en") == "Female"
    ukrainian = citizenship_options("uk")
    assert list(ukrainian)[:2] == ["stateless", "unknown"]
    assert len(ukrainian) == 251
    names = list(ukrainian.values())[2:]
    assert names == sorted(names, key=str.casefold)
