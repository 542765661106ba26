"""The agency registry: register and change agencies, record and end their agreements, list
them, read one as of any version, its history, and the ids close to a mistyped one."""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from referral_engine.application.ports import AgencyStore
from referral_engine.application.reading import Clock, utc_now
from referral_engine.domain import agency_commands as commands
from referral_engine.domain.agencies import SLUG, Agency, AgencyView, agency_id
from referral_engine.domain.commands import Actor, Context
from referral_engine.domain.errors import AgencyExists, AgencyNotFound, VersionConflict
from referral_engine.domain.text import text_problem

EVENT_KINDS: dict[type, str] = {
    Agency.Registered: "registered",
    Agency.DetailsChanged: "details_changed",
    Agency.AgreementRecorded: "agreement_recorded",
    Agency.AgreementEnded: "agreement_ended",
}
"""Each event's name in a history entry (pages word it; the class name is internal)."""
_NOT_SHOWN = {"originator_id", "originator_version", "timestamp", "actor", "occurred_at"}


@dataclass(frozen=True)
class AgencyEntry:
    """One event of an agency's history: which version it made, what it said, who and when."""

    version: int
    kind: str
    occurred_at: datetime
    user_id: str
    details: Mapping[str, Any]


class Agencies:
    """The registry's commands and queries, on its own event store."""

    def __init__(self, store: AgencyStore, clock: Clock = utc_now) -> None:
        self.store = store
        self.clock = clock
        self._now: tuple[int | None, dict[str, AgencyView]] | None = None

    def register(
        self,
        slug: str,
        names: object,
        kind: object,
        services: object,
        regions: object,
        *,
        actor: Actor,
    ) -> AgencyView:
        """Register a new agency under its id (AgencyExists when taken)."""
        exists = self._known(slug)
        agency = commands.register(
            slug, names, kind, services, regions, self._ctx(actor), exists=exists
        )
        return self._save(agency)

    def register_all(
        self,
        entries: Sequence[tuple[str, Mapping[str, str], str, list[str], list[str]]],
        agreements: Mapping[str, Sequence[Mapping[str, Any]]],
        *,
        actor: Actor,
    ) -> int:
        """Register those of `entries` (id, names, kind, services, regions) not registered yet,
        with their `agreements` (by id), in one write; returns how many were new."""
        ctx, known = self._ctx(actor), self._all()
        new = {
            slug: commands.register(slug, names, kind, services, regions, ctx)
            for slug, names, kind, services, regions in entries
            if slug not in known
        }
        for slug, agency in new.items():
            for data in agreements.get(slug, ()):
                with_agency = str(data.get("with_agency"))
                partner = new.get(with_agency) or (
                    self._get(with_agency) if with_agency in known else None
                )
                commands.record_agreement(agency, partner, data, ctx)
        if new:
            try:
                self.store.save(*new.values())
            except IntegrityError:  # registered meanwhile by another process
                raise AgencyExists(next(iter(new))) from None
        return len(new)

    def change(self, slug: str, *, actor: Actor, **details: object) -> AgencyView:
        """Give some of an agency's details (names, kind, services, regions) anew."""
        agency = self._get(slug)
        commands.change(agency, self._ctx(actor), **details)
        return self._save(agency)

    def record_agreement(self, slug: str, data: Mapping[str, Any], *, actor: Actor) -> AgencyView:
        """Record a co-operation agreement with another registered agency."""
        agency = self._get(slug)
        partner = data.get("with_agency")
        found = self._get(partner) if isinstance(partner, str) and self._known(partner) else None
        commands.record_agreement(agency, found, data, self._ctx(actor))
        return self._save(agency)

    def end_agreement(
        self, slug: str, agreement_id: str, ended_on: object, reason: object, *, actor: Actor
    ) -> AgencyView:
        """End an agreement in force, from a day on, for a reason."""
        agency = self._get(slug)
        commands.end_agreement(agency, agreement_id, ended_on, reason, self._ctx(actor))
        return self._save(agency)

    def get(self, slug: str, version: int | None = None) -> AgencyView:
        """The agency as it is now, or as it was at `version` (its events replayed)."""
        return AgencyView.of(self._get(slug, version))

    def listed(
        self, *, kind: str | None = None, service: str | None = None, region: str | None = None
    ) -> list[AgencyView]:
        """Registered agencies, by id, of this kind, offering this service, serving this region."""
        return sorted(
            (
                a
                for a in self._all().values()
                if (kind is None or a.kind == kind)
                and (service is None or service in a.services)
                and (region is None or region in a.regions)
            ),
            key=lambda a: a.slug,
        )

    def history(self, slug: str) -> list[AgencyEntry]:
        """The agency's events, oldest first, as entries."""
        self._get(slug)
        return [_entry(e) for e in self.store.events.get(agency_id(slug))]

    def close_matches(self, slug: str, n: int = 3) -> list[str]:
        """Registered ids that look like `slug` (for a mistyped agency)."""
        known = [a.slug for a in self.listed()]
        return difflib.get_close_matches(slug.casefold(), known, n=n, cutoff=0.6)

    def _all(self) -> dict[str, AgencyView]:
        """Every agency as it is now, read again only once the registry has changed (a case
        page and every referral read it: one query while nothing changed)."""
        position = self.store.recorder.max_notification_id()
        now = self._now
        if now is not None and now[0] == position:
            return now[1]
        views = [AgencyView.of(self.store.repository.get(i)) for i in self.store.ids()]
        found = {a.slug: a for a in views}
        self._now = (position, found)
        return found

    def _known(self, slug: str) -> bool:
        return _well_formed(slug) and agency_id(slug) in self.store.repository

    def _get(self, slug: str, version: int | None = None) -> Agency:
        if not _well_formed(slug):
            raise AgencyNotFound(slug)
        try:
            found: object = self.store.repository.get(agency_id(slug), version=version)
        except AggregateNotFoundError:
            raise AgencyNotFound(slug) from None
        assert isinstance(found, Agency)
        return found

    def _save(self, agency: Agency) -> AgencyView:
        try:
            self.store.save(agency)
        except IntegrityError:  # registered or changed meanwhile by another request
            if agency.version == 1:
                raise AgencyExists(agency.slug) from None
            raise VersionConflict(agency.version - 1, agency.version) from None
        return AgencyView.of(agency)

    def _ctx(self, actor: Actor) -> Context:
        return Context(actor=actor, now=self.clock())


def _well_formed(slug: object) -> bool:
    return isinstance(slug, str) and text_problem(slug) is None and bool(SLUG.match(slug))


def _entry(event: Any) -> AgencyEntry:
    said = {k: v for k, v in vars(event).items() if k not in _NOT_SHOWN and v is not None}
    return AgencyEntry(
        event.originator_version,
        EVENT_KINDS.get(type(event), type(event).__name__),
        getattr(event, "occurred_at", event.timestamp),
        getattr(event, "actor", {}).get("user_id", ""),
        said,
    )
