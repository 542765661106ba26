"""Rules read from the workflow: which steps a role may take now, and which deadlines move."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from referral_engine.domain.commands import Actor
from referral_engine.domain.workflow import ConditionSpec, TransitionSpec, WorkflowDefinition

if TYPE_CHECKING:
    from referral_engine.domain.case import Case


NOT_BEFORE = "not_before"
"""The `kind` of a clock record that holds an earliest date rather than a due date."""


def allowed_steps(
    workflow: WorkflowDefinition, case: Case, role: str, today: date | None = None
) -> list[TransitionSpec]:
    """Case-level steps (and sending a referral) that `role` may take in the case's state now
    (on `today`, when given: steps whose earliest date lies later are left out)."""
    steps = [
        spec
        for spec in workflow.guard.steps_from(case.state)
        if role in spec.roles
        and _flags_hold(spec, case)
        and not unmet_conditions(spec, case)
        and (today is None or too_early(case, spec, today) is None)
    ]
    referrals = workflow.referrals
    if (
        referrals is not None
        and case.state in referrals.allowed_in
        and role in referrals.send.roles
        and _flags_hold(referrals.send, case)
    ):
        steps.append(referrals.send)
    return steps


def allowed_referral_steps(
    workflow: WorkflowDefinition, case: Case, referral_id: str, actor: Actor
) -> list[TransitionSpec]:
    """Steps `actor` may take on one referral now (receiving-agency steps need that agency)."""
    referral = case.referrals.get(referral_id)
    if referral is None or workflow.referrals is None or not workflow.referrals.active(case.state):
        return []
    return [
        spec
        for spec in workflow.referrals.guard.steps_from(referral["state"])
        if actor.role in spec.roles
        and (not spec.receiving_agency_only or referral["agency"] == actor.agency)
        and _flags_hold(spec, case)
        and not unmet_conditions(spec, case)
    ]


def deadline_changes(
    workflow: WorkflowDefinition,
    event: str,
    referral_id: str | None,
    on: date,
    open_deadlines: Mapping[str, Mapping[str, Any]] | None,
    agency: str,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The deadlines an event starts (with due dates) and the open ones it stops.

    A referral's event stops only that referral's clocks; a case-level event stops them all.
    Starting a clock that is already running stops the running one first. Stopped entries are
    the full records, so read models can count without remembering them; `agency` is who
    answers for a started clock (the receiving agency for a referral's).
    """
    running = dict(open_deadlines or {})
    stopped = [
        dict(deadline)
        for spec in workflow.deadlines_stopped_by(event)
        for deadline in running.values()
        if deadline["name"] == spec.name and referral_id in (None, deadline["referral_id"])
    ]
    started = []
    for spec in workflow.deadlines_started_by(event):
        again = running.get(deadline_key(spec.name, referral_id))
        if again is not None and all(again is not s and again != s for s in stopped):
            stopped.append(dict(again))
        started.append(
            {
                "name": spec.name,
                "referral_id": referral_id,
                "agency": agency,
                "started_on": on.isoformat(),
                "due_on": workflow.calendar.add(
                    on, spec.days, working=spec.working_days
                ).isoformat(),
                "service_target": spec.service_target,
            }
        )
    return started, stopped


def guard_changes(
    workflow: WorkflowDefinition,
    event: str,
    trigger: str | None,
    to_state: str,
    on: date,
    running: Mapping[str, Mapping[str, Any]],
    agency: str,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The earliest-date guards an event starts (with their earliest dates), and the running
    ones it ends: its own step was taken, the case can no longer reach it, or it restarts."""
    reachable = workflow.reachable.get(to_state, frozenset())
    stopped = [
        dict(guard) for name, guard in running.items() if name == trigger or name not in reachable
    ]
    started = []
    for spec in workflow.guards_started_by(event):
        rule = spec.not_before
        assert rule is not None
        again = running.get(spec.trigger)
        if again is not None and all(again != s for s in stopped):
            stopped.append(dict(again))
        earliest = workflow.calendar.add(on, rule.days, working=rule.working_days)
        started.append(
            {
                "kind": NOT_BEFORE,
                "name": spec.trigger,
                "referral_id": None,
                "agency": agency,
                "after": event,
                "started_on": on.isoformat(),
                "earliest_on": earliest.isoformat(),
            }
        )
    return started, stopped


def too_early(case: Case, spec: TransitionSpec, on: date) -> Mapping[str, Any] | None:
    """The running guard that forbids taking `spec` on `on`, if any."""
    if spec.not_before is None:
        return None
    guard = case.guards.get(spec.trigger)
    if guard is None or on >= date.fromisoformat(guard["earliest_on"]):
        return None
    return guard


def unmet_conditions(spec: TransitionSpec, case: Case) -> list[ConditionSpec]:
    """The step's conditions on the case's recorded data that do not hold."""
    return [condition for condition in spec.when if not condition.holds(case.data)]


def deadline_key(name: str, referral_id: str | None) -> str:
    return f"{name}|{referral_id or ''}"


def _flags_hold(spec: TransitionSpec, case: Case) -> bool:
    return all(flag in case.flags for flag in spec.requires)
