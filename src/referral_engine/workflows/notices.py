"""The meaning checks of the deadlines' notice keys (`remind_before`, `escalate_to`,
`answered_on`): who is told what about a clock. They are notices, not rules of a case."""

from __future__ import annotations

from collections import Counter

from referral_engine.workflows.graph import unknown
from referral_engine.workflows.model import WorkflowModel

SHORTEST_MONTH = 28
"""The days a term of one month spans at least."""
ESCALATION_ROLES = frozenset({"supervisor"})
"""Roles a deadline may escalate to beside the workflow's own."""


def notice_problems(model: WorkflowModel) -> list[str]:
    """A reminder before the clock starts, an escalation to a role nobody holds, an answer that
    does not stop the clock, or a referral's clock answered (its sender is told anyway)."""
    roles = set(model.roles) | ESCALATION_ROLES
    referral_events: set[str] = set()
    if model.referrals is not None:
        referral_events.add(model.referrals.send.event)
        referral_events.update(t.event for t in model.referrals.transitions)
    problems: list[str] = []
    for i, d in enumerate(model.deadlines):
        path = f"deadlines[{i}]"
        days = d.days if d.days is not None else (d.months or 0) * SHORTEST_MONTH
        if d.remind_before is not None and d.remind_before >= days:
            problems.append(
                f"{path}.remind_before: must be fewer than the deadline's {days} days, "
                "else the reminder would come when the clock starts"
            )
        problems += unknown(f"{path}.escalate_to", d.escalate_to, roles, "role")
        problems += [
            f"{path}.escalate_to: '{role}' is listed {n} times"
            for role, n in Counter(d.escalate_to).items()
            if n > 1
        ]
        problems += [
            f"{path}.answered_on: '{event}' is not among the events that stop this deadline"
            for event in d.answered_on
            if event not in d.stops_on
        ]
        if d.answered_on and referral_events & set(d.starts_on):
            problems.append(
                f"{path}.answered_on: a referral's deadline; the referral's sender is told of "
                "its answer anyway"
            )
    return problems
