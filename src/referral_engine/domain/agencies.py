"""The Agency aggregate: one event stream per registered agency (its names, kind, services,
regions and co-operation agreements). Events only assign; the commands that decide them are in
agency_commands.py. Agencies live in a store of their own, so case code never meets them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

KINDS = ("state_body", "police_unit", "ngo", "service_provider", "international_organisation")
"""What an agency is; pages word each kind (never the code)."""
LANGUAGES = ("en", "uk")
"""The languages an agency's names are kept in; English is required (the engine's own)."""
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}[a-z0-9]$")
"""An agency's id: what users already type (`shelter-kyiv`), 2..64 lower-case letters, digits
and hyphens, neither first nor last a hyphen."""
SERVICE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
"""A service code, as the workflows' referral `service` values are written (`legal_aid`)."""
NAMESPACE = UUID("5b0c0a39-7a3f-4e36-9d8e-6f0a9a6e2a17")
"""The uuid5 namespace of agency ids: an agency's stream id follows from its slug alone."""


def agency_id(slug: str) -> UUID:
    """The stream id of the agency named `slug` (the same in every database)."""
    return uuid5(NAMESPACE, slug)


@dataclass(frozen=True)
class Agreement:
    """A co-operation agreement of one agency with another, for some services."""

    id: str
    with_agency: str
    services: tuple[str, ...]
    signed_on: date
    valid_until: date | None
    reference: str
    ended_on: date | None = None
    end_reason: str | None = None

    def valid_on(self, day: date) -> bool:
        """In force on `day`: signed, not past its term, not ended."""
        if day < self.signed_on:
            return False
        if self.valid_until is not None and day > self.valid_until:
            return False
        return self.ended_on is None or day < self.ended_on


class Agency(Aggregate):
    """A registered agency: who it is, what it offers where, and with whom it co-operates."""

    class Registered(Aggregate.Created):
        slug: str
        names: dict[str, str]
        kind: str
        services: list[str]
        regions: list[str]
        actor: dict[str, str]
        occurred_at: datetime

        def apply(self, agency: Agency) -> None:
            agency.slug = self.slug
            agency.names = dict(self.names)
            agency.kind = self.kind
            agency.services = list(self.services)
            agency.regions = list(self.regions)
            agency.agreements = {}
            agency.registered_at = agency.changed_at = self.occurred_at

    class DetailsChanged(Aggregate.Event):
        """The details given anew (None: unchanged)."""

        names: dict[str, str] | None
        kind: str | None
        services: list[str] | None
        regions: list[str] | None
        actor: dict[str, str]
        occurred_at: datetime

        def apply(self, agency: Agency) -> None:
            if self.names is not None:
                agency.names = dict(self.names)
            if self.kind is not None:
                agency.kind = self.kind
            if self.services is not None:
                agency.services = list(self.services)
            if self.regions is not None:
                agency.regions = list(self.regions)
            agency.changed_at = self.occurred_at

    class AgreementRecorded(Aggregate.Event):
        """Dates as ISO strings: the store's transcoder keeps datetimes, not dates."""

        agreement_id: str
        with_agency: str
        services: list[str]
        signed_on: str
        valid_until: str | None
        reference: str
        actor: dict[str, str]
        occurred_at: datetime

        def apply(self, agency: Agency) -> None:
            until = date.fromisoformat(self.valid_until) if self.valid_until else None
            agency.agreements[self.agreement_id] = Agreement(
                self.agreement_id,
                self.with_agency,
                tuple(self.services),
                date.fromisoformat(self.signed_on),
                until,
                self.reference,
            )
            agency.changed_at = self.occurred_at

    class AgreementEnded(Aggregate.Event):
        agreement_id: str
        ended_on: str
        reason: str
        actor: dict[str, str]
        occurred_at: datetime

        def apply(self, agency: Agency) -> None:
            found = agency.agreements[self.agreement_id]
            ended = date.fromisoformat(self.ended_on)
            agency.agreements[self.agreement_id] = replace(
                found, ended_on=ended, end_reason=self.reason
            )
            agency.changed_at = self.occurred_at

    def __init__(self) -> None:
        self.slug: str
        self.names: dict[str, str]
        self.kind: str
        self.services: list[str]
        self.regions: list[str]
        self.agreements: dict[str, Agreement]
        self.registered_at: datetime
        self.changed_at: datetime

    @classmethod
    def registered(cls, slug: str, **fields: Any) -> Agency:
        """A new agency's stream, its id derived from `slug`."""
        return cls._create(cls.Registered, id=agency_id(slug), slug=slug, **fields)

    def name(self, language: str) -> str:
        """The agency's name in `language`, else in English."""
        return self.names.get(language) or self.names["en"]


def valid_agreement(
    agency: Agency | AgencyView,
    with_agency: str,
    service: str,
    on: date,
) -> Agreement | None:
    """The agreement of `agency` with `with_agency` covering `service` in force `on`, if any
    (the earliest signed, so the answer is the same however the agreements were recorded)."""
    fitting = [
        a
        for a in agency.agreements.values()
        if a.with_agency == with_agency and service in a.services and a.valid_on(on)
    ]
    return min(fitting, key=lambda a: (a.signed_on, a.id), default=None)


@dataclass(frozen=True)
class AgencyView:
    """What the registry shows of an agency at one version."""

    slug: str
    version: int
    names: Mapping[str, str]
    kind: str
    services: tuple[str, ...]
    regions: tuple[str, ...]
    agreements: Mapping[str, Agreement]
    registered_at: datetime
    changed_at: datetime

    @classmethod
    def of(cls, agency: Agency) -> AgencyView:
        return cls(
            agency.slug,
            agency.version,
            dict(agency.names),
            agency.kind,
            tuple(agency.services),
            tuple(agency.regions),
            dict(agency.agreements),
            agency.registered_at,
            agency.changed_at,
        )

    def name(self, language: str) -> str:
        """The agency's name in `language`, else in English."""
        return self.names.get(language) or self.names["en"]
