"""Facts a step's data implies, derived when the step is decided and recorded with it: the age
of the person (a band, or whole years), from a personal date of birth that itself stays personal;
the country a personal free text names (its ISO 3166-1 code, "" for a text naming none)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from referral_engine.domain.country_names import country_named
from referral_engine.domain.errors import FieldProblem, InvalidData
from referral_engine.domain.reporting import age, age_band
from referral_engine.domain.workflow import OPENED, DerivedSpec


def derive(
    specs: tuple[DerivedSpec, ...],
    earlier: Mapping[str, object],
    recorded: Mapping[str, object],
    opened_on: date,
) -> dict[str, str]:
    """The derived facts a step recording `recorded` implies, on a case that recorded `earlier`
    before it (an opening: nothing), opened on `opened_on`. A fact is derived again whenever a
    step records one of its sources (the other taken from `earlier` when the step does not
    record it); one whose sources are not both known is left out."""
    derived: dict[str, str] = {}
    problems: list[FieldProblem] = []
    for spec in specs:
        if spec.kind == "country":
            text = recorded.get(spec.born)
            if isinstance(text, str):
                derived[spec.name] = country_named(text, spec.names)
            continue
        if not {spec.born, spec.on} & set(recorded):
            continue
        both = {**earlier, **recorded}
        born = _date(both.get(spec.born))
        on = opened_on if spec.on == OPENED else _date(both.get(spec.on))
        if born is None or on is None:
            continue
        if born > on:
            blamed = spec.born if spec.born in recorded else spec.on
            if any(p.path == f"data.{blamed}" for p in problems):
                continue  # the same dates, read for another fact (a band and whole years)
            when = "the day the case was opened" if spec.on == OPENED else spec.on
            problems.append(
                FieldProblem(
                    f"data.{blamed}",
                    f"the date of birth is after {when} ({on.isoformat()})",
                    "born_after",
                    {"on": when, "date": on.isoformat()},
                )
            )
            continue
        derived[spec.name] = age_band(born, on) if spec.kind == "age_band" else str(age(born, on))
    if problems:
        raise InvalidData(problems)
    return derived


def _date(value: object) -> date | None:
    """A recorded date (an erased or missing one: None)."""
    return date.fromisoformat(value) if isinstance(value, str) else None
