"""Search terms for persons (domain/person_terms.py): a name is found in either script, in any word
order and case, with one typo; unrelated names rarely share a term; dates, phones and numbers are
normalised; a query with nothing searchable is refused."""

from __future__ import annotations

import itertools
import random
from datetime import date

import pytest

from referral_engine.domain.person_terms import (
    Query,
    QueryInvalid,
    birth_date_terms,
    name_terms,
    number_terms,
    parse_query,
    phone_terms,
    similarity,
)
from referral_engine.domain.transliteration import cyrillic, round_trip, skeleton, words

FOUND = [
    ("Олена Шевченко", "Olena Shevchenko"),
    ("Олена Шевченко", "Olena Shevchenco"),
    ("Олена Шевченко", "шевченко олена"),
    ("Олена Шевченко", "SHEVCHENKO"),
    ("Олена Шевченко", "Shevcheko Olena"),  # a letter missing
    ("Олена Шевченко", "Olena Shevhcenko"),  # two letters swapped
    ("Олена Шевченко", "Olena Schewtschenko"),  # a German spelling
    ("Olena Shevchenko", "Шевченко"),
    ("Olena Shevchenko", "Шевченко Олена"),
    ("SHEVCHENKO Olena", "Олена"),
    ("Ірина Коваленко", "Iryna Kovalenko"),
    ("Iryna Kovalenko", "Ірина Коваленко"),
    ("Ірина Коваленко", "Ирина Коваленко"),  # the first name in Russian
    ("Юлія Яковенко", "Yuliia Yakovenko"),
    ("Yuliia Yakovenko", "Юлія Яковенко"),
    ("Юлія Яковенко", "Yulia Yakovenko"),
    ("Євген Щербак", "Yevhen Shcherbak"),
    ("Yevhen Shcherbak", "Євген Щербак"),
    ("Згурський", "Zghurskyi"),
    ("Zghurskyi", "Згурський"),
    ("Згурський", "Zgurskiy"),
    ("Ольга Мельник", "Olga Melnyk"),
    ("Андрій Бойко", "Andriy Boiko"),
    ("Мар'яна Коваль-Шевчук", "Mariana Koval"),
    ("Мар’яна Ткачук", "марʼяна ткачук"),
    ("Hélène Dupont", "Helene Dupont"),
]


@pytest.mark.parametrize(("recorded", "query"), FOUND)
def test_a_name_is_found_in_either_script_order_and_case_with_one_typo(
    recorded: str, query: str
) -> None:
    parsed = parse_query(query)
    assert parsed.terms & name_terms(recorded)
    assert similarity(parsed, recorded) >= 0.9


def test_the_national_standard_of_2010_both_ways() -> None:
    assert words("Олена Шевченко") == ["olena", "shevchenko"]
    assert words("Юлія Яковенко Євген Їжакевич Йосип") == [
        "yuliia",
        "yakovenko",
        "yevhen",
        "yizhakevych",
        "yosyp",
    ]
    assert words("Згурський Розгон Знам'янка Ґалаґан Гаврилюк Щербак Хмельницький") == [
        "zghurskyi",
        "rozghon",
        "znamianka",
        "galagan",
        "havryliuk",
        "shcherbak",
        "khmelnytskyi",
    ]
    assert words("Фёдор Эдуард Подъячий Бызов") == ["fedor", "eduard", "podiachyi", "byzov"]
    assert cyrillic("shevchenko") == "шевченко"
    assert cyrillic("yuliia") == "юлія"
    assert cyrillic("zghurskyi") == "згурский"
    assert round_trip("olga") == "olha"
    assert round_trip("andriy") == "andrii"
    assert round_trip("zgurskiy") == "zghurskyi"
    assert round_trip("jaroslaw") == "yaroslav"


def test_words_are_split_on_anything_not_a_letter_and_short_ones_are_dropped() -> None:
    assert words("O. SHEVCHENKO-Kovalenko, 2nd  (Ivan)") == [
        "shevchenko",
        "kovalenko",
        "nd",
        "ivan",
    ]
    assert words("Шевчeнко") == ["shevchenko"]  # a Latin e typed in a Cyrillic word
    assert words("Shevсhenko") == ["shevchenko"]  # a Cyrillic с typed in a Latin word
    assert words("Zoë Łukasz") == ["zoe", "lukasz"]


