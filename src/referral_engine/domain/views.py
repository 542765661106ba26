"""What queries return: plain frozen values built from a case, its workflow and the reader."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from referral_engine.domain.case import Case
from referral_engine.domain.clocks import waiting_steps
from referral_engine.domain.commands import Actor
from referral_engine.domain.conditions import offered_fields
from referral_engine.domain.fields import FieldSpec
from referral_engine.domain.records import PendingTransfer, Referral, RunningDeadline, StepOutcome
from referral_engine.domain.rules import (
    NEXT,
    StepKind,
    allowed_referral_steps,
    allowed_steps,
    step_kind,
)
from referral_engine.domain.workflow import TransitionSpec, WorkflowDefinition

__all__ = [
    "AllowedStep",
    "CaseView",
    "Deadline",
    "HistoryEntry",
    "MigrationReport",
    "NotYetAllowed",
    "Referral",
    "StepResult",
]


@dataclass(frozen=True)
class StepResult:
    """The outcome of a command: the case version and state it produced."""

    case_id: UUID
    version: int
    state: str
    event: str
    region: str
    referral_id: str | None = None
    replayed: bool = False

    @classmethod
    def of(cls, case_id: UUID, outcome: StepOutcome) -> StepResult:
        """The result of the command on `case_id` that produced `outcome`."""
        return cls(
            case_id=case_id,
            version=outcome.version,
            state=outcome.state,
            event=outcome.event,
            region=outcome.region,
            referral_id=outcome.referral_id,
            replayed=outcome.replayed,
        )


@dataclass(frozen=True)
class MigrationReport:
    """What a migration moved (or, on a dry run, would move), which open cases it refused, and
    which cases stay because they are in a final state."""

    workflow_id: str
    from_version: int
    to_version: int
    dry_run: bool
    moved: tuple[UUID, ...]
    refused: tuple[tuple[UUID, str], ...]
    """Each refused case with the reason (a state with no counterpart in the new version)."""
    final: tuple[tuple[UUID, str], ...] = ()
    """Each case of the old version in a final state, with that state: it stays where it is."""


@dataclass(frozen=True)
class AllowedStep:
    trigger: str
    event: str
    title: str
    required_fields: tuple[str, ...]
    fields: tuple[FieldSpec, ...]
    referral_id: str | None = None
    kind: StepKind = NEXT
    """How it is offered (domain/rules.py `StepKind`): next, change or end."""

    @classmethod
    def of(
        cls,
        spec: TransitionSpec,
        referral_id: str | None = None,
        data: Mapping[str, object] | None = None,
        kind: StepKind = NEXT,
    ) -> AllowedStep:
        """The step as offered on a case with `data`: its fields without the values the case
        may not record (`values_when`), and whether it is a next step, a change or an end."""
        fields = offered_fields(spec.fields, spec.value_conditions, data or {})
        return cls(
            spec.trigger, spec.event, spec.title, spec.required_fields, fields, referral_id, kind
        )


@dataclass(frozen=True)
class Deadline:
    """A running deadline as a reader sees it on a given day."""

    name: str
    referral_id: str | None
    started_on: date
    due_on: date
    service_target: bool
    overdue: bool
    days_left: int


@dataclass(frozen=True)
class NotYetAllowed:
    """A step held back by an earliest-date guard: allowed from `earliest_on`."""

    trigger: str
    earliest_on: date
    after: str
    started_on: date


@dataclass(frozen=True)
class CaseView:
    """A case as a reader sees it: state, data, referrals, open deadlines and legal next steps."""

    id: UUID
    workflow_id: str
    workflow_version: int
    region: str
    state: str
    version: int
    data: dict[str, Any]
    flags: tuple[str, ...]
    referrals: tuple[Referral, ...]
    deadlines: tuple[Deadline, ...]
    allowed_steps: tuple[AllowedStep, ...]
    recorded_at: datetime
    not_yet_allowed: tuple[NotYetAllowed, ...] = ()
    transfer: PendingTransfer | None = None
    """A transfer to another region waiting for an answer."""
    assigned_to: str | None = None
    """The user the case is assigned to."""

    @classmethod
    def of(
        cls, case: Case, workflow: WorkflowDefinition, reader: Actor | None, today: date
    ) -> CaseView:
        steps: list[AllowedStep] = []
        if reader is not None:
            legal = allowed_steps(workflow, case, reader.role, today, reader.agency)
            steps = [AllowedStep.of(s, None, case.data, step_kind(s, case)) for s in legal]
            for rid in case.referrals:
                for spec in allowed_referral_steps(workflow, case, rid, reader):
                    steps.append(AllowedStep.of(spec, rid, case.data, step_kind(spec, case)))
        return cls(
            id=case.id,
            workflow_id=case.workflow_id,
            workflow_version=case.workflow_version,
            region=case.region,
            state=case.state,
            version=case.version,
            data=dict(case.data),
            flags=tuple(case.flags),
            referrals=tuple(case.referrals.values()),
            deadlines=tuple(_deadline(d, today) for d in case.open_deadlines()),
            allowed_steps=tuple(steps),
            recorded_at=case.modified_on,
            not_yet_allowed=tuple(
                NotYetAllowed(g.trigger, g.earliest_on, g.after, g.started_on)
                for g in waiting_steps(case.guards, today)
            ),
            transfer=case.transfer,
            assigned_to=case.assigned_to,
        )


def _deadline(d: RunningDeadline, today: date) -> Deadline:
    return Deadline(
        name=d.name,
        referral_id=d.referral_id,
        started_on=d.started_on,
        due_on=d.due_on,
        service_target=d.service_target,
        overdue=today > d.due_on,
        days_left=(d.due_on - today).days,
    )


@dataclass(frozen=True)
class HistoryEntry:
    """One event of a case's stream, as supervisors read it."""

    version: int
    event: str
    trigger: str | None
    referral_id: str | None
    from_state: str | None
    to_state: str
    data: dict[str, Any]
    actor: dict[str, str]
    occurred_at: datetime
    recorded_at: datetime
    correlation_id: str
    causation_id: str | None
    addressee: str | None = None
    """The agency the step was addressed to (a referral's receiving agency, the police unit a
    request asks, the agency an answer goes back to); its sender is the actor's agency."""

    @classmethod
    def of(cls, event: Any, state_before: str | None = None) -> HistoryEntry:
        """The entry of one event; `state_before` is the case's state before it (for events
        that do not move the case, such as an erasure)."""
        if isinstance(event, Case.Opened):
            trigger, referral_id, from_state, to_state = None, None, None, event.state
        elif isinstance(event, Case.StepTaken | Case.WorkflowMigrated | Case.CaseMoved):
            trigger, referral_id = event.trigger, event.referral_id
            from_state, to_state = event.from_state, event.to_state
        else:
            trigger, referral_id, from_state, to_state = (
                None,
                None,
                state_before,
                state_before or "",
            )
        data = dict(getattr(event, "data", {}))
        if isinstance(event, Case.StatedDateConfirmed):
            data = {
                "step_version": event.step_version,
                "step": event.step,
                "stated_on": event.stated_on,
                "reason": event.reason,
            }
        if isinstance(event, Case.CaseMoved):  # the regions, reason or user; the note
            data = {**event.detail, **event.data}
        if isinstance(event, Case.Imported):
            data = {"register": event.register, "row": event.row, "row_id": event.row_id}
        return cls(
            version=event.originator_version,
            event=getattr(event, "name", type(event).__name__),
            trigger=trigger,
            referral_id=referral_id,
            from_state=from_state,
            to_state=to_state,
            data=data,
            actor=dict(event.actor),
            occurred_at=event.occurred_at,
            recorded_at=event.timestamp,
            correlation_id=event.correlation_id,
            causation_id=getattr(event, "causation_id", None),
            addressee=getattr(event, "agency", None) or None,
        )
