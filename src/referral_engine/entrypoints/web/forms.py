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

from referral_engine.application.ports import AgencyDirectory
from referral_engine.application.registry_checks import fitting
from referral_engine.domain.agencies import AgencyView
from referral_engine.domain.errors import FieldProblem
from referral_engine.domain.fields import FieldSpec
from referral_engine.entrypoints.web import explain, field_errors
from referral_engine.entrypoints.web.i18n import Translator
from referral_engine.entrypoints.web.i18n_reporting import citizenship_options
from referral_engine.entrypoints.web.report_view import readable
from referral_engine.entrypoints.web.workflow_text import WorkflowText

PREFIX = "data."
INPUT_TYPES = {"string": "text", "date": "date", "int": "number", "datetime": "text"}
CHOSEN_WITH = "/"
"""Between a service and an agency in a picker's option value (`shelter/shelter-kyiv`): one
choice names both, so they cannot disagree (neither an id nor a service holds a `/`)."""
Groups = tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...]
"""A picker's options: (service code or "", its words, ((value, agency name), ...))."""


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
    groups: Groups = ()
    """An agency picker's options, by service where the field names the service too."""
    hint: str = ""

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
    pickers: Mapping[str, Groups] | None = None,
) -> list[Widget]:
    """The widgets of a step's fields, refilled with what was submitted and its errors. An
    agency field given a picker (`pickers`, by field) is a list of the agencies that fit; one
    grouped by service chooses the service too, so that field gets no widget of its own."""
    values, pickers = values or {}, pickers or {}
    labels = {f.name: form.text.field(f, form.step_key) for f in fields}
    kinds = {f.name: "picker" if f.name in pickers else _kind(f) for f in fields}
    errors: dict[str, list[str]] = {}
    for p in problems:
        name = p.path.removeprefix(PREFIX)
        if name in labels:  # the field named, in the sentence beside it and in the summary
            worded = field_errors.sentence(p, labels[name], kinds[name], form.t, form.text)
        else:
            worded = explain.field_problem(p, form.t, form.text)
        errors.setdefault(name, []).append(worded)
    chosen_with = {f.provides: f.name for f in fields if f.provides and _by_service(pickers, f)}
    for service, agency in chosen_with.items():
        errors.setdefault(agency, []).extend(errors.pop(service, []))
    return [
        Widget(
            spec=f,
            name=PREFIX + f.name,
            id=f"{form_id}-{f.name}",
            kind=kinds[f.name],
            value=_picked(f, values) if f.provides in chosen_with else values.get(f.name),
            errors=tuple(errors.get(f.name, ())),
            label=labels[f.name],
            option_labels=_option_labels(f, form),
            groups=pickers.get(f.name, ()),
            hint=_hint(pickers[f.name], form) if f.name in pickers else "",
        )
        for f in fields
        if f.name not in chosen_with
    ]


def agency_pickers(
    fields: Sequence[FieldSpec], directory: AgencyDirectory, region: str, form: Form
) -> dict[str, Groups]:
    """Each agency field's picker: the registered agencies that fit on a case of `region`, by
    name in the page's language; grouped by service where the field must offer the one its
    step names (an enum), each service with the agencies offering it there."""
    by_name = {f.name: f for f in fields}
    found: dict[str, Groups] = {}
    for f in fields:
        if f.type != "agency":
            continue
        service = by_name.get(f.provides) if f.provides else None
        if service is not None and service.values:
            groups = [
                (v, _service(v, form.text), _options(fits, v, form))
                for v in service.values
                if (fits := fitting(directory, f, region, v))
            ]
            found[f.name] = tuple(groups)
        else:
            fits = fitting(directory, f, region)
            found[f.name] = (("", "", _options(fits, None, form)),) if fits else ()
    return found


def _service(code: str, text: WorkflowText) -> str:
    """A service in the workflow's words, else its code made readable (never as a code)."""
    said = text.value(code)
    return readable(code) if said == code else said


def _options(
    agencies: Sequence[AgencyView], service: str | None, form: Form
) -> tuple[tuple[str, str], ...]:
    said = [
        (f"{service}{CHOSEN_WITH}{a.slug}" if service else a.slug, a.name(form.t.lang))
        for a in agencies
    ]
    return tuple(sorted(said, key=lambda option: option[1].casefold()))


def _by_service(pickers: Mapping[str, Groups], spec: FieldSpec) -> bool:
    """Whether the field has a picker whose options are grouped by service."""
    groups = pickers.get(spec.name) or ()
    return len(groups) > 0 and groups[0][0] != ""


def _picked(spec: FieldSpec, values: Mapping[str, Any]) -> str | None:
    """What a picker by service showed chosen: the service and the agency submitted."""
    service, agency = values.get(str(spec.provides)), values.get(spec.name)
    return f"{service}{CHOSEN_WITH}{agency}" if service and agency else None


def _hint(groups: Groups, form: Form) -> str:
    if not groups:
        return form.t("picker.none")
    return form.t("picker.by_service" if groups[0][0] else "picker.fitting")


def _option_labels(spec: FieldSpec, form: Form) -> dict[str, str]:
    if spec.type == "bool":
        return {"true": form.t("yes"), "false": form.t("no")}
    if spec.type == "country":
        return citizenship_options(form.t.lang)
    return {v: form.text.said(v) for v in spec.values}


def _kind(spec: FieldSpec) -> str:
    if spec.type in ("enum", "bool", "country"):
        return "select"
    if spec.type == "enum_list":
        return "checkboxes"
    if spec.type == "text":
        return "textarea"
    return INPUT_TYPES[spec.type]


def read(fields: Sequence[FieldSpec], form: FormData) -> dict[str, object]:
    """The declared fields' values from a submitted form; empty inputs are left out. A
    picker's choice of a service and an agency gives both fields."""
    data: dict[str, object] = {}
    for spec in fields:
        raw = form.get(PREFIX + spec.name)
        if spec.type == "agency" and spec.provides and isinstance(raw, str) and CHOSEN_WITH in raw:
            service, _, agency = raw.strip().partition(CHOSEN_WITH)
            data[spec.provides], data[spec.name] = service, agency
    for spec in fields:
        if spec.name in data:
            continue
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
