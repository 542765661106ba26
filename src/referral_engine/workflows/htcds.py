"""The meaning checks of a file's `htcds:` block (docs/workflows.md, "HTCDS export"): every
field named is the standard's (domain/htcds.py) and no direct identifier; a workflow field read is
declared, never personal, coded (an enum, a list, a country, a yes/no, a derived age band or
country) and every one of its values lands in the standard's picklist or type (an age in years
goes to no field: the standard's age field is not transcribed); steps, states and dates name what
the workflow has; every value written is one the standard allows."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from referral_engine.domain.htcds import FIELDS, HtcdsField
from referral_engine.domain.htcds_mapping import OPENED, OTHER
from referral_engine.domain.reporting import CITIZENSHIPS
from referral_engine.domain.workflow import MILESTONES
from referral_engine.workflows.model import HtcdsFieldModel, HtcdsModel, WorkflowModel
from referral_engine.workflows.reporting import (
    DERIVED,
    DERIVED_AGE,
    DERIVED_COUNTRY,
    declarations,
)

CODED = frozenset({"enum", "enum_list", "country", "bool", DERIVED, DERIVED_AGE, DERIVED_COUNTRY})


def htcds_problems(model: WorkflowModel, events: set[str]) -> list[str]:
    """Every problem of the block, each with its path."""
    h = model.htcds
    if h is None:
        return []
    problems: list[str] = []
    seen: dict[str, str] = {}
    for section, names in _sections(h):
        for name in names:
            path = f"htcds.{section}.{name}"
            if name in seen:
                problems.append(f"{path}: already given under htcds.{seen[name]}")
            seen.setdefault(name, section)
            problems += _known(path, name)
    if problems:
        return problems
    declared = declarations(model)
    for name, mapped in h.fields.items():
        if isinstance(mapped, str):
            mapped = HtcdsFieldModel(field=mapped)
        problems += _field_problems(f"htcds.fields.{name}", FIELDS[name], mapped, declared)
    marks = {OPENED, *MILESTONES, *events}
    for name, by in h.steps.items():
        path = f"htcds.steps.{name}"
        problems += _picklist_only(path, FIELDS[name])
        problems += [
            f"{path}.{m}: not a milestone, an event of this workflow or $opened"
            for m in by
            if m not in marks
        ]
        problems += _values(path, FIELDS[name], by.items())
    for name, by in h.states.items():
        path = f"htcds.states.{name}"
        problems += _picklist_only(path, FIELDS[name])
        problems += [
            f"{path}.{s}: unknown state" for s in by if s not in model.states and s != OTHER
        ]
        problems += _values(path, FIELDS[name], by.items())
    for name, mark in h.dates.items():
        path = f"htcds.dates.{name}"
        if FIELDS[name].kind != "date":
            problems.append(f"{path}: not a date field of the standard")
        if mark not in marks:
            problems.append(
                f"{path}: '{mark}' is not a milestone, an event of this workflow or $opened"
            )
    for name, value in h.constants.items():
        path = f"htcds.constants.{name}"
        problems += _picklist_only(path, FIELDS[name])
        problems += _values("htcds.constants", FIELDS[name], [(name, value)])
    return problems


def _sections(h: HtcdsModel) -> list[tuple[str, Iterable[str]]]:
    return [
        ("fields", h.fields),
        ("steps", h.steps),
        ("states", h.states),
        ("dates", h.dates),
        ("constants", h.constants),
    ]


def _known(path: str, name: str) -> list[str]:
    found = FIELDS.get(name)
    if found is None:
        known = ", ".join(n for n, f in FIELDS.items() if not f.identifying)
        return [f"{path}: not a field of the HTCDS (domain/htcds.py); known: {known}"]
    if found.identifying:
        return [f"{path}: a direct identifier or free text of the standard: never exported"]
    return []


def _picklist_only(path: str, target: HtcdsField) -> list[str]:
    if target.kind not in ("picklist", "country"):
        return [f"{path}: only a picklist field of the standard takes a value here"]
    return []


def _values(path: str, target: HtcdsField, pairs: Iterable[tuple[str, str]]) -> list[str]:
    return [
        f"{path}.{key}: '{value}' is not a value of {target.name}"
        for key, value in pairs
        if value != "" and not target.allows(value)
    ]


def _field_problems(
    path: str, target: HtcdsField, mapped: HtcdsFieldModel, declared: dict[str, list[Any]]
) -> list[str]:
    fields = declared.get(mapped.field)
    if not fields:
        return [f"{path}: no step declares a field '{mapped.field}'"]
    if any(f.pii for f in fields):
        return [f"{path}: '{mapped.field}' is personal data and is never exported"]
    types = {f.type for f in fields}
    if not types <= CODED:
        found = ", ".join(sorted(types))
        return [f"{path}: '{mapped.field}' is {found}; only coded fields are exported"]
    if target.kind == "date":
        return [f"{path}: a date of the standard is given under htcds.dates"]
    if DERIVED_AGE in types:
        return [
            f"{path}: '{mapped.field}' is an age in years, and no field of the standard as "
            "transcribed takes one (docs/htcds.md)"
        ]
    values = _recorded_values(fields, types)
    problems = [
        f"{path}.values.{v}: '{mapped.field}' has no value '{v}'"
        for v in mapped.values
        if v not in values
    ]
    out = {v: mapped.values.get(v, v) for v in values}
    problems += [
        f"{path}.values: '{v}' of '{mapped.field}' becomes '{to}', not a value of "
        f"{target.name}; map it under `values:` ('' for not recorded)"
        for v, to in out.items()
        if to != "" and not target.allows(to)
    ]
    return problems


def _recorded_values(fields: list[Any], types: set[str]) -> list[str]:
    """Every value the workflow field can hold, as the mapping's keys name them."""
    values = list(dict.fromkeys(v for f in fields for v in getattr(f, "values", ()) or ()))
    if "country" in types:
        values += [c for c in CITIZENSHIPS if c not in values]
    if "bool" in types:
        values += ["true", "false"]
    return values
