"""The meaning checks of dates that make sense (domain/date_rules.py): `not_after` and
`not_before` on date fields only, each naming `today`, `opened` or a date field the step can
compare with (a case step: the case's fields; a referral's step: those and the referral's; its
own name: its value recorded before), and `child_flag` on a date of birth, naming a yes/no
field of the case."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from referral_engine.domain.date_rules import CHILD_FLAG, NOT_AFTER, NOT_BEFORE, WORDS
from referral_engine.workflows.model import WorkflowModel

Declared = Mapping[str, list[Any]]
"""Field name -> its declarations."""


def date_rule_problems(model: WorkflowModel) -> list[str]:
    """Every problem of the date rules, each with its path."""
    case_steps: list[tuple[str, Any]] = [("opening", model.opening)]
    case_steps += [(f"transitions[{i}]", t) for i, t in enumerate(model.transitions)]
    case = _declared(step for _, step in case_steps)
    steps = [(path, step, case) for path, step in case_steps]
    if model.referrals is not None:
        r = model.referrals
        referral_steps: list[tuple[str, Any]] = [("referrals.send", r.send)]
        referral_steps += [(f"referrals.transitions[{i}]", t) for i, t in enumerate(r.transitions)]
        both = _declared([*(step for _, step in case_steps), *(s for _, s in referral_steps)])
        steps += [(path, step, both) for path, step in referral_steps]
    problems: list[str] = []
    for prefix, step, known in steps:
        for name, f in step.fields.items():
            problems += _field_problems(f"{prefix}.fields.{name}", f, known, case)
    return problems


def _declared(steps: Any) -> dict[str, list[Any]]:
    declared: dict[str, list[Any]] = {}
    for step in steps:
        for name, f in step.fields.items():
            declared.setdefault(name, []).append(f)
    return declared


def _field_problems(path: str, f: Any, known: Declared, case: Declared) -> list[str]:
    keys = [k for k in (NOT_AFTER, NOT_BEFORE, CHILD_FLAG) if getattr(f, k)]
    if keys and f.type != "date":
        return [f"{path}.{k}: only a date field takes {k} (this one is {f.type})" for k in keys]
    problems: list[str] = []
    for key in (NOT_AFTER, NOT_BEFORE):
        given: list[str] = getattr(f, key)
        for against in given:
            where = f"{path}.{key}"
            if given.count(against) > 1:
                problems.append(f"{where}: '{against}' is named more than once")
            elif against not in WORDS:
                problems += _date_field(where, against, known)
    if f.child_flag is not None:
        problems += _flag(f"{path}.{CHILD_FLAG}", f.child_flag, case)
    return sorted(set(problems), key=problems.index)


def _date_field(path: str, name: str, known: Declared) -> list[str]:
    found = known.get(name)
    if not found:
        words = ", ".join(WORDS)
        return [f"{path}: '{name}' is neither {words} nor a field this step can compare with"]
    if any(f.type != "date" for f in found):
        return [f"{path}: '{name}' is not a date field"]
    return []


def _flag(path: str, name: str, case: Declared) -> list[str]:
    found = case.get(name)
    if not found:
        return [f"{path}: unknown field '{name}' (the opening or a case step must record it)"]
    if any(f.type != "bool" for f in found):
        return [f"{path}: '{name}' is not a yes/no (bool) field"]
    if any(f.pii for f in found):
        return [f"{path}: '{name}' is personal data (erasing it would change the rule)"]
    return []
