"""Need-to-know: which cases a reader reaches, and how much of one they see.

Pure. The workflow declares per role how its users reach cases (`access:` in the file, see
docs/workflows.md); a reader's `Scope` says who they are (role, agency, regions); `sight` tells
whether they reach a case, and if so whether they see all of it or only their referrals.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from referral_engine.domain.records import PendingTransfer

REGION = "region"
"""Every case in the user's regions."""
ACTED = "acted"
"""Cases the user's agency opened or took a step on."""
NAMED = "named"
"""Cases a step sent to the user's agency (a transition's `names_agency` field names it)."""
REFERRED = "referred"
"""Cases with a referral to the user's agency: only what the workflow shares with a referral."""
REACHES = (REGION, ACTED, NAMED, REFERRED)
"""Every reach a workflow may give a role, widest first."""


class Reached(Protocol):
    """What deciding reach needs of a case (the aggregate has it)."""

    region: str
    transfer: PendingTransfer | None
    """A transfer to another region waiting for an answer (its `to_region`), or None."""
    acting_agencies: list[str]
    named_agencies: list[str]

    @property
    def referral_agencies(self) -> Mapping[str, str]: ...


@dataclass(frozen=True)
class Scope:
    """Who reads or acts: the regions they work (None: every region), their role and agency
    (a role of None reaches every case of the regions, as internal tools do)."""

    regions: frozenset[str] | None = None
    role: str | None = None
    agency: str = ""

    def covers(self, region: str) -> bool:
        return self.regions is None or region in self.regions


@dataclass(frozen=True)
class Sight:
    """How much of one case a reader sees: all of it, or only the referrals in `referrals`
    (with the case fields shared with a referral and the steps of the reader's agency)."""

    referrals: frozenset[str] | None = None
    agency: str = ""
    receiving: bool = False
    """Seen only as the receiving region of a transfer waiting for the reader's answer: read
    whole, to decide on it, but not worked on until accepted (domain/transfers.py)."""

    @property
    def whole(self) -> bool:
        return self.referrals is None


WHOLE = Sight()
RECEIVING = Sight(receiving=True)


STAFF_ROLES = frozenset({"supervisor", "admin"})
"""Roles a workflow need not list in `access:`: they reach every case of their regions."""


def reaches_of(access: Mapping[str, Collection[str]], role: str) -> Collection[str]:
    """How `role` reaches cases of a workflow: as declared; every case of the regions when the
    workflow declares nothing, or for a staff role it does not list; else not at all (a role
    of another workflow)."""
    found = access.get(role)
    if found is not None:
        return found
    return (REGION,) if not access or role in STAFF_ROLES else ()


def sight(
    access: Mapping[str, Collection[str]],
    case: Reached,
    scope: Scope | None,
    answering: Collection[str] = (),
) -> Sight | None:
    """How much of `case` the reader sees, or None when it lies outside their reach; a role
    of `answering` (who answers transfers) of the region a transfer waits for sees it too."""
    if scope is None:
        return WHOLE
    if not scope.covers(case.region):
        waiting = case.transfer
        if waiting is not None and scope.covers(waiting.to_region):
            return RECEIVING if scope.role is None or scope.role in answering else None
        return None
    if scope.role is None:
        return WHOLE
    reaches = reaches_of(access, scope.role)
    agency = scope.agency
    if (
        REGION in reaches
        or (ACTED in reaches and agency in case.acting_agencies)
        or (NAMED in reaches and agency in case.named_agencies)
    ):
        return WHOLE
    if REFERRED in reaches:
        mine = frozenset(r for r, a in case.referral_agencies.items() if a == agency)
        if mine:
            return Sight(mine, agency)
    return None


def queue_filter(
    workflows: Iterable[tuple[str, Mapping[str, Collection[str]]]], scope: Scope
) -> tuple[list[str] | None, list[str]]:
    """What the queue lists for `scope` (the regions aside), from each loaded workflow version's
    id and `access`: the ids of workflows whose every case of the regions it lists (None: every
    workflow's), and the marks a case of the others must carry (as the case_queue read model
    folds them, `reach_mark`): a reach is a role's in its own workflow only."""
    if scope.role is None:
        return None, []
    whole: dict[str, bool] = {}
    marks: set[str] = set()
    for workflow_id, access in workflows:
        reaches = reaches_of(access, scope.role)
        whole[workflow_id] = whole.get(workflow_id, True) and REGION in reaches
        marks.update(reach_mark(workflow_id, r, scope.agency) for r in reaches if r != REGION)
    if all(whole.values()):
        return None, []
    return sorted(w for w, listed in whole.items() if listed), sorted(marks)


def answering_workflows(
    workflows: Iterable[tuple[str, Collection[str]]], scope: Scope
) -> list[str] | None:
    """The workflows whose transfers into the reader's regions they answer, from each loaded
    version's id and answering roles (None: every workflow's, for an internal tool)."""
    if scope.role is None:
        return None
    return sorted({w for w, answering in workflows if scope.role in answering})


def reach_mark(workflow_id: str, reach: str, agency: str) -> str:
    """The mark a case of `workflow_id` carries once it is shared with `agency` that way
    (`ukraine-nrm|referred|shelter-kyiv`): a role of another workflow with the same agency name
    finds no case through it."""
    return f"{workflow_id}|{reach}|{agency}"


def sight_by_marks(
    access: Mapping[str, Collection[str]],
    workflow_id: str,
    region: str,
    marks: Collection[str],
    scope: Scope | None,
) -> Sight | None:
    """`sight` for a case known only by a read model's row (its region and the reach marks it
    carries, as `reach_mark` makes them): WHOLE, a sight of only the reader's referrals (their
    ids unknown here: empty), or None when the case lies outside the reader's reach."""
    if scope is None:
        return WHOLE
    if not scope.covers(region):
        return None
    if scope.role is None:
        return WHOLE
    reaches = reaches_of(access, scope.role)
    if REGION in reaches or any(
        reach in reaches and reach_mark(workflow_id, reach, scope.agency) in marks
        for reach in (ACTED, NAMED)
    ):
        return WHOLE
    if REFERRED in reaches and reach_mark(workflow_id, REFERRED, scope.agency) in marks:
        return Sight(frozenset(), scope.agency)
    return None
