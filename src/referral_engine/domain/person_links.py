"""Possible duplicates and linked persons (docs/persons.md, "Duplicate alerts and linked persons").

When a case records who its person is (a name and a date of birth), the engine looks across all
regions for other cases of someone with the same date of birth and a name close enough
(`SIMILARITY`). Each such pair is an **alert**, recorded on the case that raised it as
`PossibleDuplicateFound`: the other case's id and region only, never its person's data. A
supervisor of a region holding one of the two cases then **links** them to one person
(`PersonLinked`, with a reason from `LINK_REASONS`) or **dismisses** the alert
(`DuplicateDismissed`, `DISMISS_REASONS`); a link can be **undone** (`PersonUnlinked`). Those three
are recorded on both cases, saved in one transaction, so each case knows the state of each of
its pairs (`Case.matches`: other case id -> `OPEN`, `LINKED`, `DISMISSED` or `UNLINKED`).

Links are transitive: the cases linked directly or through others are one person (`persons`),
known by the smallest case id of the group. Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from eventsourcing.domain import Aggregate

from referral_engine.domain.access import Scope
from referral_engine.domain.errors import DomainError, FieldProblem, InvalidData, NotFound

if TYPE_CHECKING:
    from referral_engine.domain.case import Case
    from referral_engine.domain.commands import Context

SIMILARITY = 0.85
"""The least Jaro-Winkler similarity (domain/person_terms.py `similarity`) of two names, with
the same date of birth, for an alert: one typo or another spelling of a name of two words scores
above 0.9, two different first names of one surname below 0.8."""
CANDIDATES = 50
"""How many cases sharing the terms the index hands over to be confirmed."""
ACTING_ROLES = frozenset({"supervisor"})
"""Who links and dismisses: supervisors of a region holding one of the two cases."""
LINK_REASONS = ("same_document", "confirmed_by_person", "same_details", "confirmed_by_agency")
DISMISS_REASONS = ("different_persons", "recording_error")
OPEN, LINKED, DISMISSED, UNLINKED = "open", "linked", "dismissed", "unlinked"
FOUND, LINK, DISMISS, UNLINK = (
    "PossibleDuplicateFound",
    "PersonLinked",
    "DuplicateDismissed",
    "PersonUnlinked",
)
EVENT_NAMES = (FOUND, LINK, DISMISS, UNLINK)


class PersonAlertNotFound(NotFound):
    """No alert (or link) between the two cases, or one of them outside the caller's regions."""

    type = "person-alert-not-found"

    def __init__(self, case_id: object, other_case: object) -> None:
        self.case_id = case_id
        self.other_case = other_case
        super().__init__(f"no possible duplicate of case {case_id} and case {other_case}")


class PersonAlertClosed(DomainError):
    """An action on a pair of cases whose alert is no longer open (or a link undone twice);
    `code` says where the pair stands: `linked`, `dismissed`, `unlinked` or `open`."""

    type = "person-alert-closed"
    title = "Someone has already decided on these two cases"
    WHY: ClassVar[Mapping[str, str]] = {
        "linked": "are already linked to one person",
        "dismissed": "had their alert dismissed",
        "unlinked": "had their link undone",
        "open": "are not linked: their alert is still open",
    }

    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(f"the two cases {self.WHY[code]}")


class _PairEvent(Aggregate.Event):
    """One side of a pair of cases: the other case's id and region, never its person's data."""

    name: str
    other_case: str
    other_region: str
    reason: str
    actor: dict[str, str]
    occurred_at: datetime
    correlation_id: str
    workflow_id: str
    workflow_version: int
    region: str

    STATE: ClassVar[str] = OPEN

    def apply(self, case: Any) -> None:
        case.matches[self.other_case] = self.STATE


class PossibleDuplicateFound(_PairEvent):
    """The engine found another case whose person may be this case's (`similarity`: of the
    names, with the same date of birth); `reason` is empty."""

    class_version = 1
    similarity: float


