"""Steps stated earlier than they are recorded (paper records entered later).

Backdating is needed, but it must not open a statutory guard early: a step's earliest-date
guards count from the later of its stated and its recorded time, unless a role the workflow
names (`backdating.confirmed_by`, supervisors by default) confirms the stated date with a
reason, which the event records. Deadlines count from the stated time: the obligation began
when the step happened, and an earlier date only makes them more pressing. A step stated more
than the workflow's `backdating.max_days` before its recording is refused, unless it is imported
from a past register (domain/imports.py): the register vouches for its dates.

The confirmation comes with the step when a confirming role takes it, or later from a confirming
role who did not take it (`confirm_later`, a second person): the guards the step started that
still run then move to its stated day, and the `StatedDateConfirmed` event records them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from referral_engine.domain.case import Case
from referral_engine.domain.commands import Context, fingerprint, recorded
from referral_engine.domain.decisions import REASON_MAX, check_reason
from referral_engine.domain.errors import (
    DateNotConfirmable,
    FieldProblem,
    InvalidData,
    OwnStatedDate,
    RoleNotAllowed,
    VersionConflict,
)
from referral_engine.domain.records import StatedStep, StepOutcome
from referral_engine.domain.workflow import BackdatingSpec, WorkflowDefinition

CONFIRM = "confirm_stated_date"
"""The command's name where a refusal names the step refused (RoleNotAllowed)."""

Confirmation = dict[str, str]
"""What the event records of a confirmed date: the reason, the confirming role and user."""


def check(ctx: Context, occurred: datetime, rule: BackdatingSpec | None) -> Confirmation | None:
    """Refuse a date older than the rule's limit, and a confirmation that is not one; the
    confirmation to record, if the step carries one. An imported step is dated by its register,
    which vouches for the date as a confirming role would: no limit, and its guards count from
    the stated day."""
    if ctx.imported is not None:
        reason = ctx.imported.reason()
        return {"reason": reason, "confirmed_by": "import", "user_id": ctx.actor.user_id}
    limit = rule.max_days if rule is not None else None
    if limit is not None and ctx.now - occurred > timedelta(days=limit):
        problem = (
            f"must not be more than {limit} days before the step is recorded "
            "(the workflow's backdating limit)"
        )
        params = {"limit": limit}
        raise InvalidData([FieldProblem("occurred_at", problem, "backdating_limit", params)])
    if ctx.backdating_reason is None:
        return None
    reason = ctx.backdating_reason.strip()
    confirmers = (rule or BackdatingSpec()).confirmed_by
    if occurred.date() >= ctx.now.date():
        problem = "is given only for a step stated on an earlier day than it is recorded"
    elif ctx.actor.role not in confirmers:
        problem = (
            f"only {', '.join(sorted(confirmers))} may confirm a stated date; without it, "
            "earliest dates count from the day the step is recorded until one of them "
            "confirms the date afterwards"
        )
    elif not reason or len(reason) > REASON_MAX or not reason.isprintable():
        problem = f"is required, at most {REASON_MAX} characters, on one line"
    else:
        return {"reason": reason, "confirmed_by": ctx.actor.role, "user_id": ctx.actor.user_id}
    raise InvalidData([FieldProblem("backdating_reason", problem)])


def guards_from(ctx: Context, occurred: datetime, confirmation: Confirmation | None) -> date:
    """The day a step's earliest-date guards count from."""
    return occurred.date() if confirmation is not None else max(occurred, ctx.now).date()


def confirm_later(
    case: Case,
    workflow: WorkflowDefinition,
    step_version: int,
    reason: str,
    ctx: Context,
    expected_version: int,
) -> StepOutcome:
    """A confirming role vouches for the stated date of another person's backdated step: the
    guards it started that still run count from its stated day from now on."""
    print_ = fingerprint("confirm-date", str(case.id), step_version, reason)
    if (seen := case.retried(ctx, print_)) is not None:
        return seen
    if expected_version != case.version:
        raise VersionConflict(expected_version, case.version)
    step = _stated_step(case, step_version)
    confirmers = _rule(workflow, step).confirmed_by
    if ctx.actor.role not in confirmers:
        raise RoleNotAllowed(CONFIRM, ctx.actor.role, sorted(confirmers))
    if ctx.actor.user_id == step.user_id:
        raise OwnStatedDate(step_version)
    reason = check_reason(reason)
    running = [g for g in step.guards if case.guards.get(g["name"]) == g]
    moves = [(dict(g), moved) for g in running if (moved := _moved(workflow, g, step.stated_on))]
    if not moves:
        raise DateNotConfirmable(step_version, "no-guard")
    case.trigger_event(
        Case.StatedDateConfirmed,
        name="StatedDateConfirmed",
        step_version=step_version,
        step=step.event,
        stated_on=step.stated_on.isoformat(),
        reason=reason,
        guards_started=[moved for _, moved in moves],
        guards_stopped=[old for old, _ in moves],
        **recorded(ctx, ctx.now, print_, f"{case.id}:{step_version}"),
    )
    return case.last_outcome()


def _stated_step(case: Case, version: int) -> StatedStep:
    """The backdated, unconfirmed step at `version`, or why there is none."""
    step = case.stated_steps.get(version)
    if step is None:
        known = 1 <= version <= case.version
        raise DateNotConfirmable(version, "not-backdated" if known else "not-a-step")
    if step.confirmed:
        raise DateNotConfirmable(version, "confirmed")
    return step


def _rule(workflow: WorkflowDefinition, step: StatedStep) -> BackdatingSpec:
    """The backdating rule of the step's transition, else the workflow's."""
    specs = list(workflow.transitions)
    if workflow.referrals is not None:
        specs += [workflow.referrals.send, *workflow.referrals.transitions]
    spec = next((s for s in specs if (s.trigger, s.event) == (step.trigger, step.event)), None)
    rule = spec.backdating if spec is not None else None
    return rule or workflow.backdating or BackdatingSpec()


def _moved(workflow: WorkflowDefinition, guard: Mapping[str, Any], on: date) -> dict[str, Any]:
    """The guard counted from `on` by its rule in the workflow (empty: the workflow has that
    rule no more)."""
    after = workflow.guards_started_by(str(guard["after"]))
    rule = next((s.not_before for s in after if s.trigger == guard["name"]), None)
    if rule is None:
        return {}
    earliest = workflow.calendar.add(on, rule.days, working=rule.working_days)
    return {**guard, "started_on": on.isoformat(), "earliest_on": earliest.isoformat()}
