"""Rules a step carries on the case's data: conditions under which it is legal (`when`), when a
value of one of its enum fields may be recorded (`values_when`), and bounds on the dates it
records (`limits`); and the workflow's fields a case may not hold in some states (`withheld`).
Pure: judged when a step is decided, never on replay."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta

from referral_engine.domain.calendar import add_months
from referral_engine.domain.date_rules import as_date
from referral_engine.domain.errors import FieldProblem
from referral_engine.domain.fields import FieldSpec
from referral_engine.domain.markers import is_marker
from referral_engine.domain.reporting import age

Value = bool | int | str


@dataclass(frozen=True)
class ConditionSpec:
    """A condition on the case's recorded data (a field not recorded holds nothing): `field`
    holds exactly `equals`, or (`one_of`) one of several values, or a value other than
    `not_equals`, or (`age_below`) is the date of birth of a person younger than that many whole
    years on the day judged (the day the step is stated to happen)."""

    field: str
    equals: Value | None = None
    one_of: tuple[Value, ...] = ()
    not_equals: Value | None = None
    age_below: int | None = None

    def holds(self, data: Mapping[str, object], on: date | None = None) -> bool:
        """Whether the condition holds on `data`; an age is judged on `on` (None: not judged,
        only whether a date of birth is recorded)."""
        value = data.get(self.field)
        if self.age_below is not None:
            if not isinstance(value, str):  # not recorded, or erased: the age is unknown
                return False
            return on is None or age(date.fromisoformat(value), on) < self.age_below
        if self.not_equals is not None:
            return type(value) is type(self.not_equals) and value != self.not_equals
        wanted = self.one_of or (self.equals,)
        return any(type(value) is type(w) and value == w for w in wanted)

    def facts(self, on: date | None = None) -> dict[str, object]:
        """The condition as a refusal names it (`{"field": "is_child", "equals": true}`, a list
        under `one_of`; an age with the day `on` it was judged on)."""
        if self.age_below is not None:
            day = {"on": on.isoformat()} if on is not None else {}
            return {"field": self.field, "age_below": self.age_below, **day}
        if self.not_equals is not None:
            return {"field": self.field, "not_equals": self.not_equals}
        if self.one_of:
            return {"field": self.field, "one_of": list(self.one_of)}
        return {"field": self.field, "equals": self.equals}

    def __str__(self) -> str:
        if self.age_below is not None:
            return f"{self.field} younger than {self.age_below}"
        if self.not_equals is not None:
            return f"{self.field} != {json.dumps(self.not_equals)}"
        if self.one_of:  # `first_responder_type = "police" / "local_authority"`
            return f"{self.field} = {' / '.join(json.dumps(v) for v in self.one_of)}"
        return f"{self.field} = {json.dumps(self.equals)}"


@dataclass(frozen=True)
class ValueCondition:
    """A value of a step's enum field that may be recorded only while `conditions` hold on the
    case's data (a local-authority panel as the deciding authority only for a child)."""

    field: str
    value: str
    conditions: tuple[ConditionSpec, ...]


@dataclass(frozen=True)
class LimitSpec:
    """A bound on a date a step records in `field`: not later than (`at_most`) or not earlier
    than (`at_least`) a reference date moved by a term. The reference (`after`) is a date the
    case recorded before the step (a field's latest value) or `$step`, the day the step is
    stated to happen; a limit whose dates are not both known is not judged."""

    field: str
    bound: str
    """`at_most` or `at_least`."""
    after: str
    years: int = 0
    months: int = 0
    days: int = 0
    source: str = ""

    def term(self) -> str:
        """The term in words (`1 year`, `2 years 3 days`, `0 days`)."""
        parts = [(self.years, "year"), (self.months, "month"), (self.days, "day")]
        said = [f"{n} {unit}{'' if n == 1 else 's'}" for n, unit in parts if n]
        return " ".join(said) or "0 days"


@dataclass(frozen=True)
class WithheldSpec:
    """Fields a case may not hold (nor a step record) while it is, or a step moves it, in one of
    `states`, unless one of the flags `unless` is set, on a case where `when` holds: what
    identifies an adult who has not consented to be referred. An erased value is not held, nor
    is one a case already held where it stands (decisions.check_withheld)."""

    fields: tuple[str, ...]
    states: tuple[str, ...]
    unless: tuple[str, ...] = ()
    when: tuple[ConditionSpec, ...] = ()
    source: str = ""