def test_phonetic_keys_make_one_what_spellings_disagree_on() -> None:
    assert skeleton("olha") == skeleton("olga")
    assert skeleton("iryna") == skeleton("yryna")
    assert skeleton("shevchenko") == skeleton("schewtschenko")
    assert skeleton("zghurskyi") == skeleton("zgurskiy")
    assert skeleton("shevchenko") != skeleton("shevchuk")
    assert skeleton("olena") != skeleton("oleh")


def test_a_closer_name_ranks_higher() -> None:
    query = parse_query("Olena Shevchenko")
    assert similarity(query, "Олена Шевченко") > similarity(query, "Oleh Shevchuk")
    assert similarity(query, "Oleh Shevchuk") > similarity(query, "Ivan Petrenko")
    assert similarity(parse_query("Shevchenko"), "Олена Шевченко") == 1.0
    assert similarity(parse_query("Шевченко Олена Іванівна"), "Olena Shevchenko") > 0.9
    assert similarity(query, "") == 0.0


def test_unrelated_names_share_no_term() -> None:
    assert not name_terms("Ivan Petrenko") & name_terms("Olena Shevchenko")
    assert not parse_query("Oleh Shevchuk").name_terms & name_terms("Olena Shevchenko")


def spoken(text: str) -> list[str]:
    return text.split()


FIRST = spoken(
    "Андрій Богдан Василь Віктор Володимир Дмитро Іван Максим Микола Олег Петро Роман "
    "Сергій Тарас Юрій Олександр Ілля Юліан Анна Галина Ірина Катерина Людмила Марія "
    "Наталія Оксана Світлана Тетяна"
)
SURNAMES = spoken(
    "Бондаренко Ткаченко Кравченко Олійник Мельник Поліщук Бойко Марченко Лисенко Руденко "
    "Мороз Павленко Гнатюк Литвиненко Савчук Романюк Кравець Онищенко Білик Головко "
    "Зінченко Кушнір Панченко Дячук Остапенко Гребенюк Федорчук Тимошенко Яремчук "
    "Степаненко Шевчук Ковальчук Коваль Савченко Левченко Щербина Яковлев Шевчишин "
    "Ковалевський Щербань"
)
QUERIES = ["Olena Shevchenko", "Iryna Kovalenko", "Yevhen Shcherbak", "Yuliia Yakovenko"]


def test_two_hundred_unrelated_names_rarely_share_a_term_with_a_query() -> None:
    """The phonetic and one-letter-left-out keys must not be so loose that everything matches:
    of 200 synthetic names (first names and surnames other than the query's, some of them near:
    Oleh, Shevchuk, Koval, Shcherbyna), fewer than 5 % share a term with a query. Measured: 0 to
    3.5 % per query, all of them one letter away from a query word (Shcherban for Shcherbak,
    Yulian for Yuliia: a typo could make one the other), and none of the 18,690 pairs of
    sampled names that differ in both words."""
    names = [f"{f} {s}" for f, s in itertools.product(FIRST, SURNAMES)]
    sample = random.Random(18).sample(names, 200)
    terms = {name: name_terms(name) for name in sample}
    for query in QUERIES:
        parsed = parse_query(query)
        unrelated = [name for name in sample if not set(words(name)) & set(parsed.names)]
        sharing = [name for name in unrelated if parsed.terms & terms[name]]
        assert len(unrelated) > 150
        assert len(sharing) < 0.05 * len(unrelated), (query, sharing)
    pairs = [
        (a, b) for a, b in itertools.combinations(sample, 2) if not set(a.split()) & set(b.split())
    ]
    shared = sum(1 for a, b in pairs if terms[a] & terms[b])
    assert shared < 0.01 * len(pairs), shared / len(pairs)


def test_terms_are_short_and_a_name_has_few() -> None:
    for name in ["Олена Шевченко", "Yuliia Yakovenko", "Хмельницький Олександр Володимирович"]:
        terms = name_terms(name)
        assert len(terms) < 80, (name, len(terms))
        assert all(len(t) <= 64 for t in terms)
    long = name_terms("Щ" * 500 + " " + "a" * 500)
    assert long and all(len(t) <= 64 for t in long)
    assert all(len(t) <= 64 for t in number_terms("A1-" * 200))


