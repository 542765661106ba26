"""The meaning checks of a file's reporting: milestones naming real events, report fields read
from non-personal fields whose values all map to the reporting vocabulary, derived facts read
from declared dates."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from referral_engine.domain.reporting import AGE_BANDS, COUNTRIES, VOCABULARY
from referral_engine.domain.workflow import MILESTONES, OPENED, REPORT_FIELDS
from referral_engine.workflows.graph import unknown
from referral_engine.workflows.model import ReportFieldModel, WorkflowModel

DERIVED = "derived"
"""The type a derived fact (an age band) has for the checks here."""
TYPES: dict[str, tuple[str, ...]] = {
    "sex": ("enum",),
    "citizenship": ("country", "enum"),
    "exploitation_forms": ("enum", "enum_list"),
    "age_at_identification": (DERIVED, "enum"),
    "age_at_exploitation": (DERIVED, "enum"),
    "child": ("bool",),
    "screening_actor": ("enum",),
    "indicators": ("enum_list",),
    "closure_outcome": ("enum",),
    "follow_up_outcome": ("enum",),
    "feedback_rating": ("enum",),
    "feedback_reasons": ("enum_list",),
}
"""The field types each report field may be read from (fields not listed: any type)."""


def reporting_problems(model: WorkflowModel, events: set[str]) -> list[str]:
    """Milestones must be known and name real events; report fields must be known, never
    personal, of a fitting type, and map every value of their field into the vocabulary."""
    problems: list[str] = []
    for milestone, listed in model.reporting.milestones.items():
        path = f"reporting.milestones.{milestone}"
        if milestone not in MILESTONES:
            problems.append(f"{path}: unknown milestone; known: " + ", ".join(MILESTONES))
        problems += unknown(path, listed, events, "event")
    declared = declarations(model)
    for key, mapped in model.reporting.fields.items():
        path = f"reporting.fields.{key}"
        if isinstance(mapped, str):
            mapped = ReportFieldModel(field=mapped)
        if key not in REPORT_FIELDS:
            problems.append(f"{path}: unknown report field; known: " + ", ".join(REPORT_FIELDS))
            continue
        fields = declared.get(mapped.field)
        if not fields:
            problems.append(f"{path}: no step declares a field '{mapped.field}'")
        elif any(f.pii for f in fields):
            problems.append(f"{path}: '{mapped.field}' is personal data and may not be reported")
        else:
            problems += _field_problems(path, key, mapped, fields)
    return problems


def _field_problems(path: str, key: str, mapped: ReportFieldModel, fields: list[Any]) -> list[str]:
    types = {f.type for f in fields}
    wanted = TYPES.get(key)
    if wanted is not None and not types <= set(wanted):
        found = ", ".join(sorted(types))
        return [f"{path}: '{mapped.field}' is {found}; {key} is read from " + " or ".join(wanted)]
    if mapped.values and not types <= {"enum", "enum_list"}:
        return [f"{path}.values: only the values of an enum or enum_list field can be mapped"]
    values = list(dict.fromkeys(v for f in fields for v in f.values))
    problems = [
        f"{path}.values.{v}: '{mapped.field}' has no value '{v}'"
        for v in mapped.values
        if v not in values
    ]
    vocabulary = VOCABULARY.get(key)
    if vocabulary is not None:
        problems += [
            f"{path}.values.{v}: '{to}' is not in the {key} vocabulary; known: "
            + ", ".join(vocabulary)
            for v, to in mapped.values.items()
            if to not in vocabulary
        ]
    for v in values:
        if mapped.values and v not in mapped.values:
            problems.append(f"{path}.values: the value '{v}' of '{mapped.field}' is not mapped")
        elif not mapped.values and vocabulary is not None and v not in vocabulary:
            problems.append(
                f"{path}: the value '{v}' of '{mapped.field}' is not in the {key} vocabulary; "
                f"map it under `values:` (known: {', '.join(vocabulary)})"
            )
    return problems


def declarations(model: WorkflowModel) -> dict[str, list[Any]]:
    """Every declaration of each field name (a derived fact as one of type `derived`)."""
    steps: list[Any] = [model.opening, *model.transitions]
    if model.referrals is not None:
        steps += [model.referrals.send, *model.referrals.transitions]
    declared: dict[str, list[Any]] = {}
    for step in steps:
        for name, f in step.fields.items():
            declared.setdefault(name, []).append(f)
    for name, d in model.derived.items():
        declared.setdefault(name, []).append(_Derived(d.kind))
    return declared


DERIVED_AGE = "derived_age"
"""The type of an age in whole years derived (`age_of`): a number, no vocabulary."""
DERIVED_COUNTRY = "derived_country"
"""The type of a country derived from free text (`country_named_in`): an ISO 3166-1 code."""


class _Derived:
    pii = False

    def __init__(self, kind: str) -> None:
        self.type = {"age_band": DERIVED, "age": DERIVED_AGE}.get(kind, DERIVED_COUNTRY)
        self.values = {"age_band": AGE_BANDS, "age": ()}.get(kind, COUNTRIES)


def derived_problems(model: WorkflowModel) -> list[str]:
    """A derived fact is named apart from every field and read from case dates."""
    dates: dict[str, list[Any]] = {}
    case_steps: list[Any] = [model.opening, *model.transitions]
    for step in case_steps:
        for name, f in step.fields.items():
            dates.setdefault(name, []).append(f)
    problems: list[str] = []
    for name, d in model.derived.items():
        path = f"derived.{name}"
        if name in dates or _declared_elsewhere(model, name):
            problems.append(f"{path}: a step declares a field of this name")
        if d.kind == "country":
            problems += _text_problems(f"{path}.country_named_in", d.source, dates)
            continue
        of = "age_band_of" if d.kind == "age_band" else "age_of"
        for key, source in ((of, d.source), ("at", d.at or "")):
            if key == "at" and source == OPENED:
                continue
            problems += _date_problems(f"{path}.{key}", source, dates)
    return problems


def _text_problems(path: str, source: str, fields: Mapping[str, list[Any]]) -> list[str]:
    found = fields.get(source)
    if not found:
        return [f"{path}: '{source}' is not recorded by the opening or a case step"]
    if any(f.type not in ("string", "text") for f in found):
        return [f"{path}: '{source}' is not a free-text field"]
    return []


def _date_problems(path: str, source: str, dates: Mapping[str, list[Any]]) -> list[str]:
    found = dates.get(source)
    if not found:
        return [f"{path}: '{source}' is not recorded by the opening or a case step"]
    if any(f.type != "date" for f in found):
        return [f"{path}: '{source}' is not a date field"]
    return []


def _declared_elsewhere(model: WorkflowModel, name: str) -> bool:
    if model.referrals is None:
        return False
    steps: list[Any] = [model.referrals.send, *model.referrals.transitions]
    return any(name in step.fields for step in steps)
