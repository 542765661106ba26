"""The case's commands: each checks a request against the workflow and the case, then records
one event on it (or returns the first outcome of a retried request, recording nothing)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from referral_engine.domain import (
    agency_rules,
    backdating,
    clocks,
    date_rules,
    decisions,
    migration,
    referrals,
    windows,
)
from referral_engine.domain.agency_rules import RegistryFacts
from referral_engine.domain.case import Case
from referral_engine.domain.commands import Context, fingerprint, recorded
from referral_engine.domain.conditions import limit_problems, withheld_problems
from referral_engine.domain.derivation import derive
from referral_engine.domain.errors import (
    ConditionNotMet,
    IllegalTransition,
    InvalidData,
    MigrationRefused,
    PersonalDataErased,
    RoleNotAllowed,
    VersionConflict,
)
from referral_engine.domain.fields import FieldSpec, Judge, check_data
from referral_engine.domain.records import StepOutcome
from referral_engine.domain.regions import check_region
from referral_engine.domain.rules import allowed_steps, unmet_sending
from referral_engine.domain.workflow import PREVIOUS, TransitionSpec, WorkflowDefinition


def open_case(
    workflow: WorkflowDefinition,
    region: str,
    data: Mapping[str, object],
    ctx: Context,
    case_id: UUID | None = None,
) -> Case:
    """Open a case with the workflow's opening event, checked like any other step."""
    opening = workflow.opening
    if ctx.imported is None and ctx.actor.role not in opening.roles:
        raise RoleNotAllowed("open", ctx.actor.role, sorted(opening.roles))
    region = check_region(region, workflow.regions)
    occurred = ctx.occurred()
    clean = check_data(opening.fields, data, judge=_dates(workflow, opening.fields, occurred))
    clean |= derive(workflow.derived, {}, clean, occurred.date())
    if problems := withheld_problems(workflow.withheld, opening.state, opening.sets, clean):
        raise InvalidData(problems)
    confirmed = backdating.check(ctx, occurred, workflow.backdating)
    guards_on = backdating.guards_from(ctx, occurred, confirmed)
    agency = ctx.actor.agency
    return Case.opened(
        case_id,
        workflow_id=workflow.id,
        workflow_version=workflow.version,
        region=region,
        name=opening.event,
        state=opening.state,
        data=clean,
        flags_set=list(opening.sets),
        deadlines_started=clocks.opening_clocks(
            workflow, occurred.date(), agency, guards_on, clean
        ),
        **recorded(ctx, occurred, open_fingerprint(workflow.id, region, data, ctx)),
    )


def open_fingerprint(
    workflow_id: str, region: str, data: Mapping[str, object], ctx: Context
) -> str:
    """The digest of an open-case command (also used to answer a retried open)."""
    return fingerprint("open", workflow_id, region, data, ctx.occurred_at)


def take_step(
    case: Case,
    workflow: WorkflowDefinition,
    trigger: str,
    data: Mapping[str, object],
    ctx: Context,
    expected_version: int,
    registry: RegistryFacts | None = None,
) -> StepOutcome:
    """Fire one workflow trigger; returns the outcome (version, state, event name). The agencies
    its data names are judged on `registry` (None: not judged, as an imported register's past
    steps stand as the register recorded them)."""
    print_ = fingerprint("step", str(case.id), trigger, data, ctx.occurred_at)
    if (seen := case.retried(ctx, print_)) is not None:
        return seen
    _check_version(case, expected_version)
    spec = workflow.guard.step(case.state, trigger)
    if spec is None:
        # only what this command takes: sending a referral is a command of its own
        send = workflow.referrals.send if workflow.referrals else None
        legal = [
            s.trigger
            for s in allowed_steps(workflow, case, ctx.actor.role, agency=ctx.actor.agency)
            if s is not send
        ]
        rule = next(
            (why for t in workflow.transitions if t.trigger == trigger
             for state, why in t.refused_in if state == case.state),
            "",
        )  # fmt: skip
        raise IllegalTransition(trigger, case.state, legal, rule)
    occurred = _occurred(case, ctx)
    on = occurred.date()
    decisions.check_actor(spec, case, ctx, on=on)  # an age is judged on the step's own day
    decisions.check_not_before(case, spec, on)
    if spec.until_allowed is not None:  # judged like the earliest dates the step would start
        confirmed = backdating.check(ctx, occurred, spec.backdating)
        windows.check_until(case, spec, backdating.guards_from(ctx, occurred, confirmed))
    clean = check_data(spec.fields, data, judge=_dates(workflow, spec.fields, occurred, case))
    if problems := limit_problems(spec.limits, clean, case.data, on):
        raise InvalidData(problems)
    decisions.check_values(spec, clean, case)
    if registry is not None:
        agency_rules.check_named(spec, clean, registry, case.region)
    clean |= derive(workflow.derived, case.data, clean, case.opened_at.date())
    state, flags = left_by(case, spec)
    moves = (None, case.state, state)
    decisions.check_withheld(workflow.withheld, state, flags, case, clean)
    named = _addressee(case, spec, clean)
    _record_step(case, workflow, spec, moves, clean, ctx, print_, named=named or None)
    return case.last_outcome()


