"""Plain values a case keeps and its commands return: referrals, running clocks, outcomes.

A leaf of the domain: it imports nothing of it, so the case, its rules and its views can all
use these without importing one another in a circle. Events keep plain data (their stored
shape must replay); these records are built from it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

NOT_BEFORE = "not_before"
"""The `kind` of a clock record that holds an earliest date rather than a due date."""

DEFAULT_AGENCY_FIELD = "agency"
DEFAULT_SERVICE_FIELD = "service"
"""The send fields naming a referral's agency and service when a workflow names no others
(the names events recorded before the referral-sent event carried them itself)."""


@dataclass(frozen=True)
class StepOutcome:
    """What a command produced: the case version and state, and the event it recorded."""

    version: int
    state: str
    region: str
    event: str
    referral_id: str | None = None
    replayed: bool = False


@dataclass(frozen=True)
class FirstOutcome:
    """What a retried command is answered with, and the digest telling a retry from a reuse
    (a sealed marker once a digest of personal data is erased)."""

    outcome: StepOutcome
    fingerprint: str | Mapping[str, str]
    fields: tuple[str, ...]
    """The data fields the first command carried."""


@dataclass(frozen=True)
class PendingTransfer:
    """A transfer of the case to another region, waiting for the receiving region's answer."""

    to_region: str
    reason: str
    requested_by: str
    requested_role: str
    requested_at: datetime
    version: int
    """The case version that recorded the request."""


@dataclass(frozen=True)
class Referral:
    """One referral of a case to an agency for a service, and the steps taken on it."""

    id: str
    agency: str
    service: str
    state: str
    data: dict[str, Any]
    steps: tuple[dict[str, Any], ...]
    sent_at: datetime | None = None


@dataclass(frozen=True)
class RunningDeadline:
    """A deadline running on a case (or one of its referrals) and who answers for it."""

    name: str
    referral_id: str | None
    agency: str
    started_on: date
    due_on: date
    service_target: bool

    @classmethod
    def of(cls, clock: Mapping[str, Any]) -> RunningDeadline:
        """The record of a clock as an event stored it."""
        return cls(
            name=clock["name"],
            referral_id=clock["referral_id"],
            agency=clock.get("agency") or "",
            started_on=date.fromisoformat(clock["started_on"]),
            due_on=date.fromisoformat(clock["due_on"]),
            service_target=bool(clock["service_target"]),
        )


@dataclass(frozen=True)
class EarliestDate:
    """A step held back until `earliest_on`, counted from the event `after`."""

    trigger: str
    agency: str
    after: str
    started_on: date
    earliest_on: date

    @classmethod
    def of(cls, clock: Mapping[str, Any]) -> EarliestDate:
        """The record of a guard as an event stored it."""
        return cls(
            trigger=clock["name"],
            agency=clock.get("agency") or "",
            after=clock["after"],
            started_on=date.fromisoformat(clock["started_on"]),
            earliest_on=date.fromisoformat(clock["earliest_on"]),
        )


class CaseFacts(Protocol):
    """What the rules read of a case (the aggregate provides it)."""

    @property
    def state(self) -> str: ...

    @property
    def data(self) -> Mapping[str, Any]: ...

    @property
    def flags(self) -> list[str]: ...

    @property
    def referrals(self) -> Mapping[str, Referral]: ...

    @property
    def guards(self) -> Mapping[str, Mapping[str, Any]]: ...

    @property
    def addressed(self) -> Mapping[str, tuple[str, str]]:
        """Trigger -> the sender and the addressee agency of its latest addressed step."""


@dataclass(frozen=True)
class StatedStep:
    """A step stated on an earlier day than it was recorded (backdating.py): whose, what, and
    the earliest-date guards it started; `confirmed` once a confirming role vouched for it."""

    version: int
    event: str
    trigger: str | None
    user_id: str
    stated_on: date
    guards: tuple[Mapping[str, Any], ...]
    confirmed: bool
