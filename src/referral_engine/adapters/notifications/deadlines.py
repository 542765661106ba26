"""The notification worker's look at the clocks: open deadlines (the `deadlines` read model)
that are due within their reminder or have passed, each occurrence looked at once.

An occurrence (a deadline of a case, with its due date) is marked looked at, per stage (due,
passed), in the transaction that writes its notices, so a restart neither repeats nor loses
one. A deadline that passed before notifications began (the day the worker first started)
tells nobody: a new installation would otherwise announce every old overdue deadline at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import psycopg

from referral_engine.adapters.notifications import store
from referral_engine.adapters.notifications.cases import CaseReader
from referral_engine.adapters.notifications.directory import RoundDirectory
from referral_engine.adapters.readmodels import parking
from referral_engine.adapters.readmodels.engine import Projections, ReadModelNotReady
from referral_engine.application.notifications import deadline_notices, deadline_source
from referral_engine.workflows.loader import WorkflowRegistry

DUE, PASSED = "due", "passed"
log = logging.getLogger("referral_engine.notifications")


class DeadlineNotices:
    """Looks at the open deadlines and writes the notices of those due or passed today."""

    def __init__(
        self,
        projections: Projections,
        workflows: WorkflowRegistry,
        cases: CaseReader,
        today: Callable[[], date],
        *,
        mail_domain: str | None,
    ) -> None:
        self.projections = projections
        self.workflows = workflows
        self.cases = cases
        self.today = today
        self.mail_domain = mail_domain

    def scan(self) -> int:
        """Look at every deadline due by the furthest reminder; returns the notices written."""
        today = self.today()
        with self.projections.db.connection() as conn:
            row = conn.execute(
                "select started_on from notification_tracking where name = %s", [store.EVENTS]
            ).fetchone()
        if row is None:
            return 0
        since: date = row[0]
        try:
            deadlines = self.projections.query(
                "deadlines", "notices", {"from": min(since, today), "to": self._horizon(today)}
            )
        except ReadModelNotReady:
            return 0  # its first build is still running: looked at next time
        written = 0
        with self.projections.db.connection() as conn:
            looked = self._looked(conn, deadlines)
            for deadline in deadlines:
                stage = PASSED if deadline["due_on"] < today else DUE
                source = _source(deadline)
                if (source, stage) in looked:
                    continue
                try:
                    with conn.transaction():
                        written += self._tell(conn, deadline, today, since, source, stage)
                except Exception as exc:
                    if not parking.refused(exc):
                        raise  # the connection's or the server's: the scan is tried again
                    _skipped(deadline, exc)
        return written

    def _tell(
        self,
        conn: psycopg.Connection[Any],
        deadline: dict[str, Any],
        today: date,
        since: date,
        source: str,
        stage: str,
    ) -> int:
        now = self.cases.now(conn, deadline["case_id"])
        notices = (
            []
            if now is None
            else deadline_notices(deadline, today, since, now, RoundDirectory(conn))
        )
        if stage == DUE and not notices:
            return 0  # not within its reminder yet: looked at again tomorrow
        new, _ = store.write(conn, notices, mail_domain=self.mail_domain)
        conn.execute(
            "insert into notification_marks (source, kind) values (%s, %s) on conflict do nothing",
            [source, stage],
        )
        return new

    def _looked(
        self, conn: psycopg.Connection[Any], deadlines: list[dict[str, Any]]
    ) -> set[tuple[str, str]]:
        sources = [_source(d) for d in deadlines]
        rows = conn.execute(
            "select source, kind from notification_marks where source = any(%s)", [sources]
        ).fetchall()
        return {(r[0], r[1]) for r in rows}

    def _horizon(self, today: date) -> date:
        """The furthest due date any reminder reaches today."""
        furthest = today
        for workflow in self.workflows:
            for spec in workflow.deadlines:
                if spec.remind_before:
                    due = workflow.calendar.add(today, spec.remind_before, working=True)
                    furthest = max(furthest, due)
        return furthest + timedelta(days=1)


def _skipped(deadline: dict[str, Any], exc: Exception) -> None:
    """A deadline whose notices cannot be worked out (its case cannot be replayed: an event of
    it is parked) is left for the next scan; the others are told meanwhile."""
    log.warning(
        "notifications: deadline %s of case %s skipped, tried again next time: %s",
        deadline["name"],
        deadline["case_id"],
        type(exc).__name__,
    )


def _source(deadline: dict[str, Any]) -> str:
    return deadline_source(
        deadline["case_id"], deadline["name"], deadline["referral_id"], deadline["due_on"]
    )