def left_by(case: Case, spec: TransitionSpec) -> tuple[str, set[str]]:
    """The state and the flags a case step leaves the case in."""
    dest = case.previous_state if spec.dest == PREVIOUS else spec.dest
    return dest or case.state, (set(case.flags) | set(spec.sets)) - set(spec.clears)


def send_referral(
    case: Case,
    workflow: WorkflowDefinition,
    data: Mapping[str, object],
    ctx: Context,
    expected_version: int,
    registry: RegistryFacts | None = None,
) -> StepOutcome:
    """Refer the person to an agency for a service: starts a referral sub-workflow. The agency
    is judged on `registry`, with the agreement the workflow asks for (None: not judged)."""
    print_ = fingerprint("referral", str(case.id), data, ctx.occurred_at)
    if (seen := case.retried(ctx, print_)) is not None:
        return seen
    _check_version(case, expected_version)
    block = referrals.sending(workflow, case, ctx.actor.role)
    decisions.check_actor(block.send, case, ctx)
    occurred = _occurred(case, ctx)
    on = occurred.date()
    if unmet := unmet_sending(block, case, on):  # `allowed_in` with `when`
        raise ConditionNotMet(block.send.trigger, [c.facts(on) for c in unmet])
    judge = _dates(workflow, block.send.fields, occurred, case)
    clean = check_data(block.send.fields, data, judge=judge)
    if registry is not None:
        agency_rules.check_named(block.send, clean, registry, case.region)
        agency_rules.check_agreement(block, clean, on, registry, (case.region, ctx.actor.agency))
    moves = (f"r{len(case.referrals) + 1}", None, block.initial)
    sent = referrals.named(block, clean)
    _record_step(case, workflow, block.send, moves, clean, ctx, print_, sent)
    return case.last_outcome()


def take_referral_step(
    case: Case,
    workflow: WorkflowDefinition,
    referral_id: str,
    trigger: str,
    data: Mapping[str, object],
    ctx: Context,
    expected_version: int,
    registry: RegistryFacts | None = None,
) -> StepOutcome:
    """Fire a trigger of one referral's sub-workflow (accept, reject, deliver assistance...)."""
    print_ = fingerprint("referral-step", str(case.id), referral_id, trigger, data, ctx.occurred_at)
    if (seen := case.retried(ctx, print_)) is not None:
        return seen
    _check_version(case, expected_version)
    referral, spec = referrals.step_on(workflow, case, referral_id, trigger, ctx.actor)
    both = {**case.data, **referral.data}  # its conditions read the referral's data too
    decisions.check_actor(spec, case, ctx, receiving_agency=referral.agency, data=both)
    judge = _dates(workflow, spec.fields, _occurred(case, ctx), case, referral.data)
    clean = check_data(spec.fields, data, judge=judge)
    decisions.check_values(spec, clean, case)
    if registry is not None:
        agency_rules.check_named(spec, clean, registry, case.region)
    moves = (referral_id, referral.state, spec.dest or referral.state)
    _record_step(case, workflow, spec, moves, clean, ctx, print_)
    return case.last_outcome()


def migrate(
    case: Case,
    source: WorkflowDefinition,
    target: WorkflowDefinition,
    ctx: Context,
    happened: frozenset[str] = frozenset(),
) -> None:
    """Move the case from its workflow version to `target`, mapping its states as the
    target file says (some by the events that `happened` to it); refuse when the case is
    elsewhere or a state has no counterpart."""
    if (case.workflow_id, case.workflow_version) != (source.id, source.version):
        on = f"{case.workflow_id} version {case.workflow_version}"
        raise MigrationRefused(case.id, [f"runs {on}, not {source.ref}"])
    moves = migration.plan(
        case.id,
        (case.state, case.previous_state),
        case.referrals,
        (case.deadlines, case.guards),
        source,
        target,
        happened,
    )
    print_ = fingerprint("migrate", str(case.id), source.ref, target.ref)
    case.trigger_event(
        Case.WorkflowMigrated,
        name="WorkflowMigrated",
        trigger=None,
        referral_id=None,
        from_state=case.state,
        to_state=moves.to_state,
        previous_state=moves.previous_state,
        referral_states=moves.referral_states,
        data={"from_version": source.version, "to_version": target.version},
        deadlines_started=[],
        deadlines_stopped=moves.stopped,
        **{**recorded(ctx, ctx.now, print_), "idempotency_key": None},
        workflow_id=target.id,
        workflow_version=target.version,
        region=case.region,
    )


