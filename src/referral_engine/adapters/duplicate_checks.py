"""The duplicate check's worker (docs/persons.md, "Duplicate alerts and linked persons").

The check runs right after a command that records a name or a date of birth; it is skipped
while the persons read model is not ready, and a crash between the command and its check loses
it. This worker makes both good: it follows the event log with a position of its own
(`duplicate_checks`), never past the position the persons read model has folded (so the index
holds every earlier case), and checks again each case whose event recorded one of the
workflows' `persons:` name or birth-date fields. The check is idempotent (a pair known on
either side records nothing), so a batch checked twice after a crash does no harm and
exactly-once is not needed.

One batch at a time under an advisory lock (several processes take turns). An event that cannot
be read, or a case whose check fails, is logged and skipped: the worker never stops. While the
index is not ready the position stays where it is and the batch is tried again.

The position starts at the head of the log the first time the worker runs: cases recorded
before are checked by `Duplicates.recheck` on demand, not by this worker.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any
from uuid import UUID

import orjson
import psycopg
from psycopg import sql

from referral_engine.adapters.readmodels.engine import Projections
from referral_engine.adapters.readmodels.worker import Tailing
from referral_engine.application.duplicates import Duplicates
from referral_engine.application.search import PERSONS
from referral_engine.domain.errors import DomainError

log = logging.getLogger("referral_engine.duplicates")
BATCH = 500
RECORDING = (".Opened", ".StepTaken")
"""The events that record workflow data (the others move the position only)."""
SCHEMA = (
    """create table if not exists duplicate_checks (
        singleton boolean primary key default true check (singleton),
        position bigint not null)""",
)


class DuplicateWorker(Tailing):
    """Checks again, behind the persons read model, every case an event recorded a name or a
    date of birth on; in a thread of its own."""

    name = "duplicate-checks"

    def __init__(
        self,
        projections: Projections,
        duplicates: Duplicates,
        poll_seconds: float = 1.0,
        batch: int = BATCH,
    ) -> None:
        super().__init__(projections.db, poll_seconds)
        self.projections = projections
        self.duplicates = duplicates
        self.batch = batch
        digest = hashlib.blake2b(f"{projections.schema}:{self.name}".encode(), digest_size=8)
        self.lock = int.from_bytes(digest.digest(), "big", signed=True)
        self._ready = False

    def round(self) -> float | None:
        while not self.stopping.is_set() and self.step() >= self.batch:
            pass
        return None

    def prepare(self) -> None:
        """The worker's table, its position at the head of the log the first time."""
        with self.db.connection() as conn, conn.transaction():
            conn.execute("select pg_advisory_xact_lock(%s)", [self.lock])
            for statement in SCHEMA:
                conn.execute(statement)
            conn.execute(
                sql.SQL(
                    "insert into duplicate_checks (position) select coalesce(max("
                    "notification_id), 0) from {} on conflict do nothing"
                ).format(self.projections.events)
            )
        self._ready = True

    def position(self) -> int:
        """Where the worker stands in the log."""
        with self.db.connection() as conn:
            row = conn.execute("select position from duplicate_checks").fetchone()
        return int(row[0]) if row else 0

    def step(self) -> int:
        """One batch after the worker's position, up to the persons read model's: the cases
        recording a name or a date of birth checked again; how many events it read (0: none,
        another worker's turn, or the index not ready)."""
        if not self._ready:
            self.prepare()
        with self.db.connection() as conn, conn.transaction():
            turn = conn.execute("select pg_try_advisory_xact_lock(%s)", [self.lock]).fetchone()
            if not turn or not turn[0]:
                return 0
            row = conn.execute("select position from duplicate_checks").fetchone()
            position, folded = int(row[0]) if row else 0, _folded(conn)
            if folded <= position:
                return 0
            rows = [
                r for r in self.projections._fetch(conn, position, self.batch) if r[0] <= folded
            ]
            if not rows:
                return 0
            cases = dict.fromkeys(c for r in rows if (c := self._recorded(r)) is not None)
            for case_id in cases:
                if not self._check(case_id):
                    return 0  # the index is not ready: this batch again, later
            conn.execute("update duplicate_checks set position = %s", [rows[-1][0]])
        return len(rows)

    def _recorded(self, row: tuple[Any, ...]) -> UUID | None:
        """The case, if this event recorded a name or a date of birth (else None)."""
        position, case_id, _, topic, state = row
        if not topic.endswith(RECORDING):
            return None
        try:
            data = orjson.loads(state).get("data") or {}
        except (orjson.JSONDecodeError, AttributeError):
            log.error("event %s could not be read; skipped by the duplicate check", position)
            return None
        recorded = not self.duplicates.fields.isdisjoint(data)
        return UUID(str(case_id)) if recorded else None

    def _check(self, case_id: UUID) -> bool:
        """Check one case again; False only when the index is not ready."""
        try:
            return self.duplicates.check(case_id) is not None
        except (DomainError, LookupError, ValueError, KeyError, TypeError):
            log.exception("duplicate check of case %s failed; skipped", case_id)
            return True


def _folded(conn: psycopg.Connection[Any]) -> int:
    """The position the persons read model's live schema has folded (0 while it is not built)."""
    row = conn.execute(
        "select active_schema from projection_registry where name = %s", [PERSONS]
    ).fetchone()
    if not row or row[0] is None:
        return 0
    found = conn.execute(
        sql.SQL("select position from {}").format(sql.Identifier(row[0], "_tracking"))
    ).fetchone()
    return int(found[0]) if found else 0
