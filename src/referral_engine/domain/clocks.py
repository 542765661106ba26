"""Deadline bookkeeping: the clocks an event starts and stops, and the earliest-date guards.

Clocks travel in events as plain records (`deadlines_started`/`deadlines_stopped`), so read
models count them without state; the case keeps the running ones by key.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, MutableMapping
from datetime import date
from typing import Any

from referral_engine.domain.calendar import add_months
from referral_engine.domain.conditions import unmet
from referral_engine.domain.records import NOT_BEFORE, CaseFacts, EarliestDate, RunningDeadline
from referral_engine.domain.workflow import DeadlineSpec, TransitionSpec, WorkflowDefinition

Clock = dict[str, Any]
"""A clock as an event records it."""


def deadline_changes(
    workflow: WorkflowDefinition,
    event: str,
    referral_id: str | None,
    on: date,
    open_deadlines: Mapping[str, Mapping[str, Any]] | None,
    agency: str,
    data: Mapping[str, object] | None = None,
) -> tuple[list[Clock], list[Clock]]:
    """The deadlines an event starts (with due dates) and the open ones it stops.

    A referral's event stops only that referral's clocks; a case-level event stops them all.
    Starting a clock that is already running stops the running one first. Stopped entries are
    the full records, so read models can count without remembering them; `agency` is who
    answers for a started clock (the receiving agency for a referral's). A deadline with
    conditions (`when`) starts only when they hold on `data`, the case's (and the referral's)
    data as the event leaves it.
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
        if unmet(spec.when, data or {}, on):
            continue
        again = running.get(deadline_key(spec.name, referral_id))
        if again is not None and all(again is not s and again != s for s in stopped):
            stopped.append(dict(again))
        due = due_on(workflow, spec, on)
        started.append(
            {
                "name": spec.name,
                "referral_id": referral_id,
                "agency": agency,
                "started_on": on.isoformat(),
                "due_on": due.isoformat(),
                "service_target": spec.service_target,
            }
        )
    return started, stopped


def due_on(workflow: WorkflowDefinition, spec: DeadlineSpec, on: date) -> date:
    """When a deadline started on `on` is due: its months, else its calendar or working days."""
    if spec.months:
        return add_months(on, spec.months)
    return workflow.calendar.add(on, spec.days, working=spec.working_days)


def guard_changes(
    workflow: WorkflowDefinition,
    event: str,
    trigger: str | None,
    to_state: str,
    on: date,
    running: Mapping[str, Mapping[str, Any]],
    agency: str,
) -> tuple[list[Clock], list[Clock]]:
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


def too_early(case: CaseFacts, spec: TransitionSpec, on: date) -> EarliestDate | None:
    """The running guard that forbids taking `spec` on `on`, if any."""
    if spec.not_before is None:
        return None
    guard = case.guards.get(spec.trigger)
    if guard is None or on >= date.fromisoformat(guard["earliest_on"]):
        return None
    return EarliestDate.of(guard)


def start(
    deadlines: MutableMapping[str, Clock],
    guards: MutableMapping[str, Clock],
    clocks: Iterable[Clock],
) -> None:
    """Keep the clocks an event started: deadlines, and guards (kind `not_before`)."""
    for clock in clocks:
        if clock.get("kind") == NOT_BEFORE:
            guards[clock["name"]] = dict(clock)
        else:
            deadlines[deadline_key(clock["name"], clock["referral_id"])] = dict(clock)


def stop(
    deadlines: MutableMapping[str, Clock],
    guards: MutableMapping[str, Clock],
    clocks: Iterable[Clock],
) -> None:
    """Forget the clocks an event stopped."""
    for clock in clocks:
        if clock.get("kind") == NOT_BEFORE:
            guards.pop(clock["name"], None)
        else:
            deadlines.pop(deadline_key(clock["name"], clock["referral_id"]), None)


def running_deadlines(deadlines: Mapping[str, Clock]) -> list[RunningDeadline]:
    """The running deadlines, soonest due first."""
    records = [RunningDeadline.of(d) for d in deadlines.values()]
    return sorted(records, key=lambda d: (d.due_on, d.name))


def waiting_steps(guards: Mapping[str, Clock], today: date) -> list[EarliestDate]:
    """The steps still held back on `today`, the soonest allowed first."""
    records = [EarliestDate.of(g) for g in guards.values()]
    return sorted(
        (g for g in records if g.earliest_on > today), key=lambda g: (g.earliest_on, g.trigger)
    )


def deadline_key(name: str, referral_id: str | None) -> str:
    """The key a running deadline is kept under: one per name and referral."""
    return f"{name}|{referral_id or ''}"


def step_changes(
    workflow: WorkflowDefinition,
    spec: TransitionSpec,
    referral_id: str | None,
    states: tuple[str, str],
    on: date,
    running: tuple[Mapping[str, Clock], Mapping[str, Clock]],
    agencies: tuple[str, str],
    guards_on: date | None = None,
    data: Mapping[str, object] | None = None,
) -> tuple[list[Clock], list[Clock]]:
    """The clocks a step starts and stops. `states` is the case's state after a case step,
    else now; `running` its deadlines and guards; `agencies` who answers for a deadline it
    starts and for a guard; `data` what deadlines' conditions read. Deadlines count from `on`,
    guards from `guards_on` (default `on`; see backdating.py)."""
    deadlines, guards = running
    event = spec.event
    started, stopped = deadline_changes(
        workflow, event, referral_id, on, deadlines, agencies[0], data
    )
    case_step = referral_id is None
    trigger = spec.trigger if case_step else None
    to_state = states[1] if case_step else states[0]
    more = guard_changes(workflow, event, trigger, to_state, guards_on or on, guards, agencies[1])
    return started + more[0], stopped + more[1]


def opening_clocks(
    workflow: WorkflowDefinition,
    on: date,
    agency: str,
    guards_on: date | None = None,
    data: Mapping[str, object] | None = None,
) -> list[Clock]:
    """The clocks a case's opening starts (deadlines from `on`, guards from `guards_on`;
    deadlines' conditions read the opening's `data`)."""
    event, state = workflow.opening.event, workflow.opening.state
    started, _ = deadline_changes(workflow, event, None, on, None, agency, data)
    guards = guard_changes(workflow, event, None, state, guards_on or on, {}, agency)[0]
    return started + guards
