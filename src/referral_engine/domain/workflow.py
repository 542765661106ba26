"""A workflow definition as the engine sees it, and the shared `transitions` machine guarding it."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from transitions import Machine

from referral_engine.domain.calendar import WorkCalendar
from referral_engine.domain.fields import FieldSpec
from referral_engine.domain.persons import PersonFields
from referral_engine.domain.regions import TRANSFER_NOTE, Region, TransferSpec

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
class NotBeforeSpec:
    """An earliest-date guard: the step may be taken only `days` after the latest of `after`."""

    after: tuple[str, ...]
    days: int
    working_days: bool
    source: str


@dataclass(frozen=True)
class BackdatingSpec:
    """A step stated before it is recorded: at most `max_days` earlier (None: no limit), and
    only a role of `confirmed_by` may confirm the stated date for earliest-date guards."""

    max_days: int | None = None
    confirmed_by: frozenset[str] = frozenset({"supervisor"})


@dataclass(frozen=True)
class ConditionSpec:
    """A condition on the case's recorded data: the step is legal only while `field` holds
    exactly `equals` (a field not recorded holds nothing)."""

    field: str
    equals: bool | int | str

    def holds(self, data: Mapping[str, object]) -> bool:
        value = data.get(self.field)
        return type(value) is type(self.equals) and value == self.equals

    def __str__(self) -> str:
        return f"{self.field} = {json.dumps(self.equals)}"


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

    @property
    def required_fields(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.required)


@dataclass(frozen=True)
class DeadlineSpec:
    """A clock that starts on one of some events and stops on others, due within N days."""

    name: str
    starts_on: tuple[str, ...]
    stops_on: tuple[str, ...]
    days: int
    working_days: bool
    source: str
    title: str = ""
    service_target: bool = False
    # Notices, not rules: who is told what about the clock (application/notifications.py).
    # No command, replay or read model reads them, so adding them to a version cases already
    # run under changes nothing a case does (docs/workflows.md, "Notices").
    remind_before: int | None = None
    """Tell who answers for the deadline when it is due in this many working days."""
    escalate_to: tuple[str, ...] = ()
    """Roles told (once, in the case's region) when the deadline has passed."""
    answered_on: tuple[str, ...] = ()
    """Events (of `stops_on`) that answer what the starting step asked: its taker is told."""


@dataclass(frozen=True)
class DerivedSpec:
    """A non-personal fact the engine derives when a step records its sources: the age band of
    a person born on the date in field `born`, on the date in field `on` (or `$opened`)."""

    name: str
    born: str
    on: str


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
        return [self._specs[(t, state)] for t in self._machine.get_triggers(state)]


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
class AgreementSpec:
    """A referral's receiving agency needs a co-operation agreement in force for the service,
    on the day the referral is sent, with `party`: `region_state_body` (a state body serving
    the case's region) or `referrer` (the referring user's agency)."""

    party: str
    source: str


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
class MigrationSpec:
    """How open cases of an earlier version move to this one: renamed states (others keep
    their name; a state with no counterpart stops the migration of its cases)."""

    from_version: int
    states: Mapping[str, str] = field(default_factory=dict)
    referral_states: Mapping[str, str] = field(default_factory=dict)


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
        notes = (TRANSFER_NOTE,) if self.transfers else ()
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
