"""The live projection worker: woken by NOTIFY, polling as a fallback, restarted on failure."""

from __future__ import annotations

import logging
import threading

import psycopg
from psycopg import sql

from referral_engine.adapters.readmodels.engine import CHANNEL, Projections

log = logging.getLogger("referral_engine.projections")


class LiveWorker:
    """Keeps every read model caught up with the event log, in a thread of its own."""

    def __init__(self, projections: Projections, poll_seconds: float = 1.0) -> None:
        self.projections = projections
        self.poll_seconds = poll_seconds
        self.stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="projections-live", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self.stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def run(self) -> None:
        """Supervise the tailing loop: on any failure wait (backing off) and start again."""
        backoff = 0.5
        while not self.stopping.is_set():
            try:
                self._tail()
                backoff = 0.5
            except Exception:
                log.exception("projection worker failed; restarting in %.1f s", backoff)
                self.stopping.wait(backoff)
                backoff = min(backoff * 2, 30.0)

    def _tail(self) -> None:
        with psycopg.connect(self.projections.url, autocommit=True) as listener:
            listener.execute(sql.SQL("listen {}").format(sql.Identifier(CHANNEL)))
            while not self.stopping.is_set():
                self.projections.catch_up()
                for _ in listener.notifies(timeout=self.poll_seconds, stop_after=1):
                    pass
