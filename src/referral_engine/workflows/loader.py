"""Load workflow files (YAML) and validate them into domain WorkflowDefinitions.

Structure is checked by pydantic models (unknown keys refused); meaning is checked afterwards
(unknown states and roles, unreachable states, dead ends, duplicate triggers, unknown events).
Every problem is reported as `file: path: problem`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
    field_validator,
)

from referral_engine.domain.calendar import WorkCalendar
from referral_engine.domain.errors import InvalidWorkflow, WorkflowNotFound
from referral_engine.domain.fields import FIELD_TYPES, FieldSpec
from referral_engine.domain.workflow import (
    PREVIOUS,
    ConditionSpec,
    DeadlineSpec,
    MigrationSpec,
    NotBeforeSpec,
    OpeningSpec,
    ReferralSpec,
    StateSpec,
    TransitionSpec,
    WorkflowDefinition,
)
from referral_engine.workflows.checks import WEEKDAYS, lint, semantic_problems, sources_of
from referral_engine.workflows.labels import LANGUAGE, LanguageLabels, all_labels, label_gaps

SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader when PyYAML has it (about eight times faster), else the pure one."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldModel(_Model):
    type: str
    required: bool = False
    pii: bool = False
    title: str = ""
    values: list[str] = []
    min: int | None = None
    max: int | None = None
    readers: list[str] = []

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value not in FIELD_TYPES:
            raise ValueError(f"unknown field type '{value}'; known: " + ", ".join(FIELD_TYPES))
        return value


class StateModel(_Model):
    title: str = ""
    terminal: bool = False


class OpeningModel(_Model):
    event: str
    state: str
    roles: list[str] = Field(min_length=1)
    title: str = ""
    sets: list[str] = []
    fields: dict[str, FieldModel] = {}


class NotBeforeModel(_Model):
    after: list[str] = Field(min_length=1)
    days: int = Field(gt=0, le=3660)
    calendar: Literal["calendar", "working"] = "calendar"
    source: str = Field(min_length=1)


class ConditionModel(_Model):
    field: str = Field(min_length=1)
    equals: StrictBool | StrictInt | StrictStr


class MigrationModel(_Model):
    from_version: int = Field(ge=1)
    states: dict[str, str] = {}
    referral_states: dict[str, str] = {}


class TransitionModel(_Model):
    trigger: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    event: str = Field(pattern=r"^[A-Z][A-Za-z0-9]*$")
    source: list[str] | str = Field(min_length=1)
    dest: str | None = None
    roles: list[str] = Field(min_length=1)
    title: str = ""
    requires: list[str] = []
    sets: list[str] = []
    clears: list[str] = []
    receiving_agency_only: bool = False
    not_before: NotBeforeModel | None = None
    when: list[ConditionModel] = []
    fields: dict[str, FieldModel] = {}

    @field_validator("when", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        """`when:` takes one condition or a list of them (all must hold)."""
        return [value] if isinstance(value, dict) else value


class SendModel(_Model):
    trigger: str = Field(default="send_referral", pattern=r"^[a-z][a-z0-9_]*$")
    event: str = Field(pattern=r"^[A-Z][A-Za-z0-9]*$")
    dest: str
    roles: list[str] = Field(min_length=1)
    title: str = ""
    requires: list[str] = []
    fields: dict[str, FieldModel] = {}


class ReferralsModel(_Model):
    allowed_in: list[str] = Field(min_length=1)
    active_in: list[str] | None = None
    agency_field: str = "agency"
    service_field: str = "service"
    send: SendModel
    states: dict[str, StateModel] = Field(min_length=1)
    transitions: list[TransitionModel] = []


class DeadlineModel(_Model):
    name: str
    title: str = ""
    starts_on: list[str] = Field(min_length=1)
    stops_on: list[str] = Field(min_length=1)
    days: int = Field(gt=0, le=3660)
    calendar: Literal["calendar", "working"] = "calendar"
    source: str = Field(min_length=1)
    service_target: bool = False


class CalendarModel(_Model):
    weekend: list[Literal[WEEKDAYS]] = ["saturday", "sunday"]  # type: ignore[valid-type]
    holidays: list[date] = []


class PersonalDataModel(_Model):
    readers: list[str] = Field(min_length=1)


class ReportingModel(_Model):
    milestones: dict[str, list[str]] = {}
    fields: dict[str, str] = {}


class WorkflowModel(_Model):
    """The file format. See docs/workflows.md for the meaning of each key."""

    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    version: int = Field(ge=1)
    title: str
    description: str = ""
    source: str = Field(min_length=1)
    roles: dict[str, str] = Field(min_length=1)
    states: dict[str, StateModel] = Field(min_length=1)
    opening: OpeningModel
    transitions: list[TransitionModel] = Field(min_length=1)
    referrals: ReferralsModel | None = None
    deadlines: list[DeadlineModel] = []
    calendar: CalendarModel = CalendarModel()
    reporting: ReportingModel = ReportingModel()
    personal_data: PersonalDataModel | None = None
    migration: MigrationModel | None = None
    labels: dict[Annotated[str, Field(pattern=LANGUAGE)], LanguageLabels] = {}


def load_file(path: Path) -> WorkflowDefinition:
    """Read, validate and build one workflow file; raise InvalidWorkflow naming every problem."""
    name = str(path)
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    except OSError as exc:
        raise InvalidWorkflow(name, [f"cannot read: {exc.strerror}"]) from None
    except yaml.YAMLError as exc:
        raise InvalidWorkflow(name, [f"not valid YAML: {exc}"]) from None
    return parse(raw, name)


def lint_file(path: Path, labels: bool = False) -> list[str]:
    """Authoring findings of one file (see workflow_checks.lint), with `labels` also what its
    languages do not label yet; InvalidWorkflow when its structure cannot even be read."""
    name = str(path)
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    except (OSError, yaml.YAMLError) as exc:
        raise InvalidWorkflow(name, [f"cannot read: {exc}"]) from None
    try:
        model = WorkflowModel.model_validate(raw)
    except ValidationError as exc:
        raise InvalidWorkflow(name, [_pydantic_problem(e) for e in exc.errors()]) from None
    return lint(model) + (label_gaps(model) if labels else [])


def parse(raw: Any, name: str = "<workflow>") -> WorkflowDefinition:
    """Validate a decoded workflow document and build its definition."""
    if not isinstance(raw, dict):
        raise InvalidWorkflow(name, ["the file must hold a mapping at the top level"])
    try:
        model = WorkflowModel.model_validate(raw)
    except ValidationError as exc:
        raise InvalidWorkflow(name, [_pydantic_problem(e) for e in exc.errors()]) from None
    problems = semantic_problems(model)
    if problems:
        raise InvalidWorkflow(name, problems)
    return build(model)


def build(model: WorkflowModel) -> WorkflowDefinition:
    states = {n: StateSpec(n, s.title, s.terminal) for n, s in model.states.items()}
    live = tuple(n for n, s in model.states.items() if not s.terminal)
    referrals = None
    if model.referrals is not None:
        r = model.referrals
        send = TransitionSpec(
            trigger=r.send.trigger,
            event=r.send.event,
            sources=(),
            dest=r.send.dest,
            roles=frozenset(r.send.roles),
            fields=_fields(r.send.fields),
            title=r.send.title,
            requires=tuple(r.send.requires),
        )
        ref_live = tuple(n for n, s in r.states.items() if not s.terminal)
        referrals = ReferralSpec(
            allowed_in=frozenset(r.allowed_in),
            active_in=None if r.active_in is None else frozenset(r.active_in),
            send=send,
            states={n: StateSpec(n, s.title, s.terminal) for n, s in r.states.items()},
            transitions=tuple(_transition(t, ref_live) for t in r.transitions),
            agency_field=r.agency_field,
            service_field=r.service_field,
        )
    weekend = frozenset(WEEKDAYS.index(d) for d in model.calendar.weekend)
    return WorkflowDefinition(
        id=model.id,
        version=model.version,
        title=model.title,
        source=model.source,
        description=model.description,
        roles=dict(model.roles),
        states=states,
        opening=OpeningSpec(
            event=model.opening.event,
            state=model.opening.state,
            roles=frozenset(model.opening.roles),
            fields=_fields(model.opening.fields),
            title=model.opening.title,
            sets=tuple(model.opening.sets),
        ),
        transitions=tuple(_transition(t, live) for t in model.transitions),
        referrals=referrals,
        deadlines=tuple(
            DeadlineSpec(
                name=d.name,
                title=d.title,
                starts_on=tuple(d.starts_on),
                stops_on=tuple(d.stops_on),
                days=d.days,
                working_days=d.calendar == "working",
                source=d.source,
                service_target=d.service_target,
            )
            for d in model.deadlines
        ),
        calendar=WorkCalendar(weekend=weekend, holidays=frozenset(model.calendar.holidays)),
        milestones=_milestones_by_event(model.reporting.milestones),
        report_fields=dict(model.reporting.fields),
        personal_readers=frozenset(model.personal_data.readers) if model.personal_data else None,
        migrations=_migrations(model.migration),
        labels=all_labels(model),
    )


def _migrations(migration: MigrationModel | None) -> tuple[MigrationSpec, ...]:
    if migration is None:
        return ()
    return (
        MigrationSpec(
            migration.from_version, dict(migration.states), dict(migration.referral_states)
        ),
    )


def _not_before(rule: NotBeforeModel | None) -> NotBeforeSpec | None:
    if rule is None:
        return None
    return NotBeforeSpec(tuple(rule.after), rule.days, rule.calendar == "working", rule.source)


def _milestones_by_event(milestones: dict[str, list[str]]) -> dict[str, frozenset[str]]:
    by_event: dict[str, set[str]] = {}
    for milestone, events in milestones.items():
        for event in events:
            by_event.setdefault(event, set()).add(milestone)
    return {event: frozenset(names) for event, names in by_event.items()}


def _transition(t: TransitionModel, live_states: tuple[str, ...]) -> TransitionSpec:
    return TransitionSpec(
        trigger=t.trigger,
        event=t.event,
        sources=sources_of(t.source, live_states),
        dest=t.dest,
        roles=frozenset(t.roles),
        fields=_fields(t.fields),
        title=t.title,
        requires=tuple(t.requires),
        sets=tuple(t.sets),
        clears=tuple(t.clears),
        receiving_agency_only=t.receiving_agency_only,
        not_before=_not_before(t.not_before),
        when=tuple(ConditionSpec(c.field, c.equals) for c in t.when),
    )


def _fields(fields: dict[str, FieldModel]) -> tuple[FieldSpec, ...]:
    return tuple(
        FieldSpec(
            name=name,
            type=f.type,  # type: ignore[arg-type]
            required=f.required,
            pii=f.pii,
            title=f.title,
            values=tuple(f.values),
            minimum=f.min,
            maximum=f.max,
            readers=tuple(f.readers),
        )
        for name, f in fields.items()
    )


def _pydantic_problem(error: Any) -> str:
    path = ""
    for part in error["loc"]:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "unknown key"
    return f"{path or '(top)'}: {message}"


class WorkflowRegistry:
    """Every loaded workflow version, looked up by id and version (the newest by default)."""

    def __init__(self, definitions: list[WorkflowDefinition]) -> None:
        self._by_ref: dict[tuple[str, int], WorkflowDefinition] = {}
        for d in definitions:
            if (d.id, d.version) in self._by_ref:
                raise InvalidWorkflow(d.id, [f"version {d.version} is defined twice"])
            self._by_ref[(d.id, d.version)] = d

    @classmethod
    def from_directory(cls, directory: Path) -> WorkflowRegistry:
        """Load every `*.yaml` file in `directory`; any invalid file stops the load."""
        return cls([load_file(p) for p in workflow_files(directory)])

    def get(self, workflow_id: str, version: int | None = None) -> WorkflowDefinition:
        if version is None:
            versions = [v for (i, v) in self._by_ref if i == workflow_id]
            if not versions:
                raise WorkflowNotFound(workflow_id)
            version = max(versions)
        try:
            return self._by_ref[(workflow_id, version)]
        except KeyError:
            raise WorkflowNotFound(workflow_id, version) from None

    def __iter__(self) -> Iterator[WorkflowDefinition]:
        return iter(sorted(self._by_ref.values(), key=lambda d: (d.id, d.version)))


def workflow_files(path: Path) -> list[Path]:
    """The workflow files at `path`: the file itself, or the YAML files in the directory."""
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml"))
    return [path]


__all__ = [
    "PREVIOUS",
    "WorkflowModel",
    "WorkflowRegistry",
    "lint_file",
    "load_file",
    "mermaid",
    "parse",
    "referral_mermaid",
]


BEFORE = "the state before"
"""How diagrams name where a `$previous` step leads."""


def mermaid(definition: WorkflowDefinition) -> str:
    """The workflow's case states in Mermaid, drawn by `transitions` (no graphviz needed)."""
    return _mermaid(
        f"{definition.id} v{definition.version}",
        definition.states,
        definition.transitions,
        definition.opening.state,
    )


