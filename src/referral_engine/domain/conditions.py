"""Conditions on a case's recorded data: when a step is legal (`when`), and when a value of one
of its enum fields may be recorded (`values_when`). Pure: judged when a step is decided, never
on replay."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from referral_engine.domain.errors import FieldProblem
from referral_engine.domain.fields import FieldSpec

Value = bool | int | str


@dataclass(frozen=True)
class ConditionSpec:
    """A condition on the case's recorded data: `field` holds exactly `equals`, or (`one_of`)
    one of several values (a field not recorded holds nothing)."""

    field: str
    equals: Value | None = None
    one_of: tuple[Value, ...] = ()

    @property
    def wanted(self) -> Value | list[Value] | None:
        """The value the field must hold, or the list of those it may hold."""
        return list(self.one_of) if self.one_of else self.equals

    def holds(self, data: Mapping[str, object]) -> bool:
        value = data.get(self.field)
        wanted = self.one_of or (self.equals,)
        return any(type(value) is type(w) and value == w for w in wanted)

    def __str__(self) -> str:
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


def unmet(conditions: Iterable[ConditionSpec], data: Mapping[str, object]) -> list[ConditionSpec]:
    """The conditions that do not hold on `data`."""
    return [condition for condition in conditions if not condition.holds(data)]


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
        params = {"value": rule.value, "unmet": [(c.field, c.wanted) for c in missing]}
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
