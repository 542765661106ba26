"""Forms generated from a workflow's field declarations, and submitted forms read back as data.

Reading a form only undoes what HTML does to values (everything arrives as text, unchecked boxes
do not arrive at all); whether a value is acceptable is decided by the domain's own field
checks, so a page and the JSON API refuse the same things with the same messages.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import FormData

from referral_engine.domain.errors import FieldProblem
from referral_engine.domain.fields import FieldSpec
from referral_engine.entrypoints.web import explain
from referral_engine.entrypoints.web.i18n import Translator
from referral_engine.entrypoints.web.i18n_reporting import citizenship_options
from referral_engine.entrypoints.web.workflow_text import WorkflowText

PREFIX = "data."
INPUT_TYPES = {"string": "text", "date": "date", "int": "number", "datetime": "text"}


@dataclass(frozen=True)
class Widget:
    """One field as the template draws it, worded in the reader's language."""

    spec: FieldSpec
    name: str
    id: str
    kind: str
    """text, textarea, number, date, select (enum and yes/no) or checkboxes (enum_list)."""
    value: Any
    errors: tuple[str, ...]
    label: str
    option_labels: Mapping[str, str]

    @property
    def options(self) -> tuple[str, ...]:
        if self.spec.type == "country":
            return tuple(self.option_labels)
        return ("true", "false") if self.spec.type == "bool" else self.spec.values

    @property
    def text(self) -> str:
        return "" if self.value is None else str(self.value)

    def selected(self, option: str) -> bool:
        if isinstance(self.value, bool):
            return option == ("true" if self.value else "false")
        if isinstance(self.value, list):
            return option in self.value
        return bool(self.value == option)


@dataclass(frozen=True)
class Form:
    """Whose words a step's form is drawn in: the workflow's, for one step, in one language."""

    text: WorkflowText
    t: Translator
    step_key: str
    """The step's label key (`opening`, `step.grant_status`, `referral.send`, ...)."""


def widgets(
    fields: Sequence[FieldSpec],
    form_id: str,
    form: Form,
    values: Mapping[str, Any] | None = None,
    problems: Iterable[FieldProblem] = (),
) -> list[Widget]:
    """The widgets of a step's fields, refilled with what was submitted and its errors."""
    values = values or {}
    errors: dict[str, list[str]] = {}
    for p in problems:
        worded = explain.field_problem(p, form.t, form.text)
        errors.setdefault(p.path.removeprefix(PREFIX), []).append(worded)
    return [
        Widget(
            spec=f,
            name=PREFIX + f.name,
            id=f"{form_id}-{f.name}",
            kind=_kind(f),
            value=values.get(f.name),
            errors=tuple(errors.get(f.name, ())),
            label=form.text.field(f, form.step_key),
            option_labels=_option_labels(f, form),
        )
        for f in fields
    ]


def _option_labels(spec: FieldSpec, form: Form) -> dict[str, str]:
    if spec.type == "bool":
        return {"true": form.t("yes"), "false": form.t("no")}
    if spec.type == "country":
        return citizenship_options(form.t.lang)
    return {v: form.text.value(v) for v in spec.values}


def _kind(spec: FieldSpec) -> str:
    if spec.type in ("enum", "bool", "country"):
        return "select"
    if spec.type == "enum_list":
        return "checkboxes"
    if spec.type == "text":
        return "textarea"
    return INPUT_TYPES[spec.type]


def read(fields: Sequence[FieldSpec], form: FormData) -> dict[str, object]:
    """The declared fields' values from a submitted form; empty inputs are left out."""
    data: dict[str, object] = {}
    for spec in fields:
        name = PREFIX + spec.name
        if spec.type == "enum_list":
            chosen = [v for v in form.getlist(name) if isinstance(v, str) and v]
            if chosen:
                data[spec.name] = chosen
            continue
        raw = form.get(name)
        if not isinstance(raw, str) or not raw.strip():
            continue
        data[spec.name] = _typed(spec, raw.strip() if spec.type != "text" else raw)
    return data


def _typed(spec: FieldSpec, raw: str) -> object:
    """Text as the JSON value the field expects; text that is not one is passed on as it is,
    for the field check to name the problem."""
    if spec.type == "bool" and raw in ("true", "false"):
        return raw == "true"
    if spec.type == "int":
        try:
            return int(raw)
        except ValueError:
            return raw
    return raw
