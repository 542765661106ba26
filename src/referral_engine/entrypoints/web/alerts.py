"""Possible duplicates as the pages show them (docs/persons.md): each pair's two sides, a side in
the reader's regions with a link to its case and, where the reader may read it, the person's
name; a side elsewhere only as "a case in <region>". Reasons and states are message keys, put
in words by the templates; a refused decision's problems, each linked to its field."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from fastapi import Request

from referral_engine.adapters.security import User
from referral_engine.application.duplicates import Alert
from referral_engine.bootstrap import Runtime
from referral_engine.domain.person_links import DISMISS_REASONS, LINK_REASONS, PersonAlertNotFound
from referral_engine.entrypoints.http.duplicates import duplicates, names_shown

LINK, DISMISS, UNLINK = "link", "dismiss", "unlink"
REASONS = {LINK: LINK_REASONS, DISMISS: DISMISS_REASONS}
KEY_LENGTH = 24


@dataclass(frozen=True)
class SideShown:
    region: str
    case_id: UUID | None
    """None: outside the reader's regions ("a case in <region>")."""
    name: str | None
    """The person's name, where the reader may read it on that case."""


@dataclass(frozen=True)
class AlertShown:
    key: str
    """The pair's key in the page's element ids and its forms' addresses: a keyed hash of the
    two case ids, so that the page never holds the id of a case outside the reader's regions."""
    mine: UUID | None
    """The pair's case in the reader's regions that its forms name (None: neither is)."""
    sides: tuple[SideShown, SideShown]
    state: str
    reason: str | None
    raised_at: datetime
    decided_at: datetime | None
    may_act: bool

    def other(self, case_id: UUID) -> SideShown:
        """The side that is not `case_id` (on that case's page)."""
        first, second = self.sides
        return second if first.case_id == case_id else first


@dataclass(frozen=True)
class Failed:
    """A refused decision shown again: which pair and form, each field's problem (a message
    key), or the error for the whole form, and what it posted."""

    key: str
    action: str
    problems: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    reason: str = ""


def shown(request: Request, runtime: Runtime, user: User, alerts: list[Alert]) -> list[AlertShown]:
    """The alerts as `user` sees them; the names shown are recorded in the audit log."""
    visible = {
        (side.case_id, side.region)
        for a in alerts
        for side in (a.raised, a.other)
        if side.case_id is not None
    }
    names = names_shown(request, runtime, user, sorted(visible, key=lambda c: str(c[0])))
    return [
        AlertShown(
            key=pair_key(runtime, a.low, a.high),
            mine=a.raised.case_id or a.other.case_id,
            sides=tuple(  # type: ignore[arg-type]
                SideShown(s.region, s.case_id, names.get(s.case_id) if s.case_id else None)
                for s in (a.raised, a.other)
            ),
            state=a.state,
            reason=a.reason or None,
            raised_at=a.raised_at,
            decided_at=a.decided_at,
            may_act=a.may_act,
        )
        for a in alerts
    ]


def pair_key(runtime: Runtime, low: UUID, high: UUID) -> str:
    """The opaque key of a pair of cases on the pages (the search key's hash of both ids)."""
    return runtime.search.digest(f"pair {low} {high}")[:KEY_LENGTH]


def pair_of(runtime: Runtime, user: User, case_id: UUID, key: str) -> tuple[UUID, UUID]:
    """The pair a form names by one of its cases and the pair's key."""
    for a in duplicates(runtime).of_case(case_id, user.reach):
        if pair_key(runtime, a.low, a.high) == key:
            return a.low, a.high
    raise PersonAlertNotFound(case_id, key)


def problems(action: str, reason: str, confirmed: bool) -> dict[str, str]:
    """What is wrong with a posted decision before the engine is asked: field -> message key."""
    found = {}
    if action in REASONS and reason not in REASONS[action]:
        found["reason"] = "alerts.error.reason"
    if action in (DISMISS, UNLINK) and not confirmed:
        found["confirm"] = "alerts.error.confirm"
    return found
