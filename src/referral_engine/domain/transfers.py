"""Moving a case: transfers between regions and the caseworker it is assigned to.

A transfer is requested by a role of the workflow's `transfers.requested_by` working the case's
region, naming the receiving region and a reason from `transfers.reasons`; a role of
`answered_by` working the receiving region accepts it (the case's region changes by that event,
its deadlines keep their due dates, its assignment ends) or refuses it with a reason from
`refusal_reasons`; the requesting side may withdraw it first. One transfer waits at a time.

A supervisor assigns the case to any user who can work on it (of its region, in a role that
reaches it), or to nobody; a caseworker who can work on it takes it while nobody has it, and
gives it back. Each command records one event (`Case.RegionTransfer`, `Case.Assigned`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from referral_engine.domain.access import Reached, Scope, sight
from referral_engine.domain.aside import record_aside
from referral_engine.domain.case import Case
from referral_engine.domain.commands import Context, fingerprint
from referral_engine.domain.errors import (
    FieldProblem,
    InvalidData,
    PersonalDataErased,
    RegionNotAllowed,
    RoleNotAllowed,
    VersionConflict,
)
from referral_engine.domain.fields import FieldSpec, check_data
from referral_engine.domain.records import PendingTransfer, StepOutcome
from referral_engine.domain.regions import TRANSFER_NOTE, TransferSpec, check_region
from referral_engine.domain.transfer_errors import (
    AssigneeUnsuitable,
    AssignmentRefused,
    TransferNotPossible,
)
from referral_engine.domain.workflow import WorkflowDefinition

ASSIGNERS = frozenset({"supervisor"})
"""Roles that assign a case to anyone who can work on it (others only take it themselves)."""
REQUESTED, ACCEPTED = "TransferRequested", "TransferAccepted"
REFUSED, WITHDRAWN = "TransferRefused", "TransferWithdrawn"
ASSIGNED, UNASSIGNED = "CaseAssigned", "CaseUnassigned"
TRANSFER_EVENTS = (REQUESTED, ACCEPTED, REFUSED, WITHDRAWN)
"""The names of a transfer's events, in the order a transfer may record them."""


@dataclass(frozen=True)
class Assignee:
    """The user a case is to be assigned to, as the user directory knows them (None: no such
    active user)."""

    user_id: str
    scope: Scope | None


def request_transfer(
    case: Case,
    workflow: WorkflowDefinition,
    answer: tuple[str, str, str | None],
    ctx: Context,
    expected_version: int,
    scope: Scope | None,
) -> StepOutcome:
    """Ask the receiving region to take the case: `answer` is (region, reason, note)."""
    region, reason, note = answer
    print_ = fingerprint("transfer", str(case.id), region, reason, note)
    if (seen := case.retried(ctx, print_)) is not None:
        return seen
    spec = _spec(workflow)
    _check(case, expected_version, ctx, spec.requested_by, "request_transfer")
    _working(case, scope)
    if case.transfer is not None:
        raise TransferNotPossible("pending")
    to_region = check_region(region, workflow.regions)
    if to_region == case.region:
        problem = FieldProblem("region", "must be another region than the case's", "same_region")
        raise InvalidData([problem])
    detail = {"from_region": case.region, "to_region": to_region}
    detail["reason"] = _reason(reason, spec.reasons)
    _record(case, REQUESTED, detail, _note(case, workflow, note), ctx, print_)
    return case.last_outcome()


def answer_transfer(
    case: Case,
    workflow: WorkflowDefinition,
    answer: tuple[bool, str | None, str | None],
    ctx: Context,
    expected_version: int,
    scope: Scope | None,
) -> StepOutcome:
    """Accept (the case moves to the receiving region) or refuse the waiting transfer:
    `answer` is (accepted, refusal reason, note)."""
    accepted, reason, note = answer
    print_ = fingerprint("transfer-answer", str(case.id), accepted, reason, note)
    if (seen := case.retried(ctx, print_)) is not None:
        return seen
    spec = _spec(workflow)
    trigger = "accept_transfer" if accepted else "refuse_transfer"
    _check(case, expected_version, ctx, spec.answered_by, trigger)
    waiting = case.transfer
    if waiting is None:
        raise TransferNotPossible("none")
    if scope is not None and not scope.covers(waiting.to_region):
        raise RegionNotAllowed(waiting.to_region, "answer transfers into")
    detail: dict[str, Any] = {"from_region": case.region, "to_region": waiting.to_region}
    if not accepted:
        detail["reason"] = _reason(reason, spec.refusal_reasons)
    data = _note(case, workflow, note)
    if not accepted:
        _record(case, REFUSED, detail, data, ctx, print_)
        return case.last_outcome()
    running = [dict(c) for c in (*case.deadlines.values(), *case.guards.values())]
    moved = (running, running)
    _record(case, ACCEPTED, detail, data, ctx, print_, region=waiting.to_region, clocks=moved)
    return case.last_outcome()


