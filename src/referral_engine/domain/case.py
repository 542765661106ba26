"""The Case aggregate and its events: one event stream per case. Events only assign state;
the commands that decide them are in steps.py."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from referral_engine.domain import clocks, decisions, referrals
from referral_engine.domain.commands import Context
from referral_engine.domain.decisions import REASON_MAX, REGION_MAX
from referral_engine.domain.markers import ERASED, erase
from referral_engine.domain.records import (
    DEFAULT_AGENCY_FIELD,
    DEFAULT_SERVICE_FIELD,
    NOT_BEFORE,
    FirstOutcome,
    PendingTransfer,
    Referral,
    RunningDeadline,
    StatedStep,
    StepOutcome,
)

__all__ = ["REASON_MAX", "REGION_MAX", "Case"]


class Case(Aggregate):
    """A person's case under one workflow version: its state, data, referrals and deadlines."""

    class_version = 1

    class Opened(Aggregate.Created):
        class_version = 1
        workflow_id: str
        workflow_version: int
        region: str
        name: str
        state: str
        data: dict[str, Any]
        flags_set: list[str]
        deadlines_started: list[dict[str, Any]]
        actor: dict[str, str]
        occurred_at: datetime
        correlation_id: str
        causation_id: str | None
        idempotency_key: str | None
        fingerprint: str

        def apply(self, case: Case) -> None:
            case.workflow_id = self.workflow_id
            case.workflow_version = self.workflow_version
            case.region = self.region
            case.state = self.state
            case.previous_state = None
            case.data = dict(self.data)
            case.flags = sorted(set(self.flags_set))
            case.referrals = {}
            case.deadlines = {}
            case.guards = {}
            case.idempotency = {}
            case.opened_at = case.last_occurred_at = self.occurred_at
            case.last_step = self.name
            case.acting_agencies = [self.actor["agency"]]
            case.named_agencies = []
            case.addressed = {}
            case.stated_steps = {}
            case._note_stated(self, confirmed=False)
            case._record_outcome(self, None)
            clocks.start(case.deadlines, case.guards, self.deadlines_started)

    class StepTaken(Aggregate.Event):
        """A workflow step on the case, or on one of its referrals when `referral_id` is set.

        Sending a referral records its agency and service (named by the workflow's fields); a
        case step addressed to an agency records that agency: the one its transition's
        `names_agency` field names, or, for a step answering one (`named_agency_only`), the
        agency that sent it. The sender is the actor's agency."""

        class_version = 3
        name: str
        trigger: str
        referral_id: str | None
        agency: str | None
        service: str | None
        from_state: str | None
        to_state: str
        data: dict[str, Any]
        flags_set: list[str]
        flags_cleared: list[str]
        deadlines_started: list[dict[str, Any]]
        deadlines_stopped: list[dict[str, Any]]
        backdating: dict[str, str] | None
        """A confirmed stated date: the reason, the confirming role and user (backdating.py)."""
        actor: dict[str, str]
        occurred_at: datetime
        correlation_id: str
        causation_id: str | None
        idempotency_key: str | None
        fingerprint: str
        workflow_id: str
        workflow_version: int
        region: str

        def apply(self, case: Case) -> None:
            if self.referral_id is None:
                if self.to_state != self.from_state:
                    case.previous_state = self.from_state
                case.state = self.to_state
                case.data.update(self.data)
                if self.agency:
                    case.addressed[self.trigger] = (self.actor["agency"], self.agency)
                    if self.agency not in case.named_agencies:
                        case.named_agencies.append(self.agency)
            else:
                case._apply_referral_step(self)
            case.flags = sorted((set(case.flags) | set(self.flags_set)) - set(self.flags_cleared))
            if self.actor["agency"] not in case.acting_agencies:
                case.acting_agencies.append(self.actor["agency"])
            if self.occurred_at >= case.last_occurred_at:
                case.last_occurred_at, case.last_step = self.occurred_at, self.name
            clocks.stop(case.deadlines, case.guards, self.deadlines_stopped)
            clocks.start(case.deadlines, case.guards, self.deadlines_started)
            case._note_stated(self, confirmed=self.backdating is not None)
            case._record_outcome(self, self.referral_id)

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """Version 1 left a sent referral's agency and service in its data, under the
            default field names (a workflow naming others had its referrals unanswerable)."""
            sends = state["referral_id"] is not None and state["from_state"] is None
            data = state["data"]
            state["agency"] = referrals.text(data, DEFAULT_AGENCY_FIELD) if sends else None
            state["service"] = referrals.text(data, DEFAULT_SERVICE_FIELD) if sends else None

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            """Version 2 knew no confirmed stated dates: its guards counted from the stated one."""
            state["backdating"] = None

    class StatedDateConfirmed(Aggregate.Event):
        """A confirming role (a supervisor) vouched for the stated date of another person's
        backdated step, with a reason: the earliest dates that step started count from its
        stated day from now on. The event records the guards it moved (backdating.py)."""

        class_version = 1
        name: str
        step_version: int
        step: str
        stated_on: str
        reason: str
        guards_started: list[dict[str, Any]]
        guards_stopped: list[dict[str, Any]]
        actor: dict[str, str]
        occurred_at: datetime
        correlation_id: str
        causation_id: str | None
        idempotency_key: str | None
        fingerprint: str

        def apply(self, case: Case) -> None:
            clocks.stop(case.deadlines, case.guards, self.guards_stopped)
            clocks.start(case.deadlines, case.guards, self.guards_started)
            stated = case.stated_steps.get(self.step_version)
            if stated is not None:
                case.stated_steps[self.step_version] = replace(stated, confirmed=True)
            case._record_outcome(self, None)

    class WorkflowMigrated(Aggregate.Event):
        """The case moved to another version of its workflow (states mapped as that version's
        file says); it carries a step's fields so read models follow it like any step."""

        class_version = 1
        name: str
        trigger: str | None
        referral_id: str | None
        from_state: str
        to_state: str
        previous_state: str | None
        referral_states: dict[str, str]
        data: dict[str, Any]
        deadlines_started: list[dict[str, Any]]
        deadlines_stopped: list[dict[str, Any]]
        actor: dict[str, str]
        occurred_at: datetime
        correlation_id: str
        causation_id: str | None
        idempotency_key: str | None
        fingerprint: str
        workflow_id: str
        workflow_version: int
        region: str

        def apply(self, case: Case) -> None:
            case.workflow_version = self.workflow_version
            case.state = self.to_state
            case.previous_state = self.previous_state
            for rid, state in self.referral_states.items():
                case.referrals[rid] = replace(case.referrals[rid], state=state)
            clocks.stop(case.deadlines, case.guards, self.deadlines_stopped)
            case._record_outcome(self, None)

    class Imported(Aggregate.Event):
        """The events before this one came from a row of a past register (domain/imports.py):
        dated by the row, recorded at the import. `events` says how many they are, so that a
        later import of the same row compares with them alone."""

        class_version = 1
        name: str
        register: str
        row: int
        row_id: str
        file_digest: str
        mapping_digest: str
        row_digest: str
        """A digest of the row's mapped cells: sealed with the case's key like personal data
        (adapters/crypto.py), so that importing the row again compares without rebuilding."""
        events: int
        actor: dict[str, str]
        occurred_at: datetime
        correlation_id: str

        def apply(self, case: Case) -> None:
            case.imported_from = (self.register, self.row_id)
            case.imported_events = self.events

    class PersonalDataErased(Aggregate.Event):
        """The case's personal data was erased on a lawful request (its key is destroyed next)."""

        class_version = 1
        fields: list[str]
        reason: str
        actor: dict[str, str]
        occurred_at: datetime
        correlation_id: str

        def apply(self, case: Case) -> None:
            case.erased = True
            names = set(self.fields)
            case.data = erase(case.data, names)
            for key, first in case.idempotency.items():
                if personal := tuple(sorted(names.intersection(first.fields))):
                    sealed = replace(first, fingerprint=dict(ERASED), fields=personal)
                    case.idempotency[key] = sealed  # its digest was sealed, now unreadable
            for rid, referral in case.referrals.items():
                case.referrals[rid] = referrals.erased(referral, names)

    class CaseMoved(Aggregate.Event):
        """An engine-level change of where the case lies or who works it: shaped as a step
        that does not move the state, so read models follow it like one (`detail`: its coded,
        non-personal facts; `data`: personal ones, sealed)."""

        class_version = 1
        name: str
        trigger: str | None
        referral_id: str | None
        from_state: str
        to_state: str
        detail: dict[str, Any]
        data: dict[str, Any]
        deadlines_started: list[dict[str, Any]]
        deadlines_stopped: list[dict[str, Any]]
        actor: dict[str, str]
        occurred_at: datetime
        correlation_id: str
        causation_id: str | None
        idempotency_key: str | None
        fingerprint: str
        workflow_id: str
        workflow_version: int
        region: str

    class RegionTransfer(CaseMoved):
        """A step of a transfer to another region (`name`: TransferRequested, -Accepted,
        -Refused or -Withdrawn; domain/transfers.py). `region` is where the case lies after it:
        the receiving region from the acceptance on. `detail` holds the regions and the coded
        reason; `data` only the optional note. The acceptance stops and restarts the running
        clocks with their due dates, so read models move them too."""

        def apply(self, case: Case) -> None:
            if self.name == "TransferRequested":
                who = self.actor
                case.transfer = PendingTransfer(
                    self.detail["to_region"], self.detail["reason"], who["user_id"],
                    who["role"], self.occurred_at, self.originator_version,
                )  # fmt: skip
            else:
                case.transfer = None
            if self.region != case.region:  # accepted: the case and its clocks move
                case.region, case.assigned_to = self.region, None
                clocks.stop(case.deadlines, case.guards, self.deadlines_stopped)
                clocks.start(case.deadlines, case.guards, self.deadlines_started)
            case.last_occurred_at, case.last_step = self.occurred_at, self.name
            case._record_outcome(self, None)

    class Assigned(CaseMoved):
        """The case's assigned caseworker changed (`detail.user`; None: nobody), by name
        CaseAssigned or CaseUnassigned."""

        def apply(self, case: Case) -> None:
            case.assigned_to = self.detail["user"]
            case._record_outcome(self, None)

    def __init__(self) -> None:
        self.erased = False
        self.transfer: PendingTransfer | None = None  # a transfer waiting for its answer
        self.assigned_to: str | None = None  # the caseworker the case is assigned to
        self.imported_from: tuple[str, str] | None = None
        """The register and row id the case was imported from, if it was."""
        self.imported_events = 0
        self.matches: dict[str, str] = {}
        """Other case id -> where the pair stands: alerted, linked, ... (person_links.py)."""
        self.workflow_id: str
        self.workflow_version: int
        self.region: str
        self.state: str
        self.previous_state: str | None
        self.data: dict[str, Any]
        self.flags: list[str]
        self.referrals: dict[str, Referral]
        self.deadlines: dict[str, dict[str, Any]]
        """Deadlines running, as their events recorded them (see clocks.py)."""
        self.guards: dict[str, dict[str, Any]]
        """Earliest-date guards running, by the trigger they hold back."""
        self.idempotency: dict[str, FirstOutcome]
        self._last_outcome: tuple[int, str, str, str, str | None]
        self.opened_at: datetime
        self.last_occurred_at: datetime
        """When the latest step happened (as stated): no later step may be stated earlier."""
        self.last_step: str
        self.acting_agencies: list[str]
        """The agencies whose users opened the case or took a step on it."""
        self.named_agencies: list[str]
        """The agencies case steps sent the case to (e.g. the police unit asked to verify)."""
        self.addressed: dict[str, tuple[str, str]]
        """Trigger -> the sender and the addressee of its latest step addressed to an agency."""
        self.stated_steps: dict[int, StatedStep]
        """The steps stated on an earlier day than recorded, by version (backdating.py)."""

    @property
    def referral_agencies(self) -> dict[str, str]:
        """Each referral's receiving agency, by referral id."""
        return {rid: r.agency for rid, r in self.referrals.items()}

    @classmethod
    def opened(cls, case_id: UUID | None, **fields: Any) -> Case:
        """A new case from its opening event's fields (see steps.open_case)."""
        return cls._create(cls.Opened, id=case_id, **fields)

    def retried(self, ctx: Context, print_: str) -> StepOutcome | None:
        """The first outcome of a retried command, or None when this key is new."""
        return decisions.retried(self.idempotency, ctx, print_)

    # -- state assignment, called only from events -----------------------------------------------

    def _apply_referral_step(self, event: Case.StepTaken) -> None:
        rid = str(event.referral_id)
        at = event.occurred_at
        if event.from_state is None:
            agency, service = event.agency or "", event.service or ""
            self.referrals[rid] = referrals.sent(
                rid, agency, service, event.to_state, event.data, at
            )
        moved = referrals.moved(self.referrals[rid], event.name, event.to_state, event.data, at)
        self.referrals[rid] = moved

    def _note_stated(self, event: Any, *, confirmed: bool) -> None:
        stated_on = event.occurred_at.date()
        if stated_on < event.timestamp.date():
            guards = tuple(c for c in event.deadlines_started if c.get("kind") == NOT_BEFORE)
            user_id = event.actor["user_id"]
            trigger = getattr(event, "trigger", None)
            noted = StatedStep(
                event.originator_version, event.name, trigger, user_id, stated_on, guards, confirmed
            )
            self.stated_steps[event.originator_version] = noted

    def _record_outcome(self, event: Any, referral_id: str | None) -> None:
        # kept as a plain tuple: replay applies every event, and a frozen dataclass per event
        # cost about 5 % of replaying a 200-event case; the record is built when asked for
        last = (event.originator_version, self.state, self.region, event.name, referral_id)
        self._last_outcome = last
        if event.idempotency_key is not None:
            key = f"{event.actor['user_id']}:{event.idempotency_key}"
            fields = tuple(sorted(getattr(event, "data", ())))
            first = FirstOutcome(StepOutcome(*last), event.fingerprint, fields)
            self.idempotency[key] = first

    def last_outcome(self) -> StepOutcome:
        """The outcome of the last step applied (what a command returns)."""
        return StepOutcome(*self._last_outcome)

    def open_deadlines(self) -> list[RunningDeadline]:
        """The deadlines running on the case, soonest due first."""
        return clocks.running_deadlines(self.deadlines)
