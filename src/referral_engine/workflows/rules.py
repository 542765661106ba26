"""The meaning checks of the rules steps and deadlines carry on the case's data: conditions
(`when`, also on `referrals.allowed_in` and on deadlines), bounds on recorded dates (`limits`),
deadlines' terms (`days` or `months`, `within`), and triggers declared more than once (meant:
once per source state, recording one event; refused otherwise)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from referral_engine.domain.conditions import STEP_DAY
from referral_engine.workflows.graph import sources_of
from referral_engine.workflows.model import (
    AllowedInModel,
    ConditionModel,
    DeadlineModel,
    TransitionModel,
    WorkflowModel,
)

SHORTEST_MONTH = 28
LONGEST_MONTH = 31


def condition_problems(model: WorkflowModel) -> list[str]:
    """A condition compares one recorded case field (a referral's too, for a referral's step
    or clock) with a value of its type, or takes the age of a date of birth."""
    case_fields = _declared([model.opening, *model.transitions])
    referral_fields = dict(case_fields)
    owned: list[tuple[str, list[ConditionModel], Mapping[str, list[Any]]]] = [
        (f"transitions[{i}].when", t.when, case_fields) for i, t in enumerate(model.transitions)
    ]
    if model.referrals is not None:
        r = model.referrals
        for name, sent in _declared([r.send]).items():
            referral_fields[name] = [*referral_fields.get(name, []), *sent]
        owned += [
            (f"referrals.transitions[{i}].when", t.when, referral_fields)
            for i, t in enumerate(r.transitions)
        ]
        owned += [
            (f"referrals.allowed_in[{i}].when", a.when, case_fields)
            for i, a in enumerate(r.allowed_in)
            if isinstance(a, AllowedInModel)
        ]
    owned += [(f"withheld[{i}].when", w.when, case_fields) for i, w in enumerate(model.withheld)]
    referral_events = _referral_events(model)
    owned += [
        (
            f"deadlines[{i}].when",
            d.when,
            referral_fields if referral_events & set(d.starts_on) else case_fields,
        )
        for i, d in enumerate(model.deadlines)
    ]
    steps = [(f"transitions[{i}]", t) for i, t in enumerate(model.transitions)]
    if model.referrals is not None:
        steps += [
            (f"referrals.transitions[{i}]", t) for i, t in enumerate(model.referrals.transitions)
        ]
    owned += [
        (f"{prefix}.fields.{name}.values_when.{value}", conditions, case_fields)
        for prefix, t in steps
        for name, f in t.fields.items()
        for value, conditions in f.values_when.items()
    ]
    problems = _values_when_problems(model, steps)
    for prefix, conditions, declared in owned:
        for j, condition in enumerate(conditions):
            fields = declared.get(condition.field)
            if not fields:
                found = f"field: '{condition.field}' is not recorded by the opening or a case step"
            else:
                found = next(filter(None, (_comparable(f, condition) for f in fields)), "")
            if found:
                problems.append(f"{prefix}[{j}].{found}")
    return problems


def _values_when_problems(
    model: WorkflowModel, steps: list[tuple[str, TransitionModel]]
) -> list[str]:
    """Conditions on values are taken by an enum field's own values, of a step after the
    opening."""
    problems: list[str] = []
    for prefix, t in steps:
        for name, f in t.fields.items():
            path = f"{prefix}.fields.{name}.values_when"
            if f.values_when and f.type != "enum":
                problems.append(f"{path}: only an enum field's values take conditions")
            problems += [
                f"{path}.{value}: not one of the field's values"
                for value in f.values_when
                if value not in f.values
            ]
    fixed = [("opening", model.opening.fields)]
    if model.referrals is not None:
        fixed.append(("referrals.send", model.referrals.send.fields))
    problems += [
        f"{prefix}.fields.{name}.values_when: only the values of a step after the opening take "
        "conditions on the case"
        for prefix, fields in fixed
        for name, f in fields.items()
        if f.values_when
    ]
    return problems


def limit_problems(model: WorkflowModel) -> list[str]:
    """A limit bounds a date field of its own case step, counting from the step's day or from a
    date the case records."""
    dates = {n for n, fs in _declared([model.opening, *model.transitions]).items() if _dates(fs)}
    problems: list[str] = []
    for i, t in enumerate(model.transitions):
        for j, limit in enumerate(t.limits):
            path = f"transitions[{i}].limits[{j}]"
            own = t.fields.get(limit.field)
            if own is None or own.type != "date":
                problems.append(f"{path}.field: '{limit.field}' is not a date field of this step")
            for key, bound in (("at_most", limit.at_most), ("at_least", limit.at_least)):
                if bound is not None and bound.after != STEP_DAY and bound.after not in dates:
                    problems.append(
                        f"{path}.{key}.after: '{bound.after}' is neither {STEP_DAY} nor a date "
                        "field recorded by the opening or a case step"
                    )
    if model.referrals is not None:
        problems += [
            f"referrals.transitions[{i}].limits: only case steps bound the dates they record"
            for i, t in enumerate(model.referrals.transitions)
            if t.limits
        ]
    return problems


def term_problems(model: WorkflowModel) -> list[str]:
    """A deadline runs `within` another only if that one exists and every term declared within
    it, in calendar days or months, fits together into its shortest span."""
    by_name = {d.name: d for d in model.deadlines}
    inside: dict[str, list[DeadlineModel]] = {}
    problems: list[str] = []
    for i, d in enumerate(model.deadlines):
        if d.within is None:
            continue
        outer = by_name.get(d.within)
        if outer is None or outer is d:
            problems.append(f"deadlines[{i}].within: no other deadline is named '{d.within}'")
        elif d.calendar == "working":
            problems.append(
                f"deadlines[{i}].within: a term in working days cannot be checked to fit "
                f"inside '{d.within}'; give it in calendar days"
            )
        else:
            inside.setdefault(d.within, []).append(d)
    for name, terms in inside.items():
        outer = by_name[name]
        span = outer.days if outer.days is not None else (outer.months or 0) * SHORTEST_MONTH
        total = sum(
            t.days if t.days is not None else (t.months or 0) * LONGEST_MONTH for t in terms
        )
        if total > span:
            listed = ", ".join(t.name for t in terms)
            problems.append(
                f"deadlines: the terms within '{name}' ({listed}) add up to {total} days, more "
                f"than its shortest span of {span} days"
            )
    return problems


def repeated_trigger_problems(model: WorkflowModel) -> list[str]:
    """A trigger declared again must record the same event (a trigger is one kind of step);
    declared again from a state it already leaves is refused by the machine checks."""
    problems: list[str] = []
    for prefix, transitions, _ in _machines(model):
        for trigger, declared in _repeated(transitions).items():
            events = list(dict.fromkeys(t.event for t in declared))
            if len(events) > 1:
                problems.append(
                    f"{prefix}transitions: trigger '{trigger}' is declared {len(declared)} times "
                    f"recording different events ({', '.join(events)}): a mistake, a trigger "
                    "records one event; give the other step a trigger of its own"
                )
    return problems


def repeated_triggers(model: WorkflowModel) -> list[str]:
    """Triggers declared more than once as meant: once per source state, one event (what
    `workflows validate` says of a valid file)."""
    notes: list[str] = []
    for prefix, transitions, live in _machines(model):
        for trigger, declared in _repeated(transitions).items():
            sources = "; ".join(", ".join(sources_of(t.source, live)) for t in declared)
            notes.append(
                f"{prefix}transitions: trigger '{trigger}' is declared {len(declared)} times, "
                f"once per source state ({sources}): meant"
            )
    return notes


def service_targets(model: WorkflowModel) -> list[str]:
    """Every deadline whose term no legal text confirms (`service_target: true`), with its
    source (what `workflows lint` lists, without counting them as findings)."""
    return [
        f"deadlines.{d.name}: {_term(d)} is a service target, not a legal term ({d.source})"
        for d in model.deadlines
        if d.service_target
    ]


def _span(d: DeadlineModel, month: int) -> int:
    """A term in days, a month counted as `month` days."""
    return d.days if d.days is not None else (d.months or 0) * month


def _term(d: DeadlineModel) -> str:
    if d.months is not None:
        return f"{d.months} month{'s' if d.months != 1 else ''}"
    unit = "working day" if d.calendar == "working" else "day"
    return f"{d.days} {unit}{'s' if d.days != 1 else ''}"


def _machines(
    model: WorkflowModel,
) -> list[tuple[str, Sequence[TransitionModel], list[str]]]:
    live = [n for n, s in model.states.items() if not s.terminal]
    machines: list[tuple[str, Sequence[TransitionModel], list[str]]] = [
        ("", model.transitions, live)
    ]
    if model.referrals is not None:
        r = model.referrals
        ref_live = [n for n, s in r.states.items() if not s.terminal]
        machines.append(("referrals.", r.transitions, ref_live))
    return machines


def _repeated(transitions: Sequence[TransitionModel]) -> dict[str, list[TransitionModel]]:
    by_trigger: dict[str, list[TransitionModel]] = {}
    for t in transitions:
        by_trigger.setdefault(t.trigger, []).append(t)
    return {trigger: ts for trigger, ts in by_trigger.items() if len(ts) > 1}


def _declared(steps: Sequence[Any]) -> dict[str, list[Any]]:
    declared: dict[str, list[Any]] = {}
    for step in steps:
        for name, f in step.fields.items():
            declared.setdefault(name, []).append(f)
    return declared


def _dates(fields: list[Any]) -> bool:
    return all(f.type == "date" for f in fields)


def _referral_events(model: WorkflowModel) -> set[str]:
    if model.referrals is None:
        return set()
    return {model.referrals.send.event, *(t.event for t in model.referrals.transitions)}


def _comparable(field: Any, condition: ConditionModel) -> str | None:
    """Why `condition` can never hold on a recorded value of `field`, or None when it can."""
    if condition.age_below is not None:
        if field.type != "date":
            return "age_below: an age is taken of a date field (a date of birth)"
        return None  # personal, yet needed: after an erasure the age is unknown, never met
    if field.pii:
        return "field: personal data may not decide a step (erasing it would change the rule)"
    if field.type == "enum_list":
        return "field: an enum_list field holds a list; a condition compares one value"
    key = "equals" if condition.equals is not None else "not_equals"
    values = condition.one_of or [getattr(condition, key)]
    key = "one_of" if condition.one_of else key
    wanted = {"bool": bool, "int": int}.get(field.type, str)
    for value in values:
        if type(value) is not wanted:
            return f"{key}: {json.dumps(value)} is not a {field.type} value"
        if field.type == "enum" and value not in field.values:
            return f"{key}: not one of the field's values: " + ", ".join(field.values)
    return None
