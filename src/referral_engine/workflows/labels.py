"""A workflow's words in other languages: the optional `labels:` block of a workflow file.

The file's own titles are its English words. `labels.<language>` gives another language's words
for the same things, each keyed by the name it labels (a state, a trigger, a field of a step, an
enum value, a role, a deadline); whatever it leaves out is shown in English. The loader checks
the block's structure; `workflows lint` names a label of a name the file does not declare (a
typo would otherwise silently fall back to English) and, with `--labels`, lists what a language
still lacks.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from referral_engine.workflows.model import LanguageLabels, StepLabels, WorkflowModel

BASE_LANGUAGE = "en"
"""The language of the file's own titles."""


def label_problems(model: WorkflowModel) -> list[str]:
    """What makes the labels unusable: labels for the base language."""
    return [
        f"labels.{lang}: the file's own titles are its English labels"
        for lang in model.labels
        if lang == BASE_LANGUAGE
    ]


def label_findings(model: WorkflowModel) -> list[str]:
    """Lint findings: labels of names the file does not declare (a typo, or a name a new
    version dropped: never shown)."""
    findings: list[str] = []
    for lang, labels in model.labels.items():
        for where, names, known, what in _named(model, labels) if lang != BASE_LANGUAGE else ():
            findings += [
                f"labels.{lang}.{where}.{name}: no {what} named '{name}' in this file"
                for name in names
                if name not in known
            ]
    return findings


def label_gaps(model: WorkflowModel) -> list[str]:
    """What each language of the file does not label yet (`workflows lint --labels`)."""
    return [
        f"labels.{lang}: no label for {key} (shown in English)"
        for lang, labels in model.labels.items()
        if lang != BASE_LANGUAGE
        for key in label_keys(model)
        if key not in flatten(labels)
    ]


def all_labels(model: WorkflowModel) -> dict[str, dict[str, str]]:
    """Language -> label key -> text, the form the engine keeps (see `label_keys`)."""
    return {lang: flatten(labels) for lang, labels in model.labels.items()}


def flatten(labels: LanguageLabels) -> dict[str, str]:
    """One language's labels under flat keys: `state.screened`, `step.grant_status`,
    `step.grant_status.valid_until`, `referral.send`, `value.police`, ..."""
    flat = {"title": labels.title, "description": labels.description, "source": labels.source}
    flat |= {f"role.{k}": v for k, v in labels.roles.items()}
    flat |= {f"state.{k}": v for k, v in labels.states.items()}
    flat |= _step("opening", labels.opening)
    for trigger, step in labels.transitions.items():
        flat |= _step(f"step.{trigger}", step)
    flat |= _step("referral.send", labels.referrals.send)
    flat |= {f"referral.state.{k}": v for k, v in labels.referrals.states.items()}
    for trigger, step in labels.referrals.transitions.items():
        flat |= _step(f"referral.step.{trigger}", step)
    for name, deadline in labels.deadlines.items():
        flat |= {f"deadline.{name}": deadline.title, f"deadline.{name}.source": deadline.source}
    flat |= {f"value.{k}": v for k, v in labels.values.items()}
    return {k: v for k, v in flat.items() if v}


def label_keys(model: WorkflowModel) -> Iterator[str]:
    """Every key a complete language would label, in file order."""
    yield from ("title", "description", "source")
    yield from (f"role.{r}" for r in model.roles)
    yield from (f"state.{s}" for s in model.states)
    yield from _step_keys("opening", [model.opening])
    for trigger in dict.fromkeys(t.trigger for t in model.transitions):
        yield from _step_keys(f"step.{trigger}", _declared(model.transitions, trigger))
    if model.referrals is not None:
        r = model.referrals
        yield from _step_keys("referral.send", [r.send])
        yield from (f"referral.state.{s}" for s in r.states)
        for trigger in dict.fromkeys(t.trigger for t in r.transitions):
            yield from _step_keys(f"referral.step.{trigger}", _declared(r.transitions, trigger))
    for d in model.deadlines:
        yield from (f"deadline.{d.name}", f"deadline.{d.name}.source")
    yield from (f"value.{v}" for v in dict.fromkeys(_values(model)))


def _step(prefix: str, step: StepLabels) -> dict[str, str]:
    return {prefix: step.title, **{f"{prefix}.{k}": v for k, v in step.fields.items()}}


def _step_keys(prefix: str, declarations: Iterable[Any]) -> Iterator[str]:
    declarations = list(declarations)
    if any(d.title for d in declarations):
        yield prefix
    for name in dict.fromkeys(n for d in declarations for n in d.fields):
        yield f"{prefix}.{name}"


def _declared(transitions: Iterable[Any], trigger: str) -> list[Any]:
    return [t for t in transitions if t.trigger == trigger]


def _steps(model: WorkflowModel) -> Iterator[Any]:
    yield model.opening
    yield from model.transitions
    if model.referrals is not None:
        yield model.referrals.send
        yield from model.referrals.transitions


def _values(model: WorkflowModel) -> Iterator[str]:
    for step in _steps(model):
        for f in step.fields.values():
            yield from f.values
    if model.transfers is not None:  # their reasons are labelled as values too
        yield from model.transfers.reasons
        yield from model.transfers.refusal_reasons


def _named(
    model: WorkflowModel, labels: LanguageLabels
) -> Iterator[tuple[str, Iterable[str], Mapping[str, Any] | set[str], str]]:
    """(path, names labelled, names declared, what they are) for each part of the labels."""
    yield "roles", labels.roles, model.roles, "role"
    yield "states", labels.states, model.states, "state"
    yield "opening.fields", labels.opening.fields, model.opening.fields, "field"
    triggers = {t.trigger for t in model.transitions}
    yield "transitions", labels.transitions, triggers, "trigger"
    for trigger, step in labels.transitions.items():
        fields = {n for t in _declared(model.transitions, trigger) for n in t.fields}
        yield f"transitions.{trigger}.fields", step.fields, fields, "field"
    r = model.referrals
    yield "referrals.send.fields", labels.referrals.send.fields, r.send.fields if r else {}, "field"
    yield "referrals.states", labels.referrals.states, r.states if r else {}, "referral state"
    ref_triggers = {t.trigger for t in r.transitions} if r else set()
    yield "referrals.transitions", labels.referrals.transitions, ref_triggers, "trigger"
    for trigger, step in labels.referrals.transitions.items():
        fields = {n for t in _declared(r.transitions if r else [], trigger) for n in t.fields}
        yield f"referrals.transitions.{trigger}.fields", step.fields, fields, "field"
    yield "deadlines", labels.deadlines, {d.name for d in model.deadlines}, "deadline"
    yield "values", labels.values, set(_values(model)), "enum value"