def withdraw_transfer(
    case: Case,
    workflow: WorkflowDefinition,
    ctx: Context,
    expected_version: int,
    scope: Scope | None,
) -> StepOutcome:
    """Take back the waiting transfer, as a requesting role of the case's region."""
    print_ = fingerprint("transfer-withdraw", str(case.id), case.version)
    if (seen := case.retried(ctx, print_)) is not None:
        return seen
    spec = _spec(workflow)
    _check(case, expected_version, ctx, spec.requested_by, "withdraw_transfer")
    _working(case, scope)
    if case.transfer is None:
        raise TransferNotPossible("none")
    detail = {"from_region": case.region, "to_region": case.transfer.to_region}
    _record(case, WITHDRAWN, detail, {}, ctx, print_)
    return case.last_outcome()


def assign(
    case: Case,
    workflow: WorkflowDefinition,
    assignee: tuple[str | None, Assignee | None],
    ctx: Context,
    expected_version: int,
    scope: Scope | None,
) -> StepOutcome:
    """Assign the case to a user (`assignee`: the name asked for, and the user found under
    it; a name of None: to nobody): a supervisor assigns anyone who can work on it, a
    caseworker takes it while nobody has it, or gives back their own."""
    name, found = assignee
    print_ = fingerprint("assign", str(case.id), name, case.version)
    if (seen := case.retried(ctx, print_)) is not None:
        return seen
    _check_version(case, expected_version)
    _working(case, scope)
    actor = ctx.actor
    if actor.role not in ASSIGNERS:
        if name not in (None, actor.user_id):
            raise RoleNotAllowed("assign", actor.role, sorted(ASSIGNERS))
        if case.assigned_to not in (None, actor.user_id):
            raise AssignmentRefused("taken")
    if name == case.assigned_to:
        raise AssignmentRefused("unchanged")
    if name is not None:
        if found is None:
            raise AssigneeUnsuitable(name, "unknown")
        if not can_work(workflow, case, found.scope):
            raise AssigneeUnsuitable(name, "cannot_work")
    _record(case, ASSIGNED if name else UNASSIGNED, {"user": name}, {}, ctx, print_)
    return case.last_outcome()


def can_work(workflow: WorkflowDefinition, case: Reached, scope: Scope | None) -> bool:
    """Whether a user of `scope` can work on the case: reaches all of it in its region, in a
    role of its workflow."""
    seen = sight(workflow.access, case, scope)
    role = scope.role if scope is not None else None
    return seen is not None and seen.whole and role in workflow.roles


def transfer_actions(
    workflow: WorkflowDefinition,
    region: str,
    waiting: PendingTransfer | None,
    scope: Scope | None,
    role: str,
) -> frozenset[str]:
    """What `role` (with `scope`) may do about transfers of a case in `region` now (`waiting`:
    its transfer waiting for an answer): `request`, `withdraw`, `answer` (accept or refuse)."""
    spec = workflow.transfers
    if spec is None:
        return frozenset()
    here = scope is None or scope.covers(region)
    if waiting is not None:
        there = scope is None or scope.covers(waiting.to_region)
        answer = {"answer"} if there and role in spec.answered_by else set()
        withdraw = {"withdraw"} if here and role in spec.requested_by else set()
        return frozenset(answer | withdraw)
    return frozenset({"request"} if here and role in spec.requested_by else ())


def _spec(workflow: WorkflowDefinition) -> TransferSpec:
    if workflow.transfers is None:
        raise TransferNotPossible("undeclared")
    return workflow.transfers


def _check_version(case: Case, expected_version: int) -> None:
    if expected_version != case.version:
        raise VersionConflict(expected_version, case.version)


def _check(
    case: Case, expected_version: int, ctx: Context, roles: frozenset[str], trigger: str
) -> None:
    _check_version(case, expected_version)
    if ctx.actor.role not in roles:
        raise RoleNotAllowed(trigger, ctx.actor.role, sorted(roles))


def _working(case: Case, scope: Scope | None) -> None:
    """The actor works the case's region (a receiving region's user does not, yet)."""
    if scope is not None and not scope.covers(case.region):
        raise TransferNotPossible("receiving")


def _reason(reason: str | None, reasons: tuple[str, ...]) -> str:
    spec = FieldSpec("reason", "enum", required=True, values=reasons)
    return str(_checked(spec, reason, "reason"))


def _checked(spec: FieldSpec, value: str | None, path: str) -> Any:
    """One value checked as a field, its problems named by the command's own `path`."""
    try:
        return check_data([spec], {spec.name: value} if value else {})[spec.name]
    except InvalidData as refused:
        raise InvalidData([replace(p, path=path) for p in refused.problems]) from None


def _note(case: Case, workflow: WorkflowDefinition, note: str | None) -> dict[str, Any]:
    """The optional note, checked as free text; personal, so refused on an erased case."""
    if note is None or not note.strip():
        return {}
    if case.erased:
        raise PersonalDataErased([TRANSFER_NOTE.name])
    return {TRANSFER_NOTE.name: _checked(TRANSFER_NOTE, note, "note")}


def _record(case: Case, name: str, *rest: Any, **options: Any) -> None:
    """Record a transfer's or an assignment's event (the case's state stays where it is)."""
    event = Case.Assigned if name in (ASSIGNED, UNASSIGNED) else Case.RegionTransfer
    record_aside(case, event, name, *rest, **options)
