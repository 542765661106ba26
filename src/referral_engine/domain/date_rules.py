"""Dates that make sense: the bounds a date field declares (`not_after`, `not_before`: the day
of the step, the day the case was opened, or a date field's value: another's, or its own as
recorded before) and a date of birth that agrees with the case's child flag on the day the case
was opened.

Every day is the workflow's local day (its calendar's time zone), and "today" is the day the
step took place: its stated day when it is backdated, which is never after the day it is
recorded, so a date "in the future" is refused either way, and a certificate stated as granted
on an earlier day may run from that day. The rules are judged when a step is decided, on the
values it records, never on replay. The days come from the command's own time (the engine's
clock, through the command's context), never from a clock of the domain's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from referral_engine.domain.errors import FieldProblem
from referral_engine.domain.fields import FieldSpec, JSONValue, Judge
from referral_engine.domain.reporting import age

TODAY = "today"
"""A bound: the day the step took place."""
OPENED = "opened"
"""A bound: the day the case was opened (for the opening itself, its own day)."""
WORDS = (TODAY, OPENED)
ADULT = 18
"""The age, on the day the case was opened, from which the person is not a child."""

NOT_AFTER, NOT_BEFORE, CHILD_FLAG = "not_after", "not_before", "child_flag"
CODES = {
    (NOT_AFTER, TODAY): "date_in_future",
    (NOT_AFTER, OPENED): "date_after_opened",
    (NOT_AFTER, None): "date_after_field",
    (NOT_BEFORE, TODAY): "date_in_past",
    (NOT_BEFORE, OPENED): "date_before_opened",
    (NOT_BEFORE, None): "date_before_field",
}
"""A bound's problem code, by its rule and what it is against (None: another field)."""
BIRTH_CODES = {True: "birth_date_child", False: "birth_date_adult"}


@dataclass(frozen=True)
class DateFacts:
    """What a step's dates are judged against: the local day it took place, the local day the
    case was opened, what the case (and, for a referral's step, that referral) recorded before,
    and the personal fields, whose values a refusal never repeats."""

    today: date
    opened: date
    recorded: Mapping[str, object] = field(default_factory=dict)
    personal: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Bound:
    """One limit on a date field: its `rule` (not_after or not_before) against `against`
    (today, opened or a field), which falls on `on`."""

    rule: str
    against: str
    on: date

    def allows(self, value: date) -> bool:
        return value <= self.on if self.rule == NOT_AFTER else value >= self.on

    def problem(self, name: str, facts: DateFacts) -> FieldProblem:
        """The refusal of field `name`'s value, naming the rule and what it is against (a
        personal field's value is never repeated, only its name)."""
        other = self.against not in WORDS
        code = CODES[(self.rule, None if other else self.against)]
        params: dict[str, object] = {"rule": self.rule, "against": self.against}
        shown = not (other and self.against in facts.personal)
        if shown:
            params["on"] = self.on.isoformat()
        later = "later" if self.rule == NOT_AFTER else "earlier"
        when = f" ({self.on.isoformat()})" if shown else ""
        if self.against == TODAY:
            what = f"{self.on.isoformat()}, the day the step took place"
        elif self.against == OPENED:
            what = f"{self.on.isoformat()}, the day the case was opened"
        else:
            what = f"{self.against}{when}"
        return FieldProblem(f"data.{name}", f"must not be {later} than {what}", code, params)


def bounds(spec: FieldSpec, data: Mapping[str, object], facts: DateFacts) -> list[Bound]:
    """The bounds of `spec` known for a step recording `data`: another field's from its value
    in `data`, else as the case recorded it; the field itself as the case recorded it before
    (an extension's new end not before the old one). A field not recorded, or erased, bounds
    nothing."""
    found = []
    for rule, against in (
        *((NOT_AFTER, a) for a in spec.not_after),
        *((NOT_BEFORE, a) for a in spec.not_before),
    ):
        if against == TODAY:
            on: date | None = facts.today
        elif against == OPENED:
            on = facts.opened
        elif against == spec.name or against not in data:  # itself: the value it replaces
            on = as_date(facts.recorded.get(against))
        else:
            on = as_date(data[against])
        if on is not None:
            found.append(Bound(rule, against, on))
    return found


