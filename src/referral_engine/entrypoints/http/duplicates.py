"""The duplicate check after a command, for the API and the pages alike: what the opener is told
(a possible match exists, in which region; the other case only where the opener reaches it),
and the supervisors' decisions with their audit entries (docs/persons.md)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from uuid import UUID

from fastapi import Request

from referral_engine.adapters.security import User
from referral_engine.application.duplicates import Duplicates, Side
from referral_engine.bootstrap import Runtime
from referral_engine.domain.errors import CaseNotFound
from referral_engine.entrypoints.http.audit import command, mark_of

LINK, DISMISS, UNLINK = "person.link", "person.dismiss", "person.unlink"
ALERTS = "person.alerts"


@dataclass(frozen=True)
class Checked:
    """The check's answer: `pending` when the index was not ready (it runs again later)."""

    found: tuple[Side, ...]
    pending: bool = False


def duplicates(runtime: Runtime) -> Duplicates:
    """The duplicate check and the alerts, on the runtime's search index and case store."""
    return Duplicates.beside(runtime.search, runtime.engine)


def after_command(
    runtime: Runtime, user: User, case_id: UUID, data: Mapping[str, object]
) -> Checked | None:
    """Run the check when the command recorded a name or a date of birth (None otherwise);
    the other cases are named only where `user` reaches them."""
    if duplicates(runtime).fields.isdisjoint(data):
        return None
    sides = duplicates(runtime).check(case_id)
    if sides is None:
        return Checked((), pending=True)
    return Checked(tuple(Side(s.region, reached(runtime, user, s.case_id)) for s in sides))


def told(runtime: Runtime, user: User, case_id: UUID) -> tuple[Side, ...]:
    """The case's open alerts as its opener is told of them (the page after the command):
    each other case's region, and its id only where `user` reaches it."""
    sides = duplicates(runtime).open_sides(case_id)
    return tuple(Side(s.region, reached(runtime, user, s.case_id)) for s in sides)


def reached(runtime: Runtime, user: User, case_id: UUID | None) -> UUID | None:
    """The case id if `user` may read that case, else None ("a case in <region>")."""
    if case_id is None:
        return None
    try:
        runtime.engine.case(case_id, scope=user.reach)
    except CaseNotFound:
        return None
    return case_id


def decided(
    request: Request,
    runtime: Runtime,
    user: User,
    action: str,
    pair: tuple[UUID, UUID],
    reason: str = "",
) -> None:
    """A supervisor's decision on a pair, its audit entry written with both cases' events."""
    mark_of(request).detail = {"other_case": str(pair[1]), "reason": reason}
    note = command(request, 200)
    d = duplicates(runtime)
    if action == LINK:
        d.link(*pair, reason, actor=user.actor, scope=user.reach, audit=note)
    elif action == DISMISS:
        d.dismiss(*pair, reason, actor=user.actor, scope=user.reach, audit=note)
    else:
        d.unlink(*pair, actor=user.actor, scope=user.reach, audit=note)
    mark_of(request).written = True


def names_shown(
    request: Request, runtime: Runtime, user: User, cases: list[tuple[UUID, str]]
) -> dict[UUID, str]:
    """The person's name of each of these cases (id, region) that `user` may read it on; each
    case whose name is shown gets its own audit entry, as a search's results do."""
    names = runtime.search.names([c for c, _ in cases], user.reach)
    regions = dict(cases)
    mark = mark_of(request)
    for case_id, (_, field) in names.items():
        read = {"via": ALERTS, "personal_fields": [field]}
        mark.cases.append((case_id, regions[case_id], read))
    return {case_id: name for case_id, (name, _) in names.items()}
