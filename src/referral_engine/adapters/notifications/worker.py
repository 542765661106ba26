"""The notification worker: woken by the event log like the live projection worker, each round
it writes the notices of new events, now and then looks at the deadlines, and sends the e-mail
that is due. It runs inside `serve` and as `referral-engine notifications run`; several may run
at once (one reads the log at a time, e-mail rows are locked as they are sent)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from referral_engine.adapters.notifications.consumer import EventNotices
from referral_engine.adapters.notifications.deadlines import DeadlineNotices
from referral_engine.adapters.notifications.mail import Mailer
from referral_engine.adapters.readmodels.decoding import Decoder
from referral_engine.adapters.readmodels.engine import Projections
from referral_engine.adapters.readmodels.worker import Tailing
from referral_engine.config import Settings

log = logging.getLogger("referral_engine.notifications")


@dataclass
class Notifier:
    """The worker's three parts: the event log's notices, the deadlines', and the e-mail."""

    events: EventNotices
    deadlines: DeadlineNotices
    mailer: Mailer | None

    @classmethod
    def of(
        cls, projections: Projections, db: Any, settings: Settings, today: Callable[[], date]
    ) -> Notifier:
        """Wired from the read models' database and decoder (the store's transcoder)."""
        smtp = settings.smtp
        domain = settings.mail_from.rpartition("@")[2] if smtp is not None else None
        workflows = projections.decode.workflows
        decoder = Decoder(workflows, projections.decode.transcoder)
        events = EventNotices(projections.db, workflows, decoder, mail_domain=domain)
        deadlines = DeadlineNotices(projections, workflows, events.cases, today, mail_domain=domain)
        mailer = None
        if smtp is not None:
            mailer = Mailer(
                db,
                smtp,
                settings.mail_from,
                settings.base_url,
                retry_seconds=settings.mail_retry_seconds,
                max_attempts=settings.mail_max_attempts,
            )
        return cls(events, deadlines, mailer)


class NotificationWorker(Tailing):
    """Notices of new events at once; deadlines every `scan_seconds`; e-mail when due."""

    name = "notifications"

    def __init__(
        self, notifier: Notifier, poll_seconds: float = 1.0, scan_seconds: float = 60.0
    ) -> None:
        super().__init__(notifier.events.db, poll_seconds)
        self.notifier = notifier
        self.scan_seconds = scan_seconds
        self._next_scan = 0.0

    def round(self) -> float | None:
        self.notifier.events.catch_up()
        now = time.monotonic()
        if now >= self._next_scan:
            self._next_scan = now + self.scan_seconds
            self._apart("looking at the deadlines", self.notifier.deadlines.scan)
        if self.notifier.mailer is not None:
            self._apart("sending e-mail", self.notifier.mailer.deliver)
        return None

    def _apart(self, what: str, work: Callable[[], int]) -> None:
        """Deadlines and e-mail never hold up the event log's notices: a failure is logged and
        tried again next time."""
        try:
            work()
        except Exception:
            log.exception("notifications: %s failed; trying again later", what)