def test_kinds_of_term_never_collide() -> None:
    kinds = {t.split(":")[0] for t in parse_query("Olena 12.04.1995 +380501234567 AA123456").terms}
    assert kinds == {"n", "p", "d", "b", "t", "#"}


def test_stored_names_with_bad_characters_do_not_crash() -> None:
    assert name_terms("Оле\u200bна\x00 Шев\ud800ченко") == name_terms("Олена Шевченко")
    assert name_terms("") == frozenset()
    assert name_terms("1. - ,") == frozenset()
    assert name_terms("王 小明 Ολγα") >= {"n:小明", "n:ολγα"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1995-04-12", {"b:1995-04-12"}),
        (date(1995, 4, 12), {"b:1995-04-12"}),
        ("12.04.1995", {"b:1995-04-12"}),
        ("1995-02-30", set()),
        ("soon", set()),
    ],
)
def test_birth_date_terms(value: str | date, expected: set[str]) -> None:
    assert birth_date_terms(value) == expected


@pytest.mark.parametrize(
    "text",
    ["+380501234567", "+380 (50) 123-45-67", "00380501234567", "050 123 45 67", "501234567"],
)
def test_phone_terms_are_e164(text: str) -> None:
    assert phone_terms(text) == {"t:+380501234567"}


def test_phone_terms_of_other_countries_and_of_non_phones() -> None:
    assert phone_terms("030 1234567", country_code="49") == {"t:+49301234567"}
    assert phone_terms("+48 22 123 45 67") == {"t:+48221234567"}
    assert phone_terms("12345") == frozenset()
    assert phone_terms("call me") == frozenset()
    assert phone_terms("+1234567890123456") == frozenset()


def test_number_terms_fold_case_separators_and_look_alike_letters() -> None:
    cyrillic_series = number_terms("АВ 123456")  # Cyrillic А and В
    assert cyrillic_series == number_terms("ab-123456") == number_terms("AB123456")
    assert cyrillic_series == {"#:ab123456", "#:123456"}
    assert number_terms("НКМ/2024-17") == {"#:hkm202417", "#:202417"}
    assert number_terms("Б-17") == {"#:б17"}
    assert number_terms(" - ") == frozenset()


def test_a_query_holds_names_a_date_a_phone_and_numbers() -> None:
    query = parse_query("Шевченко Олена 12.04.1995 +380 50 123 45 67 АВ 123456")
    assert query.names == ("shevchenko", "olena")
    assert query.birth_date == "1995-04-12"
    assert query.phones == ("+380501234567",)
    assert query.numbers == ("ab123456", "123456")
    assert {"b:1995-04-12", "t:+380501234567", "#:ab123456"} <= query.terms
    assert query.terms >= name_terms("Олена Шевченко")
    assert parse_query("12/04/1995").birth_date == "1995-04-12"
    assert parse_query("born 1995-04-12").names == ("born",)
    assert parse_query("050-123-45-67").phones == ("+380501234567",)
    assert isinstance(query, Query)


@pytest.mark.parametrize(
    ("q", "code"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("... -- !!", "empty"),
        ("O. I. K.", "empty"),
        ("12", "empty"),
        ("x" * 201, "too-long"),
        ("Olena\x00", "character"),
        ("Olena\u202e", "character"),
        ("Ole\u200bna", "character"),
        ("Olena\ud800", "character"),
        ("Olena\nShevchenko", "character"),
    ],
)
def test_a_query_with_nothing_searchable_is_refused(q: str, code: str) -> None:
    with pytest.raises(QueryInvalid) as refused:
        parse_query(q)
    assert refused.value.code == code
    assert isinstance(refused.value, ValueError)
    assert refused.value.type == "query-invalid"
    assert q.strip() == "" or q not in str(refused.value)  # the query is never echoed


def test_the_longest_query_allowed_is_searched() -> None:
    longest = ("Шевченко " * 21 + "Олена").ljust(200)
    assert parse_query(longest).names == ("shevchenko", "olena")
