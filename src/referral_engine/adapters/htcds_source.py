"""The case streams an HTCDS export reads (application/htcds_export.py): every case's events in
order, through the read models' decoder (upcasters, milestones; no blind index, no case key) and
their coded data, those recorded after the moment asked left out; a case whose personal data was
erased is never read at all."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.persistence import Transcoder
from eventsourcing.utils import get_topic
from psycopg import sql

from referral_engine.adapters.database import Database
from referral_engine.adapters.readmodels.decoding import Decoder
from referral_engine.application.htcds_export import Step
from referral_engine.domain.case import Case
from referral_engine.workflows.loader import WorkflowRegistry

BATCH = 20_000
ERASED = get_topic(Case.PersonalDataErased)


class HtcdsSource:
    """Reads the events table in case order with a server-side cursor, one case at a time."""

    def __init__(self, db: Database, workflows: WorkflowRegistry, transcoder: Transcoder) -> None:
        self.db = db
        self.decode = Decoder(workflows, transcoder)  # no blind index: nothing personal is read
        self.events = sql.Identifier(db.schema, "cases_events")

    def cases(self, until: datetime) -> Iterator[tuple[UUID, list[Step]]]:
        """Each case not erased with its events recorded up to `until`, in stream order."""
        query = sql.SQL(
            "select notification_id, originator_id, originator_version, topic, state from {} "
            "order by originator_id, originator_version"
        ).format(self.events)
        current: UUID | None = None
        steps: list[Step] = []
        erased = False
        with (
            self.db.pool.connection() as conn,
            conn.transaction(),
            conn.cursor(name="htcds_export", binary=True) as cur,
        ):
            cur.itersize = BATCH
            cur.execute(query)
            for row in cur:
                case_id = row[1]
                if case_id != current:
                    if current is not None and not erased and steps:
                        yield current, steps
                    current, steps, erased = case_id, [], False
                if row[3] == ERASED:
                    erased = True
                elif not erased:
                    step = self._step(row, until)
                    if step is not None:
                        steps.append(step)
        if current is not None and not erased and steps:
            yield current, steps

    def _step(self, row: tuple[Any, ...], until: datetime) -> Step | None:
        event = self.decode(row)
        if event is None or event.recorded_at > until or event.link is not None:
            return None
        data = orjson.loads(row[4]).get("data") or {}
        return Step(
            event.name,
            event.milestones,
            event.opened,
            event.to_state if event.referral_id is None else None,
            event.workflow_id,
            event.workflow_version,
            event.occurred_on,
            data if isinstance(data, dict) else {},
        )