def child_flag(spec: FieldSpec, data: Mapping[str, object], facts: DateFacts) -> bool | None:
    """Whether the person is recorded as a child by the field `spec.child_flag` names, in
    `data` or as the case recorded it (None: no flag, or not recorded)."""
    if spec.child_flag is None:
        return None
    flag = data.get(spec.child_flag, facts.recorded.get(spec.child_flag))
    return flag if isinstance(flag, bool) else None


def birth_window(child: bool, opened: date) -> tuple[date | None, date | None]:
    """The earliest and latest dates of birth of a child (under 18 on `opened`) or an adult
    (None: no limit on that side). Someone born on 29 February comes of age on 1 March."""
    try:
        coming_of_age = opened.replace(year=opened.year - ADULT)
    except ValueError:  # `opened` is 29 February: born on 28 February, 18 on the 29th
        coming_of_age = opened.replace(year=opened.year - ADULT, day=28)
    if child:
        return coming_of_age + timedelta(days=1), opened
    return None, coming_of_age


def window(
    spec: FieldSpec, data: Mapping[str, object], facts: DateFacts
) -> tuple[date | None, date | None]:
    """The earliest and latest values `spec` takes in a step recording `data` (None: no limit
    on that side; the earliest may lie after the latest when the rules cannot all be met)."""
    known = bounds(spec, data, facts)
    earliest = [b.on for b in known if b.rule == NOT_BEFORE]
    latest = [b.on for b in known if b.rule == NOT_AFTER]
    if (child := child_flag(spec, data, facts)) is not None:
        born = birth_window(child, facts.opened)
        earliest += [born[0]] if born[0] else []
        latest += [born[1]] if born[1] else []
    return max(earliest, default=None), min(latest, default=None)


def problems(
    fields: Sequence[FieldSpec], data: Mapping[str, JSONValue], facts: DateFacts
) -> list[FieldProblem]:
    """Every date of `data` (a step's valid values) that breaks a rule of its field."""
    found: list[FieldProblem] = []
    for spec in fields:
        value = as_date(data.get(spec.name)) if spec.type == "date" else None
        if value is None:
            continue
        found += [
            b.problem(spec.name, facts) for b in bounds(spec, data, facts) if not b.allows(value)
        ]
        # a birth after the opening is refused by its bounds or its derived age (born_after)
        if (child := child_flag(spec, data, facts)) is not None and value <= facts.opened:
            years = age(value, facts.opened)
            if (years < ADULT) != child:
                found.append(_birth_problem(spec, child, years, facts.opened))
    return found


def judge(fields: Sequence[FieldSpec], facts: DateFacts) -> Judge:
    """The rules of `fields` as check_data's judge of a step's valid values."""

    def judged(data: Mapping[str, JSONValue]) -> Iterable[FieldProblem]:
        return problems(fields, data, facts)

    return judged


def _birth_problem(spec: FieldSpec, child: bool, years: int, opened: date) -> FieldProblem:
    said = "a child" if child else "an adult"
    span = "less than" if child else "at least"
    message = (
        f"the person is recorded as {said} ({spec.child_flag}), so the date of birth must be "
        f"{span} {ADULT} years before {opened.isoformat()}, the day the case was opened"
    )
    params = {"rule": CHILD_FLAG, "flag": spec.child_flag, "on": opened.isoformat(), "age": years}
    return FieldProblem(f"data.{spec.name}", message, BIRTH_CODES[child], params)


def as_date(value: object) -> date | None:
    """A recorded date (a missing, erased or malformed one: None)."""
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None
