"""A case as the notification worker needs it: replayed from the events table through the read
models' decoder (the store's transcoder and upcasters, and no case keys, so personal values stay
sealed), with who sent each referral and who started each running clock.

Folds are kept for the most recently seen cases and moved forward by the events after the one
kept, so the worker reads a case's whole stream only the first time it meets the case.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.persistence import StoredEvent
from psycopg import sql

from referral_engine.adapters.readmodels.decoding import Decoder
from referral_engine.application.notifications import Asker, CaseNow
from referral_engine.domain.case import Case
from referral_engine.workflows.loader import WorkflowRegistry

KEPT = 2_000
"""How many cases' folds are kept."""
IMPORTED = "import:"
"""How the correlation id of a step imported from a past register begins (domain/imports.py)."""


@dataclass
class Fold:
    """A case replayed to `version`, and what its events said about who asked."""

    case: Case | None = None
    version: int = 0
    actor: str = ""
    senders: dict[str, Asker] = field(default_factory=dict)
    starters: dict[tuple[str, str | None], Asker] = field(default_factory=dict)
    stopped: dict[tuple[str, str | None], Asker] = field(default_factory=dict)
    imported: bool = False

    def apply(self, event: Any) -> None:
        """Move the fold by one event: the case, and the askers its clocks and referral name."""
        self.case = event.mutate(self.case)
        self.version = event.originator_version
        actor = getattr(event, "actor", None) or {}
        self.actor = actor.get("user_id", "")
        self.imported = str(getattr(event, "correlation_id", "")).startswith(IMPORTED)
        asker = Asker(self.actor, actor.get("agency", ""))
        self.stopped = {}
        for clock in getattr(event, "deadlines_stopped", None) or ():
            key = (clock["name"], clock.get("referral_id"))
            if clock.get("kind") is None and key in self.starters:
                self.stopped[key] = self.starters.pop(key)
        for clock in getattr(event, "deadlines_started", None) or ():
            if clock.get("kind") is None:
                self.starters[(clock["name"], clock.get("referral_id"))] = asker
        referral_id = getattr(event, "referral_id", None)
        if isinstance(event, Case.StepTaken) and referral_id and event.from_state is None:
            self.senders[referral_id] = asker


class CaseReader:
    """Cases replayed for the notification worker, the most recent ones kept."""

    def __init__(self, decoder: Decoder, workflows: WorkflowRegistry, events: sql.Identifier):
        self.decoder = decoder
        self.workflows = workflows
        self.events = events
        self._folds: OrderedDict[UUID, Fold] = OrderedDict()

    def now(
        self, conn: psycopg.Connection[Any], case_id: UUID, version: int | None = None
    ) -> CaseNow | None:
        """The case right after its event `version` (None: its latest); None if it has none."""
        fold = self._fold(conn, case_id, version)
        if fold.case is None:
            return None
        case = fold.case
        workflow = self.workflows.get(case.workflow_id, case.workflow_version)
        senders, stopped = dict(fold.senders), dict(fold.stopped)
        return CaseNow(case, workflow, fold.actor, senders, stopped, fold.imported)

    def _fold(self, conn: psycopg.Connection[Any], case_id: UUID, version: int | None) -> Fold:
        fold = self._folds.pop(case_id, None)
        if fold is None or (version is not None and fold.version > version):
            fold = Fold()
        if version is None or fold.version < version:
            for row in conn.execute(
                sql.SQL(
                    "select originator_version, topic, state from {} where originator_id = %s "
                    "and originator_version > %s and (%s::int is null or originator_version <= %s) "
                    "order by originator_version"
                ).format(self.events),
                [case_id, fold.version, version, version],
            ):
                stored = StoredEvent(
                    originator_id=case_id, originator_version=row[0], topic=row[1], state=row[2]
                )
                fold.apply(self.decoder.mapper.to_domain_event(stored))
        self._folds[case_id] = fold
        while len(self._folds) > KEPT:
            self._folds.popitem(last=False)
        return fold