class PersonLinked(_PairEvent):
    class_version = 1
    STATE = LINKED


class DuplicateDismissed(_PairEvent):
    class_version = 1
    STATE = DISMISSED


class PersonUnlinked(_PairEvent):
    class_version = 1
    STATE = UNLINKED


def pair_state(a: Case, b: Case) -> str | None:
    """Where the pair stands (as either case recorded it last), None if never alerted."""
    return a.matches.get(str(b.id)) or b.matches.get(str(a.id))


def confirmed(scores: Iterable[float]) -> bool:
    """Whether the best similarity of two cases' names (with the same date of birth) reaches
    the threshold; no score (a side without a name) is never enough."""
    return max(scores, default=0.0) >= SIMILARITY


def may_act(scope: Scope, regions: Iterable[str]) -> bool:
    """Whether `scope` may link or dismiss a pair of cases lying in `regions`: a supervisor of
    at least one of them."""
    return scope.role in ACTING_ROLES and any(scope.covers(r) for r in regions)


def may_see(scope: Scope, region: str) -> bool:
    """Whether `scope` may be shown which case lies on one side (its id): only in its regions."""
    return scope.covers(region)


def found(case: Case, other: Case, similarity: float, ctx: Context) -> bool:
    """Record an alert on `case` naming `other`, unless the pair is known already (alerted on
    either side, linked, dismissed or unlinked): the check can run again and again."""
    if case.id == other.id or pair_state(case, other) is not None:
        return False
    case.trigger_event(
        PossibleDuplicateFound, **_fields(case, other, FOUND, "", ctx), similarity=similarity
    )
    return True


def link(a: Case, b: Case, reason: str, ctx: Context) -> None:
    """Link the two cases of an open alert to one person (recorded on both)."""
    _decide(a, b, OPEN, LINK_REASONS, reason)
    _both(a, b, PersonLinked, LINK, reason, ctx)


def dismiss(a: Case, b: Case, reason: str, ctx: Context) -> None:
    """Dismiss an open alert: not the same person (recorded on both)."""
    _decide(a, b, OPEN, DISMISS_REASONS, reason)
    _both(a, b, DuplicateDismissed, DISMISS, reason, ctx)


def unlink(a: Case, b: Case, ctx: Context) -> None:
    """Undo a link of the two cases (recorded on both)."""
    _decide(a, b, LINKED, None, "")
    _both(a, b, PersonUnlinked, UNLINK, "", ctx)


def persons(links: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Each linked case's person: the smallest case id of the cases linked to it directly or
    through others (links are transitive). Cases with no link are their own person."""
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in links:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {x: root(x) for x in parent}


def _decide(a: Case, b: Case, wanted: str, reasons: tuple[str, ...] | None, reason: str) -> None:
    state = pair_state(a, b)
    if state is None:
        raise PersonAlertNotFound(a.id, b.id)
    if state != wanted:
        raise PersonAlertClosed(state)
    if reasons is not None and reason not in reasons:
        raise InvalidData(
            [
                FieldProblem(
                    "reason",
                    f"must be one of: {', '.join(reasons)}",
                    "not_one_of",
                    {"values": list(reasons)},
                )
            ]
        )


def _both(a: Case, b: Case, cls: type[_PairEvent], name: str, reason: str, ctx: Context) -> None:
    for x, y in ((a, b), (b, a)):
        x.trigger_event(cls, **_fields(x, y, name, reason, ctx))


def _fields(case: Case, other: Case, name: str, reason: str, ctx: Context) -> dict[str, Any]:
    return {
        "name": name,
        "other_case": str(other.id),
        "other_region": other.region,
        "reason": reason,
        "actor": ctx.actor.as_dict(),
        "occurred_at": ctx.now,
        "correlation_id": ctx.correlation_id,
        "timestamp": ctx.now,
        "workflow_id": case.workflow_id,
        "workflow_version": case.workflow_version,
        "region": case.region,
    }
