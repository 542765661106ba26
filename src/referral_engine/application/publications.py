"""Publishing official figures: a report's parameters, the moment of the log it was read at, and
a digest of its figures, kept so that it can be reproduced to the digit and its revisions shown."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol
from uuid import UUID, uuid4

from referral_engine.application.statistics import (
    Figures,
    Request,
    Tallies,
    canonical,
    figures,
)
from referral_engine.domain.errors import FiguresNotReproduced, PublicationNotFound


@dataclass(frozen=True)
class Publication:
    id: UUID
    report: str
    start: date
    end: date
    by: tuple[str, ...]
    region: str | None
    as_of: datetime
    upto: int
    """The read model's log position the figures were read at: a step being recorded at the
    moment of publication is left out of the reproduction as it was of the figures."""
    digest: str
    figures: str
    """The published figures, as canonical JSON."""
    published_by: str
    published_at: datetime

    @property
    def request(self) -> Request:
        return Request(
            self.report,
            self.start,
            self.end,
            self.by,
            self.region,
            as_of=self.as_of,
            upto=self.upto,
            exact=True,
        )


class Publications(Protocol):
    def add(self, publication: Publication) -> None: ...

    def get(self, id: UUID) -> Publication | None: ...

    def listed(self, report: str | None = None) -> list[Publication]: ...


class Queries(Protocol):
    def query(self, name: str, query: str, params: dict[str, Any]) -> list[dict[str, Any]]: ...


@dataclass(frozen=True)
class Change:
    measure: str
    row: str
    column: str
    published: int | float | None
    now: int | float | None


@dataclass(frozen=True)
class Revisions:
    publication: Publication
    current: Figures
    changes: list[Change]
    events: list[dict[str, Any]]
    """What was recorded after the publication in its period and region: position, kind,
    item, occurred_on, recorded_at, region."""


class Statistics:
    """Reports read, published, reproduced and revised."""

    def __init__(
        self,
        tallies: Tallies,
        queries: Queries,
        publications: Publications,
        clock: Callable[[], datetime],
    ) -> None:
        self.tallies, self.queries, self.store = tallies, queries, publications
        self.clock = clock

    def figures(self, request: Request, *, k: int) -> Figures:
        return figures(self.tallies, request, k=k)

    def publish(self, request: Request, *, by: str) -> tuple[Publication, Figures]:
        """Exact figures as the log stands now, recorded with their digest."""
        now = self.clock()
        at = request.as_of if request.as_of is not None else now
        read = figures(self.tallies, Request(**{**vars(request), "as_of": at, "exact": True}), k=1)
        publication = Publication(
            uuid4(),
            request.name,
            request.start,
            request.end,
            request.by,
            request.region,
            at,
            read.position,
            read.digest,
            canonical(read),
            by,
            now,
        )
        self.store.add(publication)
        return publication, read

    def publication(self, id: UUID) -> Publication:
        found = self.store.get(id)
        if found is None:
            raise PublicationNotFound(id)
        return found

    def reproduce(self, id: UUID) -> Figures:
        """The published figures read again from the log as it stood: refused if they differ."""
        publication = self.publication(id)
        read = figures(self.tallies, publication.request, k=1)
        if read.digest != publication.digest:
            raise FiguresNotReproduced(id, read.digest, publication.digest)
        return read

    def revisions(self, id: UUID) -> Revisions:
        """Which figures changed since publication, and the events recorded since in its scope."""
        publication = self.publication(id)
        request = Request(**{**vars(publication.request), "as_of": None, "upto": None})
        current = figures(self.tallies, request, k=1)
        model = self.tallies.reports()[publication.report][0]
        events = self.queries.query(
            model,
            "revisions",
            {
                "upto": publication.upto,
                "from": publication.start,
                "to": publication.end,
                "region": publication.region,
            },
        )
        return Revisions(publication, current, _changes(publication.figures, current), events)


def _changes(published: str, current: Figures) -> list[Change]:
    before = _cells(json.loads(published)["tables"])
    after = _cells(json.loads(canonical(current))["tables"])
    return [
        Change(m, r, c, before.get((m, r, c)), after.get((m, r, c)))
        for m, r, c in sorted(before.keys() | after.keys())
        if before.get((m, r, c)) != after.get((m, r, c))
    ]


def _cells(tables: Sequence[Mapping[str, Any]]) -> dict[tuple[str, str, str], Any]:
    return {(t["measure"], r, c): v for t in tables for r, c, v in t["cells"]}
