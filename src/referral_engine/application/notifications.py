"""Who is told what: the rules that turn a recorded event, or a deadline that nears or passes,
into notices for users (docs/notifications.md). Pure: the worker (adapters/notifications/) hands
in the case as it stands, who asked, and the users of the case's region.

Every notice goes only to a user who may see the case (`domain.access.sight`), never to the user
whose step caused it, and never to a role that works with aggregates only (or an admin). A notice
carries no personal data: what happened, to which case, and the words the pages show for it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Literal, Protocol
from uuid import UUID

from referral_engine.application.readmodel import Event
from referral_engine.domain.access import Reached, Scope, sight
from referral_engine.domain.records import RunningDeadline
from referral_engine.domain.workflow import DeadlineSpec, WorkflowDefinition

Kind = Literal[
    "referral_arrived",
    "referral_answered",
    "request_answered",
    "deadline_due",
    "deadline_passed",
    "deadline_escalated",
]
KINDS: tuple[Kind, ...] = (
    "referral_arrived",
    "referral_answered",
    "request_answered",
    "deadline_due",
    "deadline_passed",
    "deadline_escalated",
)
ANSWERS = frozenset({"referral_accepted", "referral_rejected"})
"""The reporting milestones that answer a referral (docs/workflows.md, "Reporting")."""
NOT_TOLD = frozenset({"analyst", "statistician", "admin"})
"""Roles never told about a case: aggregates only, or running the system."""
MONITORS = frozenset({"supervisor", "admin"})
"""Roles that watch deadlines rather than answer them: told through `escalate_to`."""


@dataclass(frozen=True)
class Recipient:
    """A user who may be told: who they are, what they work, where e-mail goes."""

    id: UUID
    name: str
    role: str
    agency: str
    regions: tuple[str, ...]
    email: str | None = None

    @property
    def scope(self) -> Scope:
        return Scope(
            None if "*" in self.regions else frozenset(self.regions), self.role, self.agency
        )


class Directory(Protocol):
    """The users notices go to (active ones only)."""

    def in_region(self, region: str) -> Sequence[Recipient]:
        """Every active user whose regions cover `region`."""

    def named(self, name: str) -> Recipient | None:
        """The active user of this name, if any."""


class Running(Reached, Protocol):
    """A case as the rules need it: who may see it, and the deadlines running on it."""

    def open_deadlines(self) -> list[RunningDeadline]: ...


@dataclass(frozen=True)
class Asker:
    """Who took a step that asked for something (sent a referral, started a deadline)."""

    user: str
    agency: str


@dataclass(frozen=True)
class CaseNow:
    """The case right after the event (or now, for a deadline), as the worker replayed it,
    with who sent each referral and who started each clock the event stopped."""

    case: Running
    workflow: WorkflowDefinition
    actor: str
    """The user whose step this event is ('' for a deadline's notice)."""
    senders: Mapping[str, Asker]
    stopped: Mapping[tuple[str, str | None], Asker]
    """(deadline name, referral id) -> who started the clock this event stopped."""
    imported: bool = False
    """The event came from a past register (an import): history, which tells nobody."""


@dataclass(frozen=True)
class Notice:
    """One user told one thing, once: `(source, kind, recipient)` is unique."""

    source: str
    kind: Kind
    recipient: Recipient
    case_id: UUID
    referral_id: str | None
    workflow_id: str
    workflow_version: int
    subject: str | None = None
    """The deadline's name, or the referral's new state (the pages word them)."""
    due_on: date | None = None


def event_source(case_id: UUID, version: int) -> str:
    return f"event:{case_id}:{version}"


def deadline_source(case_id: UUID, name: str, referral_id: str | None, due_on: date) -> str:
    """One occurrence of a deadline: a restarted clock (another due date) is another."""
    return f"deadline:{case_id}:{name}:{referral_id or ''}:{due_on.isoformat()}"


def may_notify(event: Event, workflow: WorkflowDefinition) -> bool:
    """Whether the event could tell anyone (the worker replays the case only for those)."""
    if event.referral_id is not None and (event.from_state is None or event.milestones & ANSWERS):
        return True
    return any(_answered(workflow, event, s) is not None for s in event.deadlines_stopped)


def event_notices(event: Event, now: CaseNow, directory: Directory) -> list[Notice]:
    """What an event tells whom: a referral arrived (the receiving agency's users), a referral
    answered (whoever sent it), a request answered (whoever took the step that asked)."""
    if now.imported:
        return []
    sees = _seeing(now, directory, event.region)
    notice = _maker(event_source(event.case_id, event.version), event, now)
    found: list[Notice] = []
    if event.referral_id is not None and event.from_state is None and event.agency:
        found += [notice("referral_arrived", r) for r in sees(lambda r: r.agency == event.agency)]
    if event.referral_id is not None and event.milestones & ANSWERS:
        sender = now.senders.get(event.referral_id)
        found += [
            notice("referral_answered", r, subject=event.to_state)
            for r in _askers(sender, now.actor, sees, directory)
        ]
    for stopped in event.deadlines_stopped:
        spec = _answered(now.workflow, event, stopped)
        if spec is not None:
            asker = now.stopped.get((spec.name, stopped.get("referral_id")))
            found += [
                notice("request_answered", r, subject=spec.name)
                for r in _askers(asker, now.actor, sees, directory)
            ]
    return found


def deadline_notices(
    deadline: Mapping[str, Any], today: date, since: date, now: CaseNow, directory: Directory
) -> list[Notice]:
    """What an open deadline tells whom today: due within its `remind_before` working days, or
    passed (since `since`, the day notices began) to who answers for it, and passed to the
    roles it escalates to. Nothing once the case no longer runs it with that due date: the
    deadlines read model may not have folded the step that stopped it (answered, case closed)."""
    spec = next((d for d in now.workflow.deadlines if d.name == deadline["name"]), None)
    due: date = deadline["due_on"]
    if spec is None or not _runs(now.case, spec.name, deadline["referral_id"], due):
        return []
    passed = due < today
    if passed and due < since:
        return []
    reminder = spec.remind_before
    if not passed and (
        reminder is None or today < now.workflow.calendar.before(due, reminder, working=True)
    ):
        return []
    case_id, referral_id = deadline["case_id"], deadline["referral_id"]
    source = deadline_source(case_id, spec.name, referral_id, due)
    sees = _seeing(replace(now, actor=""), directory, deadline["region"])  # nobody's step
    kind: Kind = "deadline_passed" if passed else "deadline_due"
    found = [
        _notice(source, kind, r, case_id, referral_id, now.workflow, spec.name, due)
        for r in _answering(spec, deadline, now.workflow, sees)
    ]
    if passed and spec.escalate_to:
        roles, told = set(spec.escalate_to), {n.recipient.id for n in found}
        found += [
            _notice(
                source, "deadline_escalated", r, case_id, referral_id, now.workflow, spec.name, due
            )
            for r in sees(lambda r: r.role in roles and r.id not in told)
        ]
    return found


Seeing = Callable[[Callable[[Recipient], bool]], list[Recipient]]


def _runs(case: Running, name: str, referral_id: str | None, due: date) -> bool:
    """Whether the case runs this deadline (of this referral) due on this day."""
    return any(
        (d.name, d.referral_id, d.due_on) == (name, referral_id, due) for d in case.open_deadlines()
    )


def _seeing(now: CaseNow, directory: Directory, region: str) -> Seeing:
    """The users of the region matching a test who may see the case, the actor aside."""

    def sees(test: Callable[[Recipient], bool]) -> list[Recipient]:
        return [
            r
            for r in directory.in_region(region)
            if r.name != now.actor
            and r.role not in NOT_TOLD
            and test(r)
            and sight(now.workflow.access, now.case, r.scope) is not None
        ]

    return sees


def _askers(asker: Asker | None, actor: str, sees: Seeing, directory: Directory) -> list[Recipient]:
    """Who asked, if they may still see the case; else their agency's users who may (the one
    who asked has left, or moved on). Nobody when the one who asked answered it themselves."""
    if asker is None or asker.user == actor:
        return []
    user = directory.named(asker.user)
    if user is not None and (found := sees(lambda r: r.id == user.id)):
        return found
    return sees(lambda r: r.agency == asker.agency and r.name != asker.user)


def _answering(
    spec: DeadlineSpec, deadline: Mapping[str, Any], workflow: WorkflowDefinition, sees: Seeing
) -> list[Recipient]:
    """Who answers for a deadline: users who may take a step that stops it (monitors aside),
    of the agency that answers for it when it has such users (for a referral's deadline, only
    that agency), else any such user who sees the case."""
    roles = {
        role
        for t in workflow.all_transitions()
        if t.event in spec.stops_on
        for role in t.roles
        if role not in MONITORS
    }
    able = sees(lambda r: r.role in roles)
    theirs = [r for r in able if r.agency == deadline["agency"]]
    return theirs if theirs or deadline["referral_id"] is not None else able


def _answered(
    workflow: WorkflowDefinition, event: Event, stopped: Mapping[str, Any]
) -> DeadlineSpec | None:
    """The deadline a stopped clock belongs to, when this event answers it (`answered_on`)."""
    if stopped.get("kind") is not None:  # an earliest-date guard, not a deadline
        return None
    for spec in workflow.deadlines:
        if spec.name == stopped.get("name") and event.name in spec.answered_on:
            return spec
    return None


def _maker(source: str, event: Event, now: CaseNow) -> Callable[..., Notice]:
    def notice(kind: Kind, r: Recipient, subject: str | None = None) -> Notice:
        return _notice(source, kind, r, event.case_id, event.referral_id, now.workflow, subject)

    return notice


def _notice(
    source: str,
    kind: Kind,
    recipient: Recipient,
    case_id: UUID,
    referral_id: str | None,
    workflow: WorkflowDefinition,
    subject: str | None,
    due_on: date | None = None,
) -> Notice:
    return Notice(
        source,
        kind,
        recipient,
        case_id,
        referral_id,
        workflow.id,
        workflow.version,
        subject,
        due_on,
    )
