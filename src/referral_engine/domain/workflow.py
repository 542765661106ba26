"""A workflow definition as the engine sees it, and the shared `transitions` machine guarding it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from transitions import Machine

from referral_engine.domain.calendar import WorkCalendar
from referral_engine.domain.case_file import PAPER_FIELDS
from referral_engine.domain.conditions import (
    ConditionSpec,
    LimitSpec,
    ValueCondition,
    WithheldSpec,
)
from referral_engine.domain.fields import FieldSpec
from referral_engine.domain.htcds_mapping import HtcdsMapping
from referral_engine.domain.papers import PaperSpec
from referral_engine.domain.persons import PersonFields
from referral_engine.domain.regions import TRANSFER_NOTE, Region, TransferSpec
from referral_engine.domain.workflow_parts import AgreementSpec as AgreementSpec
from referral_engine.domain.workflow_parts import BackdatingSpec as BackdatingSpec
from referral_engine.domain.workflow_parts import DeadlineSpec as DeadlineSpec
from referral_engine.domain.workflow_parts import DerivedSpec as DerivedSpec
from referral_engine.domain.workflow_parts import HappenedMove as HappenedMove
from referral_engine.domain.workflow_parts import MigrationSpec as MigrationSpec
from referral_engine.domain.workflow_parts import NotBeforeSpec as NotBeforeSpec

MILESTONES = (
    "applied",
    "identified",
    "status_granted",
    "status_refused",
    "returned_incomplete",
    "status_ended",
    "referral_sent",
    "referral_accepted",
    "referral_rejected",
    "referral_revoked",
    "referral_done",
    "assistance_delivered",
    "closed",
)
"""The reporting vocabulary: read models count milestones; each workflow maps its events to them."""

REPORT_FIELDS = (
    "rejection_reason",
    "assistance_type",
    "sex",
    "citizenship",
    "exploitation_forms",
    "age_at_identification",
    "age_at_exploitation",
    "child",
    "screening_actor",
    "indicators",
    "closure_outcome",
    "follow_up_outcome",
    "feedback_rating",
    "feedback_reasons",
)
"""Non-personal fields read models may copy, each mapped by the workflow to one of its fields
(and its values to the vocabulary's where domain/reporting.py has one for the field)."""

OPENED = "$opened"
"""A derived age's `on`: the day the case was opened (the screening, the identification)."""

PREVIOUS = "$previous"
"""A `dest` meaning: back to the state the case was in before it entered the source state."""


@dataclass(frozen=True)
class StateSpec:
    name: str
    title: str = ""
    terminal: bool = False


@dataclass(frozen=True)
class TransitionSpec:
    """One step: which trigger moves from which states to where, who may fire it, with what data."""

    trigger: str
    event: str
    sources: tuple[str, ...]
    dest: str | None
    roles: frozenset[str]
    fields: tuple[FieldSpec, ...] = ()
    title: str = ""
    requires: tuple[str, ...] = ()
    sets: tuple[str, ...] = ()
    clears: tuple[str, ...] = ()
    receiving_agency_only: bool = False
    not_before: NotBeforeSpec | None = None
    backdating: BackdatingSpec | None = None
    """The transition's own backdating rule, or the workflow's (None: neither declares one)."""
    when: tuple[ConditionSpec, ...] = ()
    """Conditions on the case's recorded data, all of which must hold."""
    names_agency: str | None = None
    """The field naming the agency the step sends the case to (e.g. the police unit asked to
    verify it): that agency's users with the `named` reach see the case from then on."""
    named_agency_only: str | None = None
    """A trigger whose step named an agency (`names_agency`): only that agency's users may
    take this step, which answers it (e.g. the police unit records the verification asked)."""
    limits: tuple[LimitSpec, ...] = ()
    """Bounds on the dates the step records (e.g. an extension at most one year after the
    status's expiry)."""
    until_allowed: str | None = None
    """A case trigger with an earliest date: this step may be taken only until that date
    (a window, domain/windows.py: a reconsideration asked for before the case may close)."""
    value_conditions: tuple[ValueCondition, ...] = ()
    """Values of the step's enum fields recorded only while conditions on the case hold."""
    basis: str = ""
    refused_in: tuple[tuple[str, str], ...] = ()
    """(state, the rule that refuses the step there, its source): named when the step is
    asked for in that state (no removal during the recovery period)."""
    """Where the rule the step encodes comes from (the section of the law), if it says."""
    repeats: bool = False
    """Records again what its `sets` hold: offered as a change once they do (pages only)."""
    ends: bool = False
    """Ends or undoes something: set apart and confirmed before it is recorded (pages only)."""

    @property
    def required_fields(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.required)


@dataclass(frozen=True)
class OpeningSpec:
    event: str
    state: str
    roles: frozenset[str]
    fields: tuple[FieldSpec, ...] = ()
    title: str = ""
    sets: tuple[str, ...] = ()


@dataclass
class Guard:
    """Answers 'which trigger is legal from which state' with one model-less `transitions` Machine.

    The machine is never bound to a case: state changes happen only when events are applied.
    """

    states: tuple[str, ...]
    transitions: tuple[TransitionSpec, ...]
    initial: str
    _machine: Any = field(init=False, repr=False)
    _specs: dict[tuple[str, str], TransitionSpec] = field(init=False, repr=False)
    _from: dict[str, list[TransitionSpec]] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self._machine = Machine(
            model=None,
            states=list(self.states),
            transitions=machine_transitions(self.transitions),
            initial=self.initial,
            auto_transitions=False,
        )
        self._specs = {(t.trigger, s): t for t in self.transitions for s in t.sources}

    def step(self, state: str, trigger: str) -> TransitionSpec | None:
        """The transition `trigger` fires from `state`, or None when it is not legal there."""
        event = self._machine.events.get(trigger)
        if event is None or state not in event.transitions:
            return None
        return self._specs[(trigger, state)]

    def steps_from(self, state: str) -> list[TransitionSpec]:
        if state not in self._from:  # asked for every allowed step; the machine scans each event
            self._from[state] = [self._specs[(t, state)] for t in self._machine.get_triggers(state)]
        return list(self._from[state])


def machine_transitions(transitions: Iterable[TransitionSpec]) -> list[dict[str, Any]]:
    """Transitions as `transitions` declares them; a `$previous` step is internal to it."""
    return [
        {
            "trigger": t.trigger,
            "source": list(t.sources),
            "dest": None if t.dest in (None, PREVIOUS) else t.dest,
        }
        for t in transitions
    ]


@dataclass(frozen=True)
class ReferralSpec:
    """The referral sub-workflow: when a referral may be sent, and the machine each one runs."""

    allowed_in: frozenset[str]
    send: TransitionSpec
    states: Mapping[str, StateSpec]
    transitions: tuple[TransitionSpec, ...]
    active_in: frozenset[str] | None = None
    """Case states in which referrals may move at all (None: every state)."""
    agency_field: str = "agency"
    service_field: str = "service"
    shared_fields: frozenset[str] = frozenset()
    """The case fields a receiving agency reads on a case referred to it."""
    agreement: AgreementSpec | None = None
    """The agreement the receiving agency needs (None: none is asked for)."""
    allowed_when: Mapping[str, tuple[ConditionSpec, ...]] = field(default_factory=dict)
    """State of `allowed_in` -> conditions on the case's data under which a referral may be
    sent from it (a state not listed: always)."""
    guard: Guard = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        guard = Guard(tuple(self.states), self.transitions, self.initial)
        object.__setattr__(self, "guard", guard)

    @property
    def initial(self) -> str:
        assert self.send.dest is not None
        return self.send.dest

    def active(self, case_state: str) -> bool:
        return self.active_in is None or case_state in self.active_in


@dataclass(frozen=True)
class WorkflowDefinition:
    """Everything the engine knows about one version of one workflow, loaded from a file."""

    id: str
    version: int
    title: str
    source: str
    roles: Mapping[str, str]
    states: Mapping[str, StateSpec]
    opening: OpeningSpec
    transitions: tuple[TransitionSpec, ...]
    referrals: ReferralSpec | None
    deadlines: tuple[DeadlineSpec, ...]
    calendar: WorkCalendar = field(default_factory=WorkCalendar)
    description: str = ""
    milestones: Mapping[str, frozenset[str]] = field(default_factory=dict)
    """Event name -> the reporting milestones it marks."""
    report_fields: Mapping[str, str] = field(default_factory=dict)
    """Reporting field -> the workflow's field holding it."""
    report_values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """Reporting field -> its workflow value -> the vocabulary's value (a field not listed
    keeps its values)."""
    derived: tuple[DerivedSpec, ...] = ()
    """Facts derived by the engine and recorded, non-personal, in the step's data."""
    personal_readers: frozenset[str] | None = None
    """Roles that may read personal fields with no `readers` of their own (None: every workflow
    role and supervisors)."""
    migrations: tuple[MigrationSpec, ...] = ()
    backdating: BackdatingSpec | None = None
    """The workflow's backdating rule (opening a case, sending a referral, and any step
    declaring none of its own)."""
    access: Mapping[str, frozenset[str]] = field(default_factory=dict)
    """Role -> how its users reach cases (domain/access.py: region, acted, named, referred);
    a role not listed reaches every case of its users' regions."""
    labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """Language -> label key (`state.screened`, `step.grant_status.valid_until`, ...) -> its
    words there; the titles themselves are the English ones (see workflow_labels)."""
    regions: Mapping[str, Region] = field(default_factory=dict)
    """ISO 3166-2 code -> the region (empty: any well-formed code, see domain/regions.py)."""
    persons: PersonFields = field(default_factory=PersonFields)
    """The personal fields that identify the person (search, duplicate alerts)."""
    transfers: TransferSpec | None = None
    papers: tuple[PaperSpec, ...] = ()
    """What may be printed of a case (domain/papers.py)."""
    htcds: HtcdsMapping | None = None
    """How a case maps to the HTCDS for an anonymised export (None: not exported)."""
    withheld: tuple[WithheldSpec, ...] = ()
    """Fields a case may not hold in some states (domain/conditions.py)."""
    guard: Guard = field(init=False, repr=False, compare=False)
    reachable: Mapping[str, frozenset[str]] = field(init=False, repr=False, compare=False)
    """State -> the case triggers that can still be fired from it, now or later."""
    personal: Mapping[str, frozenset[str]] = field(init=False, repr=False, compare=False)
    """Personal (`pii`) field name -> the roles that may read it (where a name is declared by
    several steps, only the roles all of them allow)."""

    def __post_init__(self) -> None:
        guard = Guard(tuple(self.states), self.transitions, self.opening.state)
        object.__setattr__(self, "guard", guard)
        object.__setattr__(self, "reachable", _reachable_triggers(self.states, self.transitions))
        default = self.personal_readers
        if default is None:
            default = frozenset({*self.roles, "supervisor"})
        personal: dict[str, frozenset[str]] = {}
        notes = (*PAPER_FIELDS, *((TRANSFER_NOTE,) if self.transfers else ()))
        fields = (f for t in self.all_transitions() for f in t.fields)
        for spec in (*self.opening.fields, *fields, *notes):
            if spec.pii:
                readers = frozenset(spec.readers) if spec.readers else default
                personal[spec.name] = personal.get(spec.name, readers) & readers
        object.__setattr__(self, "personal", personal)

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"

    def deadlines_started_by(self, event: str) -> list[DeadlineSpec]:
        return [d for d in self.deadlines if event in d.starts_on]

    def deadlines_stopped_by(self, event: str) -> list[DeadlineSpec]:
        return [d for d in self.deadlines if event in d.stops_on]

    def guards_started_by(self, event: str) -> list[TransitionSpec]:
        """Case steps whose earliest date counts from `event`."""
        return [t for t in self.transitions if t.not_before and event in t.not_before.after]

    @property
    def transfer_answerers(self) -> frozenset[str]:
        """The roles that answer transfers into their regions (domain/access.py `sight`)."""
        return self.transfers.answered_by if self.transfers else frozenset()

    def migration_from(self, version: int) -> MigrationSpec | None:
        return next((m for m in self.migrations if m.from_version == version), None)

    def event_names(self) -> set[str]:
        names = {self.opening.event, *(t.event for t in self.transitions)}
        if self.referrals is not None:
            names.add(self.referrals.send.event)
            names.update(t.event for t in self.referrals.transitions)
        return names

    def all_transitions(self) -> Iterable[TransitionSpec]:
        yield from self.transitions
        if self.referrals is not None:
            yield self.referrals.send
            yield from self.referrals.transitions


def _reachable_triggers(
    states: Mapping[str, StateSpec], transitions: tuple[TransitionSpec, ...]
) -> dict[str, frozenset[str]]:
    """For each state, the triggers that can be fired from it or from any state it leads to.
    A `$previous` step may return anywhere, so from its source every trigger stays reachable."""
    leads: dict[str, set[str]] = {name: set() for name in states}
    fired: dict[str, set[str]] = {name: set() for name in states}
    for t in transitions:
        for s in t.sources:
            fired[s].add(t.trigger)
            leads[s].update(states if t.dest == PREVIOUS else [t.dest or s])
    reachable: dict[str, frozenset[str]] = {}
    for name in states:
        seen, todo = {name}, [name]
        while todo:
            for nxt in leads[todo.pop()] - seen:
                seen.add(nxt)
                todo.append(nxt)
        reachable[name] = frozenset(trigger for s in seen for trigger in fired[s])
    return reachable
