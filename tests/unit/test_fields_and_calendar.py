"""Field checks per declared type, and due dates over weekends and public holidays."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from referral_engine.domain.calendar import WorkCalendar
from referral_engine.domain.errors import FieldProblem, InvalidData
from referral_engine.domain.fields import STRING_MAX, TEXT_MAX, FieldSpec, check_data

STRING = FieldSpec("court", "string")
TEXT = FieldSpec("narrative", "text")
DATE = FieldSpec("signed_on", "date")
DATETIME = FieldSpec("met_at", "datetime")
UNITS = FieldSpec("units", "int", minimum=1, maximum=1000)
ANY_INT = FieldSpec("count", "int")
BOOL = FieldSpec("is_child", "bool")
ENUM = FieldSpec("given_by", "enum", values=("person", "legal_representative"))
ENUM_LIST = FieldSpec("scope", "enum_list", values=("referral", "data_sharing", "status"))

KYIV = timezone(timedelta(hours=2))


def refusal(spec: FieldSpec, value: object) -> str:
    """Why `spec` refuses `value` (fails the test if it is accepted)."""
    with pytest.raises(ValueError, match=r".+") as refused:
        spec.check(value)
    return str(refused.value)


# -- accepted values and their stored form ---------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "value", "stored"),
    [
        pytest.param(STRING, "Pechersk district court", "Pechersk district court", id="string"),
        pytest.param(STRING, "x" * STRING_MAX, "x" * STRING_MAX, id="string-at-the-limit"),
        pytest.param(TEXT, "y" * (STRING_MAX + 1), "y" * (STRING_MAX + 1), id="text-longer"),
        pytest.param(TEXT, "z" * TEXT_MAX, "z" * TEXT_MAX, id="text-at-the-limit"),
        pytest.param(DATE, "2026-03-02", "2026-03-02", id="date-string"),
        pytest.param(DATE, date(2026, 3, 2), "2026-03-02", id="date-object"),
        pytest.param(
            DATETIME, "2026-03-02T09:00:00+02:00", "2026-03-02T09:00:00+02:00", id="datetime-tz"
        ),
        pytest.param(DATETIME, "2026-03-02T09:00:00Z", "2026-03-02T09:00:00+00:00", id="zulu"),
        pytest.param(
            DATETIME,
            datetime(2026, 3, 2, 9, tzinfo=KYIV),
            "2026-03-02T09:00:00+02:00",
            id="datetime-object",
        ),
        pytest.param(UNITS, 1, 1, id="int-at-minimum"),
        pytest.param(UNITS, 1000, 1000, id="int-at-maximum"),
        pytest.param(ANY_INT, -5, -5, id="int-unbounded"),
        pytest.param(BOOL, False, False, id="bool"),
        pytest.param(ENUM, "person", "person", id="enum"),
        pytest.param(ENUM_LIST, ["referral", "status"], ["referral", "status"], id="enum-list"),
        pytest.param(ENUM_LIST, ("referral",), ["referral"], id="enum-list-from-tuple"),
    ],
)
def test_an_acceptable_value_is_stored_in_its_json_form(
    spec: FieldSpec, value: object, stored: object
) -> None:
    assert spec.check(value) == stored


# -- refused values --------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["", "   ", "\n\t"])
def test_a_blank_string_is_refused(value: str) -> None:
    assert refusal(STRING, value) == "must not be blank"


def test_a_string_longer_than_the_limit_is_refused() -> None:
    assert refusal(STRING, "x" * (STRING_MAX + 1)) == f"must be at most {STRING_MAX} characters"


def test_a_text_longer_than_its_limit_is_refused() -> None:
    assert refusal(TEXT, "x" * (TEXT_MAX + 1)) == f"must be at most {TEXT_MAX} characters"


@pytest.mark.parametrize("spec", [STRING, TEXT], ids=["string", "text"])
@pytest.mark.parametrize("value", [42, ["a"], True])
def test_a_non_string_is_refused_for_a_string_field(spec: FieldSpec, value: object) -> None:
    assert refusal(spec, value) == "must be a string"


@pytest.mark.parametrize("value", [20260302, "02.03.2026", "2026-3-2", "2026-02-30", ""])
def test_anything_but_an_iso_date_is_refused_for_a_date(value: object) -> None:
    assert refusal(DATE, value) == "must be a date in the form YYYY-MM-DD"


@pytest.mark.parametrize(
    "value", [datetime(2026, 3, 2, 9, tzinfo=UTC), "2026-03-02T09:00:00+00:00"]
)
def test_a_date_and_time_is_refused_for_a_date(value: object) -> None:
    assert "YYYY-MM-DD" in refusal(DATE, value)


@pytest.mark.parametrize("value", ["2026-03-02T09:00:00", datetime(2026, 3, 2, 9), "2026-03-02"])
def test_a_date_and_time_without_a_time_zone_is_refused(value: object) -> None:
    assert refusal(DATETIME, value) == "must include a time zone (for example +02:00 or Z)"


@pytest.mark.parametrize("value", ["yesterday", 1772442000, date(2026, 3, 2)])
def test_anything_but_a_date_and_time_is_refused_for_a_datetime(value: object) -> None:
    assert refusal(DATETIME, value) == "must be an ISO-8601 date and time with a time zone"


@pytest.mark.parametrize(
    ("value", "why"),
    [(0, "must be at least 1"), (-3, "must be at least 1"), (1001, "must be at most 1000")],
)
def test_a_whole_number_outside_its_bounds_is_refused(value: int, why: str) -> None:
    assert refusal(UNITS, value) == why


@pytest.mark.parametrize("value", [True, False, "7", 7.0, None])
def test_anything_but_a_whole_number_is_refused_for_an_int(value: object) -> None:
    assert refusal(ANY_INT, value) == "must be a whole number"


@pytest.mark.parametrize("value", [1, 0, "true", "yes", None])
def test_anything_but_true_or_false_is_refused_for_a_bool(value: object) -> None:
    assert refusal(BOOL, value) == "must be true or false"


@pytest.mark.parametrize("value", ["guardian", "Person", ["person"], 1])
def test_a_value_not_declared_is_refused_for_an_enum(value: object) -> None:
    assert refusal(ENUM, value) == "must be one of: person, legal_representative"


@pytest.mark.parametrize("value", [[], (), "referral", None])
def test_an_empty_list_or_a_non_list_is_refused_for_an_enum_list(value: object) -> None:
    assert refusal(ENUM_LIST, value).startswith("must be a non-empty list of: referral")


def test_a_repeated_value_is_refused_in_an_enum_list() -> None:
    assert refusal(ENUM_LIST, ["referral", "referral"]) == "must not repeat a value"


@pytest.mark.parametrize("value", [["referral", "marketing"], ["referral", 3]])
def test_an_undeclared_value_is_refused_in_an_enum_list(value: list[object]) -> None:
    why = refusal(ENUM_LIST, value)

    assert why.startswith("unknown value(s) at [1]; allowed: ")
    assert str(value[1]) not in why  # never echoed: it could be personal data


# -- checking a whole step's data ------------------------------------------------------------------


def test_step_data_is_returned_in_its_stored_form_leaving_out_absent_optional_fields() -> None:
    fields = (FieldSpec("signed_on", "date", required=True), BOOL, ENUM)

    clean = check_data(fields, {"signed_on": date(2026, 3, 2), "is_child": True})

    assert clean == {"signed_on": "2026-03-02", "is_child": True}


def test_a_required_field_given_as_null_counts_as_missing() -> None:
    fields = (FieldSpec("court", "string", required=True),)

    with pytest.raises(InvalidData) as refused:
        check_data(fields, {"court": None})

    assert refused.value.problems == (FieldProblem("data.court", "is required"),)


def test_every_problem_in_the_data_is_reported_at_once() -> None:
    fields = (FieldSpec("court", "string", required=True), UNITS, ENUM)

    with pytest.raises(InvalidData) as refused:
        check_data(fields, {"units": 0, "given_by": "nobody", "colour": "blue"})

    assert {p.path for p in refused.value.problems} == {
        "data.colour",
        "data.court",
        "data.units",
        "data.given_by",
    }


# -- the calendar ----------------------------------------------------------------------------------

MONDAY = date(2026, 3, 2)
FRIDAY = date(2026, 3, 6)
SATURDAY = date(2026, 3, 7)
NEXT_MONDAY = date(2026, 3, 9)


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        pytest.param(MONDAY, 3, date(2026, 3, 5), id="within-a-week"),
        pytest.param(FRIDAY, 1, NEXT_MONDAY, id="friday-plus-one-is-monday"),
        pytest.param(FRIDAY, 3, date(2026, 3, 11), id="friday-plus-three-is-wednesday"),
        pytest.param(SATURDAY, 1, NEXT_MONDAY, id="from-a-saturday"),
        pytest.param(MONDAY, 10, date(2026, 3, 16), id="two-weekends"),
        pytest.param(MONDAY, 0, MONDAY, id="zero-days"),
    ],
)
def test_working_days_skip_the_weekend(start: date, days: int, due: date) -> None:
    assert WorkCalendar().add(start, days, working=True) == due


def test_working_days_skip_a_public_holiday() -> None:
    calendar = WorkCalendar(holidays=frozenset({NEXT_MONDAY}))

    assert calendar.add(FRIDAY, 1, working=True) == date(2026, 3, 10)
    assert calendar.add(FRIDAY, 3, working=True) == date(2026, 3, 12)


def test_a_holiday_on_a_weekend_day_costs_no_extra_day() -> None:
    calendar = WorkCalendar(holidays=frozenset({SATURDAY}))

    assert calendar.add(FRIDAY, 1, working=True) == NEXT_MONDAY


def test_a_different_weekend_is_honoured() -> None:
    friday_and_saturday = WorkCalendar(weekend=frozenset({4, 5}))

    assert friday_and_saturday.add(date(2026, 3, 5), 1, working=True) == date(2026, 3, 8)


def test_calendar_days_count_weekends_and_holidays() -> None:
    calendar = WorkCalendar(holidays=frozenset({NEXT_MONDAY}))

    assert calendar.add(FRIDAY, 3, working=False) == NEXT_MONDAY


def test_weekends_and_holidays_are_not_working_days() -> None:
    calendar = WorkCalendar(holidays=frozenset({NEXT_MONDAY}))

    assert [calendar.is_working_day(d) for d in (FRIDAY, SATURDAY, NEXT_MONDAY)] == [
        True,
        False,
        False,
    ]