def withheld_problems(
    rules: Iterable[WithheldSpec], state: str, flags: Iterable[str], data: Mapping[str, object]
) -> list[FieldProblem]:
    """The fields `data` (the case's, with the step's) holds that the rules withhold from a
    case in `state` with `flags` (both as the step leaves them)."""
    held_flags = set(flags)
    problems: list[FieldProblem] = []
    for rule in rules:
        if state not in rule.states or held_flags & set(rule.unless) or unmet(rule.when, data):
            continue
        for name in rule.fields:
            value = data.get(name)
            if value is None or is_marker(value):
                continue
            unless = " or ".join(rule.unless) or "nothing"
            message = f"may not be recorded on this case until {unless} is recorded: {rule.source}"
            params = {"rule": rule.source, "unless": list(rule.unless)}
            problems.append(FieldProblem(f"data.{name}", message, "withheld", params))
    return problems


def withheld_fields(
    rules: Iterable[WithheldSpec], state: str, flags: Iterable[str], data: Mapping[str, object]
) -> set[str]:
    """The names of the fields `withheld_problems` finds (what to leave out of a step's data)."""
    return {p.path.removeprefix("data.") for p in withheld_problems(rules, state, flags, data)}


STEP_DAY = "$step"
"""A limit's `after`: the day the step itself is stated to happen."""


def unmet(
    conditions: Iterable[ConditionSpec], data: Mapping[str, object], on: date | None = None
) -> list[ConditionSpec]:
    """The conditions that do not hold on `data` (ages judged on `on`)."""
    return [condition for condition in conditions if not condition.holds(data, on)]


def value_problems(
    rules: Iterable[ValueCondition], recorded: Mapping[str, object], case: Mapping[str, object]
) -> list[FieldProblem]:
    """The values a step records (`recorded`) whose conditions do not hold on the case's data
    as it stood before the step (`case`)."""
    problems = []
    for rule in rules:
        if recorded.get(rule.field) != rule.value or not (missing := unmet(rule.conditions, case)):
            continue
        wanted = ", ".join(str(c) for c in missing)
        message = f"'{rule.value}' may be recorded only for cases where {wanted}"
        params = {"value": rule.value, "unmet": [c.facts() for c in missing]}
        problems.append(FieldProblem(f"data.{rule.field}", message, "value_condition", params))
    return problems


def offered_fields(
    fields: tuple[FieldSpec, ...], rules: Iterable[ValueCondition], case: Mapping[str, object]
) -> tuple[FieldSpec, ...]:
    """The step's fields as offered on a case: without the values it may not record there."""
    barred: dict[str, set[str]] = {}
    for rule in rules:
        if unmet(rule.conditions, case):
            barred.setdefault(rule.field, set()).add(rule.value)
    if not barred:
        return fields
    return tuple(
        replace(f, values=tuple(v for v in f.values if v not in barred[f.name]))
        if f.name in barred
        else f
        for f in fields
    )


def limit_problems(
    limits: tuple[LimitSpec, ...],
    recorded: Mapping[str, object],
    earlier: Mapping[str, object],
    on: date,
) -> list[FieldProblem]:
    """What the dates a step records (`recorded`) break of its limits, on a case that recorded
    `earlier` before it, the step happening on `on`."""
    problems: list[FieldProblem] = []
    for limit in limits:
        value = as_date(recorded.get(limit.field))
        start = on if limit.after == STEP_DAY else as_date(earlier.get(limit.after))
        if value is None or start is None:
            continue
        bound = add_months(start, limit.years * 12 + limit.months) + timedelta(days=limit.days)
        late = limit.bound == "at_most" and value > bound
        if late or (limit.bound == "at_least" and value < bound):
            problems.append(_problem(limit, bound))
    return problems


def _problem(limit: LimitSpec, bound: date) -> FieldProblem:
    after = "the day of the step" if limit.after == STEP_DAY else limit.after
    words = "on or before" if limit.bound == "at_most" else "on or after"
    code = "after_limit" if limit.bound == "at_most" else "before_limit"
    message = f"must be {words} {bound.isoformat()} ({limit.term()} after {after})"
    params = {"limit": bound.isoformat(), "term": limit.term(), "after": limit.after}
    return FieldProblem(f"data.{limit.field}", message, code, params)