def erase_personal_data(
    case: Case, workflow: WorkflowDefinition, reason: str, ctx: Context
) -> None:
    """Record that the case's personal data is erased (the caller then destroys its key)."""
    case.trigger_event(
        Case.PersonalDataErased,
        timestamp=ctx.now,
        fields=sorted(workflow.personal),
        reason=decisions.check_reason(reason),
        actor=ctx.actor.as_dict(),
        occurred_at=ctx.occurred(not_before=case.opened_at),
        correlation_id=ctx.correlation_id,
    )


def _check_version(case: Case, expected_version: int) -> None:
    if expected_version != case.version:
        raise VersionConflict(expected_version, case.version)


def _occurred(case: Case, ctx: Context) -> datetime:
    """When a step happened: as stated, not in the future, and not before the previous step
    (so the history reads in order and a date counted from an earlier step stays put)."""
    return ctx.occurred(case.last_occurred_at, f"the previous step, {case.last_step}")


def _dates(
    workflow: WorkflowDefinition,
    fields: Sequence[FieldSpec],
    occurred: datetime,
    case: Case | None = None,
    referral: Mapping[str, Any] | None = None,
) -> Judge:
    """The date rules of a step's fields, judged on the workflow's local days: the day the step
    took place, the day the case was opened (the opening: its own), and what the case (and the
    referral the step moves) recorded before."""
    today = workflow.calendar.day(occurred)
    facts = date_rules.DateFacts(
        today=today,
        opened=workflow.calendar.day(case.opened_at) if case is not None else today,
        recorded={**(case.data if case is not None else {}), **(referral or {})},
        personal=frozenset(workflow.personal),
    )
    return date_rules.judge(fields, facts)


def _addressee(case: Case, spec: TransitionSpec, data: Mapping[str, Any]) -> str:
    """The agency a case step is addressed to: the one its `names_agency` field names, or the
    sender of the step it answers (`named_agency_only`); "" when it is addressed to none."""
    if spec.names_agency:
        return referrals.text(data, spec.names_agency)
    if spec.named_agency_only:
        return case.addressed.get(spec.named_agency_only, ("", ""))[0]
    return ""


def _record_step(
    case: Case,
    workflow: WorkflowDefinition,
    spec: TransitionSpec,
    moves: tuple[str | None, str | None, str],
    data: dict[str, Any],
    ctx: Context,
    print_: str,
    sent: tuple[str, str] | None = None,
    *,
    named: str | None = None,
) -> None:
    """Record a step: `moves` is the referral it moves (None: the case), from which state to
    which; `sent` the agency and service of a referral it sends; `named` the agency a case step
    sends the case to."""
    referral_id, from_state, to_state = moves
    if case.erased and (personal := sorted(set(data) & set(workflow.personal))):
        raise PersonalDataErased(personal)
    occurred = _occurred(case, ctx)
    confirmed = backdating.check(ctx, occurred, spec.backdating)
    started, stopped = clocks.step_changes(
        workflow,
        spec,
        referral_id,
        (case.state, to_state),
        occurred.date(),
        (case.deadlines, case.guards),
        (_responsible_agency(case, referral_id, sent, ctx, named), ctx.actor.agency),
        backdating.guards_from(ctx, occurred, confirmed),
        _as_left(case, referral_id, data),
    )
    case.trigger_event(
        Case.StepTaken,
        name=spec.event,
        trigger=spec.trigger,
        referral_id=referral_id,
        agency=sent[0] if sent else named,
        service=sent[1] if sent else None,
        from_state=from_state,
        to_state=to_state,
        data=data,
        flags_set=list(spec.sets),
        flags_cleared=list(spec.clears),
        deadlines_started=started,
        deadlines_stopped=stopped,
        backdating=confirmed,
        **recorded(ctx, occurred, print_, f"{case.id}:{case.version}"),
        workflow_id=case.workflow_id,
        workflow_version=case.workflow_version,
        region=case.region,
    )


def _as_left(case: Case, referral_id: str | None, data: Mapping[str, Any]) -> dict[str, Any]:
    """The data a step leaves: the case's, its referral's (sent by it or before) and its own."""
    referral = case.referrals.get(referral_id or "")
    return {**case.data, **(referral.data if referral is not None else {}), **data}


def _responsible_agency(
    case: Case,
    referral_id: str | None,
    sent: tuple[str, str] | None,
    ctx: Context,
    named: str | None,
) -> str:
    """Who answers for a clock a step starts: a referral's receiving agency, the agency a case
    step is addressed to (the police unit asked), else the agency of the user taking the step."""
    if sent is not None:
        return sent[0] or ctx.actor.agency
    if named:
        return named
    referral = case.referrals.get(referral_id or "")
    return referral.agency if referral is not None else ctx.actor.agency
