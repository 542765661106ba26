"""Steps stated earlier than they are recorded (paper records entered later).

Backdating is needed, but it must not open a statutory guard early: a step's earliest-date
guards count from the later of its stated and its recorded time, unless a role the workflow
names (`backdating.confirmed_by`, supervisors by default) confirms the stated date with a
reason, which the event records. Deadlines count from the stated time: the obligation began
when the step happened, and an earlier date only makes them more pressing. A step stated more
than the workflow's `backdating.max_days` before its recording is refused.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from referral_engine.domain.commands import Context
from referral_engine.domain.decisions import REASON_MAX
from referral_engine.domain.errors import FieldProblem, InvalidData
from referral_engine.domain.workflow import BackdatingSpec

Confirmation = dict[str, str]
"""What the event records of a confirmed date: the reason, the confirming role and user."""


def check(ctx: Context, occurred: datetime, rule: BackdatingSpec | None) -> Confirmation | None:
    """Refuse a date older than the rule's limit, and a confirmation that is not one; the
    confirmation to record, if the step carries one."""
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
            "earliest dates count from the day the step is recorded"
        )
    elif not reason or len(reason) > REASON_MAX or not reason.isprintable():
        problem = f"is required, at most {REASON_MAX} characters, on one line"
    else:
        return {"reason": reason, "confirmed_by": ctx.actor.role, "user_id": ctx.actor.user_id}
    raise InvalidData([FieldProblem("backdating_reason", problem)])


def guards_from(ctx: Context, occurred: datetime, confirmation: Confirmation | None) -> date:
    """The day a step's earliest-date guards count from."""
    return occurred.date() if confirmation is not None else max(occurred, ctx.now).date()
