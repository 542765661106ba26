"""Following the event log: a thread woken by NOTIFY, polling as a fallback, restarted on
failure (`Tailing`), and the live projection worker on it; the notification worker
(adapters/notifications/worker.py) and the webhook worker (adapters/webhooks/worker.py) too.

Between rounds the live projection worker also runs the maintenance that must not hold up a
request: after erasures, the rewrite of case_keys' file (see `case_keys.compact_case_keys`)."""

from __future__ import annotations

import logging
import threading
import time

from psycopg import sql

from referral_engine.adapters.case_keys import compact_case_keys
from referral_engine.adapters.readmodels.connections import ReadModelDatabase
from referral_engine.adapters.readmodels.engine import CHANNEL, Projections

log = logging.getLogger("referral_engine.projections")
COMPACT_SECONDS = 5.0
"""How often the worker looks for erasures whose key bytes are still in case_keys' file."""


class Tailing:
    """A thread following the event log: `round()` at once, then whenever an event commits
    (NOTIFY on `channels`) or at the latest after the wait `round` returns (`poll_seconds` when
    it returns None); on any failure it waits, backing off, and starts again. The live
    projection worker, the notification worker and the webhook outbox worker are three."""

    name = "tailing"
    channels: tuple[str, ...] = (CHANNEL,)

    def __init__(self, db: ReadModelDatabase, poll_seconds: float = 1.0) -> None:
        self.db = db
        self.poll_seconds = poll_seconds
        self.stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def round(self) -> float | None:
        """One round of work; how long to wait for a NOTIFY at most (None: `poll_seconds`)."""
        raise NotImplementedError

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name=self.name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self.stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def run(self) -> None:
        """Supervise the listening loop: on any failure wait (backing off) and start again."""
        backoff = 0.5
        while not self.stopping.is_set():
            try:
                self._tail()
                backoff = 0.5
            except Exception:
                log.exception("%s failed; restarting in %.1f s", self.name, backoff)
                self.stopping.wait(backoff)
                backoff = min(backoff * 2, 30.0)

    def _tail(self) -> None:
        with self.db.dedicated(autocommit=True) as listener:
            for channel in self.channels:
                listener.execute(sql.SQL("listen {}").format(sql.Identifier(channel)))
            while not self.stopping.is_set():
                wait = self.round()
                timeout = self.poll_seconds if wait is None else max(0.0, wait)
                for _ in listener.notifies(timeout=timeout, stop_after=1):
                    pass


class LiveWorker(Tailing):
    """Keeps every read model caught up with the event log, in a thread of its own."""

    name = "projections-live"

    def __init__(
        self,
        projections: Projections,
        poll_seconds: float = 1.0,
        compact_seconds: float = COMPACT_SECONDS,
    ) -> None:
        super().__init__(projections.db, poll_seconds)
        self.projections = projections
        self.compact_seconds = compact_seconds
        self._next_compaction = 0.0

    def round(self) -> float | None:
        self.projections.catch_up()
        self._maintain()
        return None

    def _maintain(self) -> None:
        """Compact case_keys' file if erasures are due, now and then; never stops the tailing."""
        now = time.monotonic()
        if now < self._next_compaction:
            return
        self._next_compaction = now + self.compact_seconds
        try:
            with self.projections.db.connection() as conn:
                done = compact_case_keys(conn, wait=0.0)
        except Exception:
            log.exception(
                "compacting case_keys failed; trying again in %.0f s", self.compact_seconds
            )
            return
        if done.compacted:
            log.info("case_keys compacted after %d erasures", done.compacted)
