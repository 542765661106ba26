"""A workflow's words in the reader's language: its `labels` for that language, else the file's
own (English) titles, else the name itself. Pages never word a state, step, field or value
themselves: they ask here."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from referral_engine.domain.fields import FieldSpec
from referral_engine.domain.workflow import TransitionSpec, WorkflowDefinition
from referral_engine.entrypoints.web.i18n_reporting import dimension_title, reporting_label
from referral_engine.entrypoints.web.report_view import readable


class WorkflowText:
    """Titles of one workflow version in one language."""

    def __init__(self, workflow: WorkflowDefinition, lang: str) -> None:
        self.workflow = workflow
        self.lang = lang
        self.words = workflow.labels.get(lang, {})
        self._fields = _fields_by_name(workflow)

    def _say(self, key: str, english: str) -> str:
        return self.words.get(key) or english

    @property
    def title(self) -> str:
        return self._say("title", self.workflow.title)

    @property
    def description(self) -> str:
        return self._say("description", self.workflow.description)

    @property
    def source(self) -> str:
        return self._say("source", self.workflow.source)

    def region(self, code: str) -> str:
        """A region's name in this language (its code where the registry has none)."""
        found = self.workflow.regions.get(code)
        return found.name(self.lang) if found else code

    def role(self, name: str) -> str:
        """A role's description (the role's name where the workflow has none)."""
        return self._say(f"role.{name}", self.workflow.roles.get(name, name))

    def state(self, name: str | None) -> str:
        if not name:
            return ""
        spec = self.workflow.states.get(name)
        return self._say(f"state.{name}", spec.title if spec and spec.title else name)

    def referral_state(self, name: str) -> str:
        referrals = self.workflow.referrals
        spec = referrals.states.get(name) if referrals else None
        return self._say(f"referral.state.{name}", spec.title if spec and spec.title else name)

    def step(self, trigger: str, referral_id: str | None = None) -> str:
        """A step's title: a case step, the referral sending step, or (with the referral it
        moves) a referral's step."""
        key, spec = self._step(trigger, referral_id is not None)
        if trigger == "open":  # how domain errors name the opening step
            return self._say("opening", self.workflow.opening.title or trigger)
        return self._say(key, spec.title if spec and spec.title else trigger)

    def event(self, name: str) -> str:
        """The title of the step that records event `name`."""
        if name == self.workflow.opening.event:
            return self.opening()
        referrals = self.workflow.referrals
        if referrals is not None and name == referrals.send.event:
            return self.step(referrals.send.trigger)
        for spec in self.workflow.transitions:
            if spec.event == name:
                return self.step(spec.trigger)
        for spec in referrals.transitions if referrals else ():
            if spec.event == name:
                return self.referral_step(spec.trigger)
        return name

    def referral_step(self, trigger: str) -> str:
        """The title of a step of the referral sub-workflow."""
        key, spec = self._step(trigger, True)
        return self._say(key, spec.title if spec and spec.title else trigger)

    def opening(self) -> str:
        return self._say("opening", self.workflow.opening.title)

    def step_key(self, trigger: str | None, referral: bool = False) -> str:
        """The label key of a step's form (None: the opening form; `referral`: a step of the
        referral sub-workflow)."""
        return "opening" if trigger is None else self._step(trigger, referral)[0]

    def field(self, spec: FieldSpec, step_key: str) -> str:
        """A field's label on the form whose `step_key` this is."""
        return self._say(f"{step_key}.{spec.name}", spec.title or spec.name)

    def data_title(self, name: str) -> str:
        """The label of stored data `name`, from the first step that declares the field."""
        found = self._fields.get(name)
        if found is None:
            derived = dimension_title(name, self.lang) if self._derived(name) else None
            return derived or name
        key, spec = found
        return self._say(f"{key}.{name}", spec.title or name)

    def value(self, value: str) -> str:
        """A coded value's label in this language, else the code itself (see `said`)."""
        return self._say(f"value.{value}", value)

    def said(self, value: str) -> str:
        """A coded value in words: its label, else the code made readable (never as a code)."""
        return self.words.get(f"value.{value}") or readable(value)

    def values(self, values: Iterable[str]) -> str:
        """Coded values listed inside a sentence: labels, else codes with spaces."""
        return ", ".join(self.words.get(f"value.{v}") or v.replace("_", " ") for v in values)

    def data_value(self, name: str, value: Any) -> Any:
        """Stored data with its enum values in words (other values as they are)."""
        found = self._fields.get(name)
        if isinstance(value, str) and (found and found[1].type == "country"):
            return reporting_label("citizenship", value, self.lang)
        if isinstance(value, str) and found is None and self._derived(name):
            country = any(d.name == name and d.kind == "country" for d in self.workflow.derived)
            return reporting_label("citizenship" if country else name, value, self.lang)
        if found is None or found[1].type not in ("enum", "enum_list"):
            return value
        if isinstance(value, list):
            return [self.said(v) if isinstance(v, str) else v for v in value]
        return self.said(value) if isinstance(value, str) else value

    def is_agency(self, name: str) -> bool:
        """Whether the field names a registered agency (pages show its name, not its id): an
        `agency` field, or the field naming where a referral is sent (its `agency_field`)."""
        found = self._fields.get(name)
        referrals = self.workflow.referrals
        sent_to = referrals is not None and name == referrals.agency_field
        return found is not None and (found[1].type == "agency" or sent_to)

    def _derived(self, name: str) -> bool:
        return any(d.name == name for d in self.workflow.derived)

    def deadline(self, name: str) -> str:
        spec = next((d for d in self.workflow.deadlines if d.name == name), None)
        return self._say(f"deadline.{name}", spec.title if spec and spec.title else name)

    def deadline_source(self, name: str) -> str:
        spec = next((d for d in self.workflow.deadlines if d.name == name), None)
        return self._say(f"deadline.{name}.source", spec.source if spec else "")

    def _step(self, trigger: str, referral: bool) -> tuple[str, TransitionSpec | None]:
        """The label key of a step and its first declaration."""
        referrals = self.workflow.referrals
        if referrals is not None and trigger == referrals.send.trigger:
            return "referral.send", referrals.send
        if referrals is not None and referral:
            spec = next((t for t in referrals.transitions if t.trigger == trigger), None)
            return f"referral.step.{trigger}", spec
        spec = next((t for t in self.workflow.transitions if t.trigger == trigger), None)
        return f"step.{trigger}", spec


def _fields_by_name(workflow: WorkflowDefinition) -> dict[str, tuple[str, FieldSpec]]:
    """Field name -> (label key of the first step declaring it, its declaration)."""
    found: dict[str, tuple[str, FieldSpec]] = {}
    steps: list[tuple[str, Iterable[FieldSpec]]] = [("opening", workflow.opening.fields)]
    steps += [(f"step.{t.trigger}", t.fields) for t in workflow.transitions]
    if workflow.referrals is not None:
        steps.append(("referral.send", workflow.referrals.send.fields))
        steps += [(f"referral.step.{t.trigger}", t.fields) for t in workflow.referrals.transitions]
    for key, fields in steps:
        for spec in fields:
            found.setdefault(spec.name, (key, spec))
    return found


def text_of(workflow: WorkflowDefinition, lang: str) -> WorkflowText:
    """The workflow's words in `lang`."""
    return WorkflowText(workflow, lang)
