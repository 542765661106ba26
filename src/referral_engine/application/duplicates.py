"""Duplicate alerts and linked persons (docs/persons.md, "Duplicate alerts and linked persons").

`check` runs right after a command that recorded a name or a date of birth is saved (opening a
case, or a later step): the case's own values, hashed with the search key, narrow the persons
read model to cases anywhere sharing the date of birth and a name term (`matches`; no
need-to-know: it is the system's check); their values are opened and confirmed (the same date,
names at least `SIMILARITY` alike); each confirmed pair not known yet is recorded on the case as
`PossibleDuplicateFound` (domain/person_links.py), so that the alert survives any crash once
the check has run, and a second check of the same pair records nothing.

If the read model is not ready (being built), the command still succeeds and the check is
skipped (`check` returns None, the API answers `duplicate_check: pending`); the worker that
follows the log behind the persons read model (adapters/duplicate_checks.py) runs it again, and
`recheck` does for given cases.

Supervisors list the open alerts of their regions (`alerts`), and link, dismiss or unlink a pair,
each recorded on both cases in one transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from referral_engine.application.engine import Engine
from referral_engine.application.ports import AuditNote, CaseStore, ReadModels
from referral_engine.application.reading import Clock, mutated, utc_now
from referral_engine.application.search import PERSONS, Blind, Search
from referral_engine.domain import person_links, person_terms
from referral_engine.domain.access import Scope
from referral_engine.domain.case import Case
from referral_engine.domain.commands import Actor, Context
from referral_engine.domain.errors import CaseNotFound, VersionConflict
from referral_engine.domain.person_links import OPEN, PersonAlertNotFound
from referral_engine.workflows.loader import WorkflowRegistry

log = logging.getLogger(__name__)
CHECKER = Actor("duplicate-check", "system", "engine")
"""Who records an alert: the engine itself."""
ALERTS_MAX = 200


@dataclass(frozen=True)
class Side:
    """One case of a pair as a reader sees it: its region always, its id only where the reader
    works (else it is "a case in <region>")."""

    region: str
    case_id: UUID | None


@dataclass(frozen=True)
class Alert:
    """A pair of cases that may be one person: the side that raised it first."""

    low: UUID
    high: UUID
    raised: Side
    other: Side
    state: str
    reason: str | None
    raised_at: datetime
    decided_at: datetime | None
    may_act: bool


class Duplicates:
    """The duplicate check, the supervisors' queue of alerts, and their decisions."""

    def __init__(
        self,
        store: CaseStore,
        models: ReadModels,
        blind: Blind,
        workflows: WorkflowRegistry,
        clock: Clock = utc_now,
    ) -> None:
        self.store = store
        self.models = models
        self.blind = blind
        self.workflows = workflows
        self.clock = clock
        self.fields = frozenset(
            f for w in workflows for f in (*w.persons.names, w.persons.birth_date) if f
        )
        """The fields whose recording runs the check (a name, a date of birth)."""

    @classmethod
    def beside(cls, search: Search, engine: Engine) -> Duplicates:
        """The duplicate check on the search's index, saving through the engine's store."""
        return cls(engine.store, search.models, search.blind, search.workflows, engine.clock)

    # -- the check ------------------------------------------------------------------------------

    def check(self, case_id: UUID) -> list[Side] | None:
        """Raise an alert for each other case whose person matches this case's; the case's
        open alerts (the other side's region, and id) after it, or None when the index is not
        ready (the check is then to be run again)."""
        for _ in range(5):  # a step landing on the case meanwhile only means trying again
            case = self._case(case_id)
            try:
                found = self._confirmed(case)
            except LookupError:  # the persons read model is being built
                log.warning("duplicate check of a case deferred: the index is not ready")
                return None
            ctx = Context(CHECKER, self.clock(), correlation_id=f"duplicates:{case_id}")
            for other, score in found:
                person_links.found(case, other, score, ctx)
            if not case.pending_events:
                break
            try:
                self.store.save(case)
                break
            except IntegrityError:
                continue
        return self.open_sides(case_id)

    def open_sides(self, case_id: UUID) -> list[Side]:
        """The other case of each open alert this case is part of, where it lies now."""
        case = self._case(case_id)
        return [
            Side(self._case(UUID(o)).region, UUID(o))
            for o, state in case.matches.items()
            if state == OPEN
        ]

    def recheck(self, case_ids: list[UUID]) -> int:
        """Run the check again for these cases (after the index was not ready, or a crash
        between a command and its check); how many alerts it raised."""
        raised = 0
        for case_id in case_ids:
            before = self._open(case_id)
            after = self.check(case_id)
            raised += len(after or ()) - before
        return raised

    def _confirmed(self, case: Case) -> list[tuple[Case, float]]:
        workflow = self.workflows.get(case.workflow_id, case.workflow_version)
        persons = workflow.persons
        if persons.birth_date is None or not persons.names:
            return []
        born = _text(case.data.get(persons.birth_date))
        names = [n for f in persons.names if (n := _text(case.data.get(f)))]
        birth = person_terms.birth_date_terms(born) if born else frozenset()
        if not birth or not names:
            return []  # no date of birth, or no name: never enough for an alert
        terms = frozenset().union(*(person_terms.name_terms(n) for n in names))
        rows = self.models.query(
            PERSONS,
            "matches",
            {
                "case_id": case.id,
                "birth": sorted(self.blind.hashes(birth)),
                "names": sorted(self.blind.hashes(terms)),
                "birth_fields": sorted({w.persons.birth_date or "" for w in self.workflows}),
                "name_fields": sorted({n for w in self.workflows for n in w.persons.names}),
                "limit": person_links.CANDIDATES,
            },
        )
        if not rows:
            return []
        same = {r["case_id"] for r in self.models.query(PERSONS, "person_of", {"case_id": case.id})}
        queries = [person_terms.parse_query(n) for n in names]
        found = []
        for row in rows:
            if row["case_id"] in same:
                continue  # linked to this person already (directly or through others)
            other = self._case(row["case_id"])
            score = self._score(other, birth, queries)
            if score is not None:
                found.append((other, score))
        return found

    def _score(
        self, other: Case, birth: frozenset[str], queries: list[person_terms.Query]
    ) -> float | None:
        """The names' similarity when the other case records the same date of birth and a name
        alike enough; None otherwise (or when its personal data is erased)."""
        persons = self.workflows.get(other.workflow_id, other.workflow_version).persons
        born = _text(other.data.get(persons.birth_date)) if persons.birth_date else None
        if other.erased or not born or person_terms.birth_date_terms(born) != birth:
            return None
        names = [n for f in persons.names if (n := _text(other.data.get(f)))]
        scores = [person_terms.similarity(q, n) for q in queries for n in names]
        if not person_links.confirmed(scores):
            return None
        return round(max(scores), 4)

    # -- the supervisors' queue and decisions ---------------------------------------------------

    def alerts(self, scope: Scope, *, open_only: bool = True) -> list[Alert]:
        """The alerts with a side in the reader's regions, newest first."""
        rows = self.models.query(
            PERSONS,
            "alerts",
            {
                "states": [OPEN] if open_only else None,
                "regions": None if scope.regions is None else sorted(scope.regions),
                "limit": ALERTS_MAX,
            },
        )
        return [self._alert(r, scope) for r in rows]

    def of_case(self, case_id: UUID, scope: Scope) -> list[Alert]:
        """Every pair one case is part of (its open alerts, links and dismissals)."""
        rows = self.models.query(PERSONS, "alerts_of", {"case_id": case_id})
        return [self._alert(r, scope) for r in rows]

    def link(
        self,
        case_id: UUID,
        other: UUID,
        reason: str,
        *,
        actor: Actor,
        scope: Scope,
        audit: AuditNote | None = None,
    ) -> None:
        """Link the two cases of an open alert to one person."""
        self._decide(case_id, other, actor, scope, audit, person_links.link, reason)

    def dismiss(
        self,
        case_id: UUID,
        other: UUID,
        reason: str,
        *,
        actor: Actor,
        scope: Scope,
        audit: AuditNote | None = None,
    ) -> None:
        """Dismiss an open alert: the two cases are not one person."""
        self._decide(case_id, other, actor, scope, audit, person_links.dismiss, reason)

    def unlink(
        self,
        case_id: UUID,
        other: UUID,
        *,
        actor: Actor,
        scope: Scope,
        audit: AuditNote | None = None,
    ) -> None:
        """Undo a link of two cases."""
        self._decide(
            case_id,
            other,
            actor,
            scope,
            audit,
            lambda a, b, _, ctx: person_links.unlink(a, b, ctx),
            "",
        )

    def _decide(
        self,
        case_id: UUID,
        other: UUID,
        actor: Actor,
        scope: Scope,
        audit: AuditNote | None,
        decide: Any,
        reason: str,
    ) -> None:
        try:
            a, b = self._case(case_id), self._case(other)
        except CaseNotFound:  # as unknown as a pair outside the caller's regions: no oracle
            raise PersonAlertNotFound(case_id, other) from None
        if not person_links.may_act(scope, (a.region, b.region)):
            raise PersonAlertNotFound(case_id, other)  # neither case is theirs: none exists
        # one correlation for both sides' events, naming neither case: each side's history is
        # read by its own region, which must not learn the other case's id from it
        ctx = Context(actor, self.clock(), correlation_id=str(uuid4()))
        version = a.version, b.version
        decide(a, b, reason, ctx)
        here = a if scope.covers(a.region) else b
        note = None if audit is None else audit.about(here.id, here.region)
        try:
            self.store.save(a, b, audit=note)
        except IntegrityError:
            current = self._case(case_id).version, self._case(other).version
            raise VersionConflict(version[0], current[0]) from None

    def _alert(self, row: Mapping[str, Any], scope: Scope) -> Alert:
        raised = Side(row["region"], row["case_id"] if scope.covers(row["region"]) else None)
        other_region = row["other_region"]
        other = Side(other_region, row["other_case"] if scope.covers(other_region) else None)
        return Alert(
            row["low"],
            row["high"],
            raised,
            other,
            row["state"],
            row["reason"],
            row["raised_at"],
            row["decided_at"],
            person_links.may_act(scope, (row["region"], other_region)),
        )

    def _open(self, case_id: UUID) -> int:
        return sum(1 for s in self._case(case_id).matches.values() if s == OPEN)

    def _case(self, case_id: UUID) -> Case:
        try:
            case: Case = self.store.repository.get(case_id, projector_func=mutated)
        except AggregateNotFoundError:
            raise CaseNotFound(case_id) from None
        return case


def _text(value: Any) -> str | None:
    """A recorded value as text (None for one not recorded, or erased)."""
    return value if isinstance(value, str) and value.strip() else None
