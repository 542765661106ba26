"""The Case aggregate: one event stream per case. Commands decide; events only assign state."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from referral_engine.domain.commands import Context, fingerprint
from referral_engine.domain.errors import (
    ConditionNotMet,
    FieldProblem,
    IdempotencyKeyReused,
    IllegalTransition,
    InvalidData,
    MigrationRefused,
    NotReceivingAgency,
    PersonalDataErased,
    PreconditionMissing,
    ReferralNotFound,
    RoleNotAllowed,
    TooEarly,
    VersionConflict,
)
from referral_engine.domain.fields import check_data
from referral_engine.domain.personal import ERASED, erase, is_marker
from referral_engine.domain.rules import (
    NOT_BEFORE,
    allowed_referral_steps,
    allowed_steps,
    deadline_changes,
    deadline_key,
    guard_changes,
    too_early,
    unmet_conditions,
)
from referral_engine.domain.workflow import PREVIOUS, TransitionSpec, WorkflowDefinition

REGION_MAX = 100
REASON_MAX = 500


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
            case._record_outcome(self, None)
            case._start_deadlines(self.deadlines_started)

    class StepTaken(Aggregate.Event):
        """A workflow step on the case, or on one of its referrals when `referral_id` is set."""

        class_version = 1
        name: str
        trigger: str
        referral_id: str | None
        from_state: str | None
        to_state: str
        data: dict[str, Any]
        flags_set: list[str]
        flags_cleared: list[str]
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
            if self.referral_id is None:
                if self.to_state != self.from_state:
                    case.previous_state = self.from_state
                case.state = self.to_state
                case.data.update(self.data)
            else:
                case._apply_referral_step(self)
            case.flags = sorted((set(case.flags) | set(self.flags_set)) - set(self.flags_cleared))
            if self.occurred_at >= case.last_occurred_at:
                case.last_occurred_at, case.last_step = self.occurred_at, self.name
            case._stop_deadlines(self.deadlines_stopped)
            case._start_deadlines(self.deadlines_started)
            case._record_outcome(self, self.referral_id)

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
                case.referrals[rid]["state"] = state
            case._stop_deadlines(self.deadlines_stopped)
            case._record_outcome(self, None)

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
            case.data = {k: dict(ERASED) if k in names else v for k, v in case.data.items()}
            for first in case.idempotency.values():
                if personal := sorted(names.intersection(first["fields"])):
                    first.update(fingerprint=dict(ERASED), fields=personal)  # it was sealed
            for referral in case.referrals.values():
                referral["data"] = erase(referral["data"], dict.fromkeys(names, frozenset()))
                for step in referral["steps"]:
                    step["data"] = erase(step["data"], dict.fromkeys(names, frozenset()))

    def __init__(self) -> None:
        self.erased = False
        self.workflow_id: str
        self.workflow_version: int
        self.region: str
        self.state: str
        self.previous_state: str | None
        self.data: dict[str, Any]
        self.flags: list[str]
        self.referrals: dict[str, dict[str, Any]]
        self.deadlines: dict[str, dict[str, Any]]
        self.guards: dict[str, dict[str, Any]]
        """Earliest-date guards running, by the trigger they hold back."""
        self.idempotency: dict[str, dict[str, Any]]
        self.opened_at: datetime
        self.last_occurred_at: datetime
        """When the latest step happened (as stated): no later step may be stated earlier."""
        self.last_step: str

    # -- commands -------------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        workflow: WorkflowDefinition,
        region: str,
        data: Mapping[str, object],
        ctx: Context,
        case_id: UUID | None = None,
    ) -> Case:
        """Open a case with the workflow's opening event, checked like any other step."""
        opening = workflow.opening
        if ctx.actor.role not in opening.roles:
            raise RoleNotAllowed("open", ctx.actor.role, sorted(opening.roles))
        region = _check_region(region)
        clean = check_data(opening.fields, data)
        occurred = ctx.occurred()
        on, agency = occurred.date(), ctx.actor.agency
        started, _ = deadline_changes(workflow, opening.event, None, on, None, agency)
        started += guard_changes(workflow, opening.event, None, opening.state, on, {}, agency)[0]
        return cls._create(
            cls.Opened,
            id=case_id,
            timestamp=ctx.now,
            workflow_id=workflow.id,
            workflow_version=workflow.version,
            region=region,
            name=opening.event,
            state=opening.state,
            data=clean,
            flags_set=list(opening.sets),
            deadlines_started=started,
            actor=ctx.actor.as_dict(),
            occurred_at=occurred,
            correlation_id=ctx.correlation_id,
            causation_id=ctx.causation_id,
            idempotency_key=ctx.idempotency_key,
            fingerprint=open_fingerprint(workflow.id, region, data, ctx),
        )

    def take_step(
        self,
        workflow: WorkflowDefinition,
        trigger: str,
        data: Mapping[str, object],
        ctx: Context,
        expected_version: int,
    ) -> dict[str, Any]:
        """Fire one workflow trigger; returns the outcome (version, state, event name)."""
        print_ = fingerprint("step", str(self.id), trigger, data, ctx.occurred_at)
        if (seen := self.retried(ctx, print_)) is not None:
            return seen
        self._check_version(expected_version)
        spec = workflow.guard.step(self.state, trigger)
        if spec is None:
            legal = [s.trigger for s in allowed_steps(workflow, self, ctx.actor.role)]
            raise IllegalTransition(trigger, self.state, legal)
        self._check_actor(spec, ctx)
        self._check_not_before(spec, self._occurred(ctx).date())
        clean = check_data(spec.fields, data)
        dest = self.previous_state if spec.dest == PREVIOUS else spec.dest
        self._record_step(workflow, spec, None, self.state, dest or self.state, clean, ctx, print_)
        return self.idempotency_outcome()

    def send_referral(
        self,
        workflow: WorkflowDefinition,
        data: Mapping[str, object],
        ctx: Context,
        expected_version: int,
    ) -> dict[str, Any]:
        """Refer the person to an agency for a service: starts a referral sub-workflow."""
        print_ = fingerprint("referral", str(self.id), data, ctx.occurred_at)
        if (seen := self.retried(ctx, print_)) is not None:
            return seen
        self._check_version(expected_version)
        referrals = workflow.referrals
        if referrals is None or self.state not in referrals.allowed_in:
            trigger = referrals.send.trigger if referrals else "send_referral"
            legal = [s.trigger for s in allowed_steps(workflow, self, ctx.actor.role)]
            raise IllegalTransition(trigger, self.state, legal)
        self._check_actor(referrals.send, ctx)
        clean = check_data(referrals.send.fields, data)
        referral_id = f"r{len(self.referrals) + 1}"
        self._record_step(
            workflow, referrals.send, referral_id, None, referrals.initial, clean, ctx, print_
        )
        return self.idempotency_outcome()

    def take_referral_step(
        self,
        workflow: WorkflowDefinition,
        referral_id: str,
        trigger: str,
        data: Mapping[str, object],
        ctx: Context,
        expected_version: int,
    ) -> dict[str, Any]:
        """Fire a trigger of one referral's sub-workflow (accept, reject, deliver assistance...)."""
        print_ = fingerprint(
            "referral-step", str(self.id), referral_id, trigger, data, ctx.occurred_at
        )
        if (seen := self.retried(ctx, print_)) is not None:
            return seen
        self._check_version(expected_version)
        referral = self.referrals.get(referral_id)
        if referral is None or workflow.referrals is None:
            raise ReferralNotFound(referral_id)
        if not workflow.referrals.active(self.state):
            raise IllegalTransition(trigger, self.state, [])
        spec = workflow.referrals.guard.step(referral["state"], trigger)
        if spec is None:
            legal = allowed_referral_steps(workflow, self, referral_id, ctx.actor)
            raise IllegalTransition(trigger, referral["state"], [s.trigger for s in legal])
        self._check_actor(spec, ctx, receiving_agency=referral["agency"])
        clean = check_data(spec.fields, data)
        dest = spec.dest or referral["state"]
        self._record_step(workflow, spec, referral_id, referral["state"], dest, clean, ctx, print_)
        return self.idempotency_outcome()

    def migrate(self, source: WorkflowDefinition, target: WorkflowDefinition, ctx: Context) -> None:
        """Move the case from its workflow version to `target`, mapping its states as the
        target file says; refuse when the case is elsewhere or a state has no counterpart."""
        if (self.workflow_id, self.workflow_version) != (source.id, source.version):
            on = f"{self.workflow_id} version {self.workflow_version}"
            raise MigrationRefused(self.id, [f"runs {on}, not {source.ref}"])
        mapping = target.migration_from(source.version)
        states = dict(mapping.states) if mapping else {}
        ref_states = dict(mapping.referral_states) if mapping else {}
        known_refs = target.referrals.states if target.referrals else {}
        problems: list[str] = []
        state = _counterpart(states, self.state, target.states, "state", problems)
        before = self.previous_state
        if before is not None:
            before = _counterpart(states, before, target.states, "previous state", problems)
        moved = {
            rid: _counterpart(ref_states, r["state"], known_refs, f"referral {rid} state", problems)
            for rid, r in self.referrals.items()
        }
        if problems:
            raise MigrationRefused(self.id, problems)
        names = {d.name for d in target.deadlines}
        guarded = {t.trigger for t in target.transitions if t.not_before}
        stopped = [d for d in self.deadlines.values() if d["name"] not in names]
        stopped += [g for g in self.guards.values() if g["name"] not in guarded]
        self.trigger_event(
            self.WorkflowMigrated,
            timestamp=ctx.now,
            name="WorkflowMigrated",
            trigger=None,
            referral_id=None,
            from_state=self.state,
            to_state=state,
            previous_state=before,
            referral_states={
                rid: s for rid, s in moved.items() if s != self.referrals[rid]["state"]
            },
            data={"from_version": source.version, "to_version": target.version},
            deadlines_started=[],
            deadlines_stopped=[dict(d) for d in stopped],
            actor=ctx.actor.as_dict(),
            occurred_at=ctx.now,
            correlation_id=ctx.correlation_id,
            causation_id=ctx.causation_id,
            idempotency_key=None,
            fingerprint=fingerprint("migrate", str(self.id), source.ref, target.ref),
            workflow_id=target.id,
            workflow_version=target.version,
            region=self.region,
        )

    def erase_personal_data(self, workflow: WorkflowDefinition, reason: str, ctx: Context) -> None:
        """Record that the case's personal data is erased (the caller then destroys its key)."""
        reason = reason.strip()
        if not reason or len(reason) > REASON_MAX:
            problem = f"is required, at most {REASON_MAX} characters"
            raise InvalidData([FieldProblem("reason", problem)])
        self.trigger_event(
            self.PersonalDataErased,
            timestamp=ctx.now,
            fields=sorted(workflow.personal),
            reason=reason,
            actor=ctx.actor.as_dict(),
            occurred_at=ctx.occurred(not_before=self.opened_at),
            correlation_id=ctx.correlation_id,
        )

    # -- decisions shared by the commands -------------------------------------------------------

    def retried(self, ctx: Context, print_: str) -> dict[str, Any] | None:
        """The first outcome of a retried command, or None when this key is new.

        A command that carried personal data left only a sealed digest, unreadable once the
        case is erased: its retry can no longer be matched, so it is refused, writing nothing."""
        key = ctx.key()
        if key is None or key not in self.idempotency:
            return None
        first = self.idempotency[key]
        if is_marker(first["fingerprint"]):
            raise PersonalDataErased(sorted(first["fields"]), retry=True)
        if first["fingerprint"] != print_:
            raise IdempotencyKeyReused(str(ctx.idempotency_key))
        return {**first, "replayed": True}

    def _check_version(self, expected_version: int) -> None:
        if expected_version != self.version:
            raise VersionConflict(expected_version, self.version)

    def _check_actor(
        self, spec: TransitionSpec, ctx: Context, receiving_agency: str | None = None
    ) -> None:
        if ctx.actor.role not in spec.roles:
            raise RoleNotAllowed(spec.trigger, ctx.actor.role, sorted(spec.roles))
        if spec.receiving_agency_only and receiving_agency != ctx.actor.agency:
            raise NotReceivingAgency(spec.trigger, ctx.actor.agency, str(receiving_agency))
        if unmet := unmet_conditions(spec, self):
            raise ConditionNotMet(spec.trigger, [(c.field, c.equals) for c in unmet])
        missing = [flag for flag in spec.requires if flag not in self.flags]
        if missing:
            raise PreconditionMissing(spec.trigger, missing)

    def _occurred(self, ctx: Context) -> datetime:
        """When a step happened: as stated, not in the future, and not before the previous step
        (so the history reads in order and a date counted from an earlier step stays put)."""
        return ctx.occurred(self.last_occurred_at, f"the previous step, {self.last_step}")

    def _check_not_before(self, spec: TransitionSpec, on: date) -> None:
        guard = too_early(self, spec, on)
        if guard is not None:
            raise TooEarly(
                spec.trigger,
                date.fromisoformat(guard["earliest_on"]),
                guard["after"],
                date.fromisoformat(guard["started_on"]),
            )

    def _record_step(
        self,
        workflow: WorkflowDefinition,
        spec: TransitionSpec,
        referral_id: str | None,
        from_state: str | None,
        to_state: str,
        data: dict[str, Any],
        ctx: Context,
        print_: str,
    ) -> None:
        if self.erased and (personal := sorted(set(data) & set(workflow.personal))):
            raise PersonalDataErased(personal)
        occurred = self._occurred(ctx)
        agency = self._responsible_agency(workflow, referral_id, data, ctx)
        started, stopped = deadline_changes(
            workflow, spec.event, referral_id, occurred.date(), self.deadlines, agency
        )
        case_step = referral_id is None
        guards_started, guards_stopped = guard_changes(
            workflow,
            spec.event,
            spec.trigger if case_step else None,
            to_state if case_step else self.state,
            occurred.date(),
            self.guards,
            ctx.actor.agency,
        )
        started += guards_started
        stopped += guards_stopped
        self.trigger_event(
            self.StepTaken,
            timestamp=ctx.now,
            name=spec.event,
            trigger=spec.trigger,
            referral_id=referral_id,
            from_state=from_state,
            to_state=to_state,
            data=data,
            flags_set=list(spec.sets),
            flags_cleared=list(spec.clears),
            deadlines_started=started,
            deadlines_stopped=stopped,
            actor=ctx.actor.as_dict(),
            occurred_at=occurred,
            correlation_id=ctx.correlation_id,
            causation_id=ctx.causation_id or f"{self.id}:{self.version}",
            idempotency_key=ctx.idempotency_key,
            fingerprint=print_,
            workflow_id=self.workflow_id,
            workflow_version=self.workflow_version,
            region=self.region,
        )

    def _responsible_agency(
        self,
        workflow: WorkflowDefinition,
        referral_id: str | None,
        data: dict[str, Any],
        ctx: Context,
    ) -> str:
        """Who answers for a clock this step starts: a referral's receiving agency, else the
        agency of the user taking the step."""
        if referral_id is None or workflow.referrals is None:
            return ctx.actor.agency
        referral = self.referrals.get(referral_id)
        if referral is not None:
            return str(referral["agency"])
        return str(data.get(workflow.referrals.agency_field, ctx.actor.agency))

    # -- state assignment, called only from events -----------------------------------------------

    def _apply_referral_step(self, event: Case.StepTaken) -> None:
        rid = str(event.referral_id)
        if event.from_state is None:
            self.referrals[rid] = {
                "id": rid,
                "state": event.to_state,
                "agency": event.data.get("agency", ""),
                "service": event.data.get("service", ""),
                "data": dict(event.data),
                "sent_at": event.occurred_at.isoformat(),
                "steps": [],
            }
        referral = self.referrals[rid]
        referral["state"] = event.to_state
        referral["steps"].append(
            {"name": event.name, "occurred_at": event.occurred_at.isoformat(), "data": event.data}
        )

    def _start_deadlines(self, started: list[dict[str, Any]]) -> None:
        """Clocks an event started: deadlines, and earliest-date guards (kind `not_before`)."""
        for clock in started:
            if clock.get("kind") == NOT_BEFORE:
                self.guards[clock["name"]] = dict(clock)
            else:
                self.deadlines[deadline_key(clock["name"], clock["referral_id"])] = dict(clock)

    def _stop_deadlines(self, stopped: list[dict[str, Any]]) -> None:
        for clock in stopped:
            if clock.get("kind") == NOT_BEFORE:
                self.guards.pop(clock["name"], None)
            else:
                self.deadlines.pop(deadline_key(clock["name"], clock["referral_id"]), None)

    def _record_outcome(self, event: Any, referral_id: str | None) -> None:
        outcome = {
            "version": event.originator_version,
            "state": self.state,
            "region": self.region,
            "name": event.name,
            "referral_id": referral_id,
            "fingerprint": event.fingerprint,
        }
        self._last_outcome = outcome
        if event.idempotency_key is not None:
            key = f"{event.actor['user_id']}:{event.idempotency_key}"
            self.idempotency[key] = {**outcome, "fields": sorted(event.data)}

    def idempotency_outcome(self) -> dict[str, Any]:
        """The outcome of the last event applied (what a command returns)."""
        return {**self._last_outcome, "replayed": False}

    def open_deadlines(self) -> list[dict[str, Any]]:
        return sorted(self.deadlines.values(), key=lambda d: (d["due_on"], d["name"]))


def open_fingerprint(
    workflow_id: str, region: str, data: Mapping[str, object], ctx: Context
) -> str:
    """The digest of an open-case command (also used to answer a retried open)."""
    return fingerprint("open", workflow_id, region, data, ctx.occurred_at)


def _check_region(region: object) -> str:
    if not isinstance(region, str) or not region.strip():
        raise InvalidData([FieldProblem("region", "is required", "required")])
    if len(region) > REGION_MAX:
        problem = f"must be at most {REGION_MAX} characters"
        raise InvalidData([FieldProblem("region", problem, "too_long", {"limit": REGION_MAX})])
    return region.strip()


def _counterpart(
    renamed: Mapping[str, str], state: str, known: Mapping[str, Any], what: str, problems: list[str]
) -> str:
    """The name `state` has in the new version (renamed, else the same); notes a missing one."""
    new = renamed.get(state, state)
    if new not in known:
        problems.append(f"{what} '{state}' has no counterpart in the new version")
    return new
