"""The report pages' words: every code in words, values in reading order."""

from __future__ import annotations

from referral_engine.entrypoints.web.i18n import translator
from referral_engine.entrypoints.web.report_view import Words, readable

NAMES = {
    "UA-26": ("Ivano-Frankivsk Oblast", "Івано-Франківська область"),
    "UA-05": ("Vinnytsia Oblast", "Вінницька область"),
}


def words(lang: str) -> Words:
    index = 0 if lang == "en" else 1
    return Words(translator(lang), lambda code: NAMES[code or ""][index])


def test_values_are_named_in_the_pages_language() -> None:
    uk = words("uk")
    assert uk.value("region", "UA-26") == "Івано-Франківська область"
    assert uk.value("sex", "female") == "Жіноча" and words("en").value("sex", "male") == "Male"
    assert uk.value("age_at_exploitation", "65+") == "65 і старше"
    assert uk.value("child", "adult") == "Дорослі" and uk.value("sex", "total") == "Усього"
    assert words("en").value("form", "not_recorded") == "Not recorded"
    assert words("en").dimension("screening_actor") == "First responder"
    assert uk.basis("applications") == "заяви" and uk.kind("applied") == "Заяву зареєстровано"


def test_a_value_no_catalogue_knows_is_never_shown_as_a_snake_case_code() -> None:
    assert readable("organ_removal") == "Organ removal"
    assert words("en").value("service", "legal_aid") == "Legal aid"
    assert readable("MD") == "MD" and readable("2026-Q1") == "2026-Q1"


def test_values_are_in_reading_order_and_not_recorded_last() -> None:
    uk = words("uk")
    assert uk.ordered("region", ("not_recorded", "UA-26", "UA-05")) == [
        "UA-05",  # В before І in the Ukrainian alphabet, although І's code point is lower
        "UA-26",
        "not_recorded",
    ]
    assert words("en").ordered("region", ("UA-05", "UA-26")) == ["UA-26", "UA-05"]
    assert uk.ordered("quarter", ("2026-Q2", "not_recorded", "2025-Q4")) == [
        "2025-Q4",
        "2026-Q2",
        "not_recorded",
    ]


def test_a_workflows_value_is_named_in_its_words_and_a_bare_code_is_at_least_capitalised() -> None:
    services = {"shelter": "притулок"}
    uk = Words(translator("uk"), lambda code: code or "", services.get)
    assert uk.value("service", "shelter") == "притулок"
    assert uk.value("service", "employment") == "Employment"  # no workflow words it
    assert readable("UA") == "UA" and readable("2026-Q1") == "2026-Q1"