def referral_mermaid(definition: WorkflowDefinition) -> str | None:
    """The referral sub-workflow in Mermaid (None without one); entered by sending."""
    r = definition.referrals
    if r is None:
        return None
    title = f"{definition.id} v{definition.version} referrals"
    return _mermaid(title, r.states, r.transitions, r.initial, entered_by=r.send.trigger)


def _mermaid(
    title: str,
    states: Mapping[str, StateSpec],
    transitions: Sequence[TransitionSpec],
    initial: str,
    entered_by: str = "",
) -> str:
    """One machine as a Mermaid state diagram: a `$previous` step leads to a "the state before"
    box, a step without `dest` is marked internal, terminal states lead to the end mark."""
    from transitions.extensions import GraphMachine

    class _Diagram:
        """A throwaway model: diagrams need one, cases never get a machine."""

    before = next(n for i in range(len(states) + 1) if (n := f"previous{i or ''}") not in states)
    back = any(t.dest == PREVIOUS for t in transitions)
    edges: list[dict[str, Any]] = []
    for t in transitions:
        edge = {"trigger": t.trigger, "source": list(t.sources), "dest": t.dest}
        edge["dest"] = before if t.dest == PREVIOUS else t.dest
        if t.when:  # drawn as `record_child [is_child = true]`, never evaluated
            edge["conditions"] = [str(c) for c in t.when]
        edges.append(edge)
    machine = GraphMachine(
        model=_Diagram(),
        states=[*states, *([before] if back else [])],
        transitions=edges,
        initial=initial,
        auto_transitions=False,
        graph_engine="mermaid",
        title=title,
        show_conditions=True,
    )
    text = str(machine.get_graph().draw(None))
    text = text.replace(f'state "{before}" as {before}', f'state "{BEFORE}" as {before}')
    if entered_by:
        text = text.replace(f"[*] --> {initial}", f"[*] --> {initial}: {entered_by}")
    ends = [f"  {name} --> [*]" for name, spec in states.items() if spec.terminal]
    return "\n".join([text, *ends])
