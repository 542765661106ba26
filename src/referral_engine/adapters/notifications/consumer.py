"""The notification worker's reading of the event log: from its own tracked position, in
batches, the notices of each batch written in the transaction that moves the position.

Decoding is the read models' (`readmodels.decoding`), and so is parking (`readmodels.parking`):
an event that cannot be decoded, whose notices cannot be worked out, or whose notices the
database refuses is set aside in `projection_parked` (as read model `notifications`) and the
worker goes on; one bad event never stops it. A failure of the connection or the server fails
the batch, which the worker tries again.

Tracking begins at the head of the log the first time a version with notifications runs
(`bootstrap.track_notifications`): events recorded before tell nobody (an upgraded installation
would otherwise send years of notices at once), also when the position is set back by hand.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql

from referral_engine.adapters.notifications import store
from referral_engine.adapters.notifications.cases import CaseReader
from referral_engine.adapters.notifications.directory import RoundDirectory
from referral_engine.adapters.readmodels import parking
from referral_engine.adapters.readmodels.connections import ReadModelDatabase
from referral_engine.adapters.readmodels.decoding import Decoder
from referral_engine.adapters.readmodels.parking import Failure
from referral_engine.application.notifications import Notice, event_notices, may_notify
from referral_engine.application.readmodel import Event
from referral_engine.workflows.loader import WorkflowRegistry

NAME = "notifications"
"""The name its parked events are listed under (`referral-engine notifications status`)."""
BATCH = 500
LOCK = "select pg_advisory_xact_lock(hashtext(%s))"
"""One worker at a time reads a schema's log (several processes may run one)."""


class EventNotices:
    """Reads the event log after its position and writes the notices each event makes."""

    def __init__(
        self,
        db: ReadModelDatabase,
        workflows: WorkflowRegistry,
        decoder: Decoder,
        *,
        mail_domain: str | None,
    ) -> None:
        self.db = db
        self.workflows = workflows
        self.decode = decoder
        self.events = sql.Identifier(db.schema, "cases_events")
        self.cases = CaseReader(decoder, workflows, self.events)
        self.mail_domain = mail_domain
        self.batch = BATCH

    def status(self) -> store.WorkerStatus:
        """Position, lag, parked events, notices and e-mail by status."""
        with self.db.connection() as conn:
            parked = parking.counts(conn).get(NAME, 0)
            return store.worker_status(conn, parked)

    def parked(self) -> list[parking.Parked]:
        """The events set aside, in log order."""
        with self.db.connection() as conn:
            return parking.listed(conn, {NAME: NAME})

    def catch_up(self) -> int:
        """Every event up to the head of the log; returns how many were read."""
        done = 0
        with self.db.connection() as conn:
            while n := self._batch(conn):
                done += n
        return done

    def _batch(self, conn: psycopg.Connection[Any]) -> int:
        try:
            return self._locked(conn, careful=False)
        except Exception as exc:
            if not parking.refused(exc):
                raise
        return self._locked(conn, careful=True)

    def _locked(self, conn: psycopg.Connection[Any], *, careful: bool) -> int:
        with conn.transaction():
            conn.execute(LOCK, [f"referral_engine.notifications:{self.db.schema}"])
            row = conn.execute(
                "select position, began_after from notification_tracking where name = %s",
                [store.EVENTS],
            ).fetchone()
            if row is None:
                return 0
            rows = self._fetch(conn, int(row[0]))
            if not rows:
                return 0
            events, failures = parking.decoded(self.decode, rows)
            directory = RoundDirectory(conn)
            # older ones: history, told nobody; a pair's events (duplicates) wait in their queue
            news = [e for e in events if e.position > row[1] and e.link is None]
            failures += self._told(conn, news, directory, careful=careful)
            if failures:
                parking.park(conn, NAME, 1, NAME, sorted(failures), rows)
                parking.log_parked(NAME, failures)
            conn.execute(
                "update notification_tracking set position = %s where name = %s",
                [rows[-1][0], store.EVENTS],
            )
            return len(rows)

    def _told(
        self,
        conn: psycopg.Connection[Any],
        events: list[Event],
        directory: RoundDirectory,
        *,
        careful: bool,
    ) -> list[Failure]:
        """Work out and write each event's notices; `careful` writes each event's on its own
        and returns the events whose notices failed (else the first failure is raised)."""
        failures: list[Failure] = []
        batch: list[Notice] = []
        for event in events:
            try:
                if not careful:
                    batch += self._notices(conn, event, directory)
                    continue
                with conn.transaction():  # a savepoint: what the database refuses is undone
                    notices = self._notices(conn, event, directory)
                    store.write(conn, notices, mail_domain=self.mail_domain)
            except Exception as exc:
                if not careful or not parking.refused(exc):
                    raise
                failures.append(Failure(event.position, event.name, exc))
        store.write(conn, batch, mail_domain=self.mail_domain)
        return failures

    def _notices(
        self, conn: psycopg.Connection[Any], event: Event, directory: RoundDirectory
    ) -> list[Notice]:
        workflow = self.workflows.get(event.workflow_id, event.workflow_version)
        if not may_notify(event, workflow):
            return []
        now = self.cases.now(conn, event.case_id, event.version)
        return [] if now is None else event_notices(event, now, directory)

    def _fetch(self, conn: psycopg.Connection[Any], after: int) -> list[Any]:
        with conn.cursor(binary=True) as cur:
            return cur.execute(
                sql.SQL(
                    "select notification_id, originator_id, originator_version, topic, state "
                    "from {} where notification_id > %s order by notification_id limit %s"
                ).format(self.events),
                [after, self.batch],
            ).fetchall()
