"""The country of exploitation typed as free text, matched to its ISO 3166-1 code by its name in
Ukrainian, English or Russian (issue #21: `hte_Country` of a Ukrainian case), and derived so when
a step records the text (the text itself stays personal)."""

from __future__ import annotations

from datetime import date

import pytest

from referral_engine.domain.country_names import country_named, folded, name_index
from referral_engine.domain.derivation import derive
from referral_engine.domain.workflow import DerivedSpec
from referral_engine.entrypoints.web.workflow_text import WorkflowText
from referral_engine.workflows.country_names import country_index
from referral_engine.workflows.loader import WorkflowRegistry
from tests.factories import WORKFLOWS


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Польща", "PL"),
        ("  польща. ", "PL"),
        ("Росія", "RU"),
        ("Німеччина", "DE"),
        ("Обʼєднані Арабські Емірати", "AE"),  # the modifier letter, as CLDR writes it
        ("Об'єднані Арабські Емірати", "AE"),  # the typewriter apostrophe
        ("Об’єднані  арабські емірати", "AE"),  # the typographic one, spaces doubled
        ("Poland", "PL"),
        ("CZECHIA", "CZ"),
        ("United Kingdom", "GB"),
        ("Россия", "RU"),
        ("Германия", "DE"),
        ("Соединённые Штаты", "US"),  # ё written as е
    ],
)
def test_a_country_is_found_by_its_name_in_ukrainian_english_or_russian(
    text: str, code: str
) -> None:
    assert country_named(text, country_index()) == code


@pytest.mark.parametrize("text", ["", "Невідомо", "за кордоном", "Європа", "Польща, Чехія", "PL"])
def test_text_naming_no_country_or_several_matches_nothing(text: str) -> None:
    assert country_named(text, country_index()) == ""


def test_a_name_two_countries_share_matches_neither() -> None:
    index = name_index([{"AA": "Same", "BB": "Same"}, {"AA": "Only A"}], ["AA", "BB"])
    assert index == {folded("Only A"): "AA"}
    assert name_index([{"AA": "Kept", "ZZ": "Not wanted"}], ["AA"]) == {"kept": "AA"}


def test_a_step_recording_the_text_derives_the_code_and_an_unknown_text_derives_empty() -> None:
    spec = DerivedSpec(
        "exploitation_country", "country_of_exploitation", "", "country", country_index()
    )
    opened = date(2025, 3, 1)
    assert derive((spec,), {}, {"country_of_exploitation": "Польща"}, opened) == {
        "exploitation_country": "PL"
    }
    assert derive((spec,), {}, {"country_of_exploitation": "десь"}, opened) == {
        "exploitation_country": ""
    }
    assert derive((spec,), {"country_of_exploitation": "Польща"}, {"sex": "male"}, opened) == {}


def test_an_age_in_whole_years_is_derived_beside_the_band() -> None:
    years = DerivedSpec("age_at_entry", "date_of_birth", "exploitation_began_on", "age")
    band = DerivedSpec("age_at_exploitation", "date_of_birth", "exploitation_began_on")
    recorded = {"date_of_birth": "1990-06-02", "exploitation_began_on": "2024-06-01"}
    found = derive((years, band), {}, recorded, date(2025, 1, 1))
    assert found == {"age_at_entry": "33", "age_at_exploitation": "25-34"}


def test_a_case_page_shows_the_derived_country_in_words() -> None:
    """No code on a page: the country by its name, under its title."""
    ukraine = WorkflowRegistry.from_directory(WORKFLOWS).get("ukraine-nrm", 6)
    words = WorkflowText(ukraine, "uk")
    assert words.data_title("exploitation_country") == "Країна експлуатації"
    assert words.data_value("exploitation_country", "PL") == "Польща"
