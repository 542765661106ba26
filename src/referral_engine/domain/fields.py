"""Field declarations and the checks that turn submitted data into stored, JSON-native values."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal, get_args

from referral_engine.domain.agencies import SLUG
from referral_engine.domain.errors import FieldProblem, InvalidData
from referral_engine.domain.reporting import CITIZENSHIP_OTHER, CITIZENSHIPS
from referral_engine.domain.text import shown_safely, text_problem

FieldType = Literal[
    "string", "text", "date", "datetime", "int", "bool", "enum", "enum_list", "country", "agency"
]
FIELD_TYPES: tuple[str, ...] = get_args(FieldType)

JSONValue = str | int | bool | list[str]

STRING_MAX = 500
TEXT_MAX = 20_000


class FieldInvalid(ValueError):
    """Why a value is not acceptable: an English message, a stable code and the facts named."""

    def __init__(self, code: str, message: str, **params: object) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class FieldSpec:
    """One declared field of a step: its type, whether required, and whether it is personal data."""

    name: str
    type: FieldType
    required: bool = False
    pii: bool = False
    title: str = ""
    values: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    readers: tuple[str, ...] = ()
    """For a personal field: the roles that may read it (empty: the workflow's default)."""
    kinds: tuple[str, ...] = ()
    """For an agency field: the kinds of agency it takes (empty: any kind)."""
    provides: str | None = None
    """For an agency field: the step's field naming a service the agency must offer."""
    serves_case_region: bool = False
    """For an agency field: the agency must serve the case's region."""
    not_after: tuple[str, ...] = ()
    """For a date field: `today`, `opened` or date fields its value may not be later than
    (domain/date_rules.py)."""
    not_before: tuple[str, ...] = ()
    """For a date field: `today`, `opened` or date fields its value may not be earlier than."""
    child_flag: str | None = None
    """For a date of birth: the yes/no field saying the person is a child, which the age on
    the day the case was opened must agree with."""

    def check(self, value: object) -> JSONValue:
        """The stored form of `value`; raises FieldInvalid (a ValueError) saying why not."""
        return _CHECKS[self.type](self, value)


def _string(spec: FieldSpec, value: object) -> JSONValue:
    limit = TEXT_MAX if spec.type == "text" else STRING_MAX
    if not isinstance(value, str):
        raise FieldInvalid("not_text", "must be a string")
    if not value.strip():
        raise FieldInvalid("blank", "must not be blank")
    if (found := text_problem(value, free_text=spec.type == "text")) is not None:
        raise FieldInvalid(found.code, found.message, **found.params)
    if len(value) > limit:
        raise FieldInvalid("too_long", f"must be at most {limit} characters", limit=limit)
    return value


def _date(spec: FieldSpec, value: object) -> JSONValue:
    if isinstance(value, datetime):
        raise FieldInvalid("date_not_datetime", "must be a date (YYYY-MM-DD), not a date and time")
    if isinstance(value, date):
        return value.isoformat()
    bad_date = FieldInvalid("date", "must be a date in the form YYYY-MM-DD")
    if not isinstance(value, str) or len(value) != 10:
        raise bad_date
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise bad_date from None


def _datetime(spec: FieldSpec, value: object) -> JSONValue:
    bad_datetime = FieldInvalid("datetime", "must be an ISO-8601 date and time with a time zone")
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise bad_datetime from None
    if not isinstance(value, datetime):
        raise bad_datetime
    if value.tzinfo is None:
        raise FieldInvalid("time_zone", "must include a time zone (for example +02:00 or Z)")
    return value.isoformat()


def _int(spec: FieldSpec, value: object) -> JSONValue:
    if isinstance(value, bool) or not isinstance(value, int):
        raise FieldInvalid("not_int", "must be a whole number")
    if spec.minimum is not None and value < spec.minimum:
        raise FieldInvalid("below_min", f"must be at least {spec.minimum}", min=spec.minimum)
    if spec.maximum is not None and value > spec.maximum:
        raise FieldInvalid("above_max", f"must be at most {spec.maximum}", max=spec.maximum)
    return value


def _bool(spec: FieldSpec, value: object) -> JSONValue:
    if not isinstance(value, bool):
        raise FieldInvalid("not_bool", "must be true or false")
    return value


def _enum(spec: FieldSpec, value: object) -> JSONValue:
    if not isinstance(value, str) or value not in spec.values:
        raise FieldInvalid(
            "not_one_of", "must be one of: " + ", ".join(spec.values), values=spec.values
        )
    return value


def _enum_list(spec: FieldSpec, value: object) -> JSONValue:
    if not isinstance(value, list | tuple) or not value:
        raise FieldInvalid(
            "not_list_of",
            "must be a non-empty list of: " + ", ".join(spec.values),
            values=spec.values,
        )
    bad = [i for i, v in enumerate(value) if not isinstance(v, str) or v not in spec.values]
    if bad:  # by position only: a value typed in the wrong place may be personal
        where = ", ".join(f"[{i}]" for i in bad)
        message = f"unknown value(s) at {where}; allowed: " + ", ".join(spec.values)
        raise FieldInvalid("unknown_values", message, at=where, values=spec.values)
    if len(set(value)) != len(value):
        raise FieldInvalid("repeated", "must not repeat a value")
    return [str(v) for v in value]


def _country(spec: FieldSpec, value: object) -> JSONValue:
    # the value is never repeated back: a name typed here instead of a code may be personal
    if not isinstance(value, str) or value not in CITIZENSHIPS:
        others = " or ".join(CITIZENSHIP_OTHER)
        message = f"must be an ISO 3166-1 alpha-2 country code in upper case (e.g. UA), or {others}"
        raise FieldInvalid("not_country", message)
    return value


def _agency(spec: FieldSpec, value: object) -> JSONValue:
    # the shape only: whether it is registered and fits is the registry's (agency_rules.py)
    if isinstance(value, str) and (found := text_problem(value)) is not None:
        raise FieldInvalid(found.code, found.message, **found.params)
    if not isinstance(value, str) or not SLUG.match(value):
        message = "must be a registered agency's id (lower-case letters, digits and hyphens)"
        raise FieldInvalid("agency_id", message)
    return value


_CHECKS = {
    "string": _string,
    "text": _string,
    "date": _date,
    "datetime": _datetime,
    "int": _int,
    "bool": _bool,
    "enum": _enum,
    "enum_list": _enum_list,
    "country": _country,
    "agency": _agency,
}


Judge = Callable[[Mapping[str, JSONValue]], Iterable[FieldProblem]]
"""Rules between a step's valid values and the case (date_rules.py): the problems they find."""


def check_data(
    fields: Sequence[FieldSpec],
    data: Mapping[str, object],
    prefix: str = "data",
    judge: Judge | None = None,
) -> dict[str, JSONValue]:
    """Validate `data` against `fields`; raise InvalidData listing every problem at once,
    those `judge` finds in the values that are valid included."""
    problems: list[FieldProblem] = []
    declared = {f.name: f for f in fields}
    clean: dict[str, JSONValue] = {}
    for name in data:
        if name not in declared:
            problems.append(
                FieldProblem(
                    f"{prefix}.{shown_safely(name)}", "unknown field for this step", "unknown_field"
                )
            )
    for spec in fields:
        value = data.get(spec.name)
        if value is None:
            if spec.required:
                problems.append(FieldProblem(f"{prefix}.{spec.name}", "is required", "required"))
            continue
        try:
            clean[spec.name] = spec.check(value)
        except FieldInvalid as exc:
            problems.append(FieldProblem(f"{prefix}.{spec.name}", str(exc), exc.code, exc.params))
    if judge is not None:
        problems += judge(clean)
    if problems:
        raise InvalidData(problems)
    return clean
