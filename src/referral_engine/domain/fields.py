"""Field declarations and the checks that turn submitted data into stored, JSON-native values."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal, get_args

from .errors import FieldProblem, InvalidData

FieldType = Literal["string", "text", "date", "datetime", "int", "bool", "enum", "enum_list"]
FIELD_TYPES: tuple[str, ...] = get_args(FieldType)

JSONValue = str | int | bool | list[str]

STRING_MAX = 500
TEXT_MAX = 20_000


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

    def check(self, value: object) -> JSONValue:
        """The stored form of `value`; raises ValueError saying why it is not acceptable."""
        return _CHECKS[self.type](self, value)


def _string(spec: FieldSpec, value: object) -> JSONValue:
    limit = TEXT_MAX if spec.type == "text" else STRING_MAX
    if not isinstance(value, str):
        raise ValueError("must be a string")
    if not value.strip():
        raise ValueError("must not be blank")
    if len(value) > limit:
        raise ValueError(f"must be at most {limit} characters")
    return value


def _date(spec: FieldSpec, value: object) -> JSONValue:
    if isinstance(value, datetime):
        raise ValueError("must be a date (YYYY-MM-DD), not a date and time")
    if isinstance(value, date):
        return value.isoformat()
    if not isinstance(value, str) or len(value) != 10:
        raise ValueError("must be a date in the form YYYY-MM-DD")
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise ValueError("must be a date in the form YYYY-MM-DD") from None


def _datetime(spec: FieldSpec, value: object) -> JSONValue:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError("must be an ISO-8601 date and time with a time zone") from None
    if not isinstance(value, datetime):
        raise ValueError("must be an ISO-8601 date and time with a time zone")
    if value.tzinfo is None:
        raise ValueError("must include a time zone (for example +02:00 or Z)")
    return value.isoformat()


def _int(spec: FieldSpec, value: object) -> JSONValue:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("must be a whole number")
    if spec.minimum is not None and value < spec.minimum:
        raise ValueError(f"must be at least {spec.minimum}")
    if spec.maximum is not None and value > spec.maximum:
        raise ValueError(f"must be at most {spec.maximum}")
    return value


def _bool(spec: FieldSpec, value: object) -> JSONValue:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


def _enum(spec: FieldSpec, value: object) -> JSONValue:
    if not isinstance(value, str) or value not in spec.values:
        raise ValueError("must be one of: " + ", ".join(spec.values))
    return value


def _enum_list(spec: FieldSpec, value: object) -> JSONValue:
    if not isinstance(value, list | tuple) or not value:
        raise ValueError("must be a non-empty list of: " + ", ".join(spec.values))
    bad = [i for i, v in enumerate(value) if not isinstance(v, str) or v not in spec.values]
    if bad:  # by position only: a value typed in the wrong place may be personal
        where = ", ".join(f"[{i}]" for i in bad)
        raise ValueError(f"unknown value(s) at {where}; allowed: " + ", ".join(spec.values))
    if len(set(value)) != len(value):
        raise ValueError("must not repeat a value")
    return [str(v) for v in value]


_CHECKS = {
    "string": _string,
    "text": _string,
    "date": _date,
    "datetime": _datetime,
    "int": _int,
    "bool": _bool,
    "enum": _enum,
    "enum_list": _enum_list,
}


def check_data(
    fields: Sequence[FieldSpec], data: Mapping[str, object], prefix: str = "data"
) -> dict[str, JSONValue]:
    """Validate `data` against `fields`; raise InvalidData listing every problem at once."""
    problems: list[FieldProblem] = []
    declared = {f.name: f for f in fields}
    clean: dict[str, JSONValue] = {}
    for name in data:
        if name not in declared:
            problems.append(FieldProblem(f"{prefix}.{name}", "unknown field for this step"))
    for spec in fields:
        value = data.get(spec.name)
        if value is None:
            if spec.required:
                problems.append(FieldProblem(f"{prefix}.{spec.name}", "is required"))
            continue
        try:
            clean[spec.name] = spec.check(value)
        except ValueError as exc:
            problems.append(FieldProblem(f"{prefix}.{spec.name}", str(exc)))
    if problems:
        raise InvalidData(problems)
    return clean
