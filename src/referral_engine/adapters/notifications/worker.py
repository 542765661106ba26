"""The notification worker: woken by the event log like the live projection worker, each round
it writes the notices of new events, now and then looks at the deadlines, and sends the e-mail
that is due (in a thread of its own). It runs inside `serve` and as `referral-engine
notifications run`; several may run at once (one reads the log at a time, e-mail rows are locked
as they are sent)."""

from __future__ import annotations

import logging
import threading
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
    """Notices of new events at once; deadlines every `scan_seconds`; e-mail in a thread of its
    own (a slow or unreachable SMTP server, or a long queue, never holds up the notices)."""

    name = "notifications"

    def __init__(
        self, notifier: Notifier, poll_seconds: float = 1.0, scan_seconds: float = 60.0
    ) -> None:
        super().__init__(notifier.events.db, poll_seconds)
        self.notifier = notifier
        self.scan_seconds = scan_seconds
        self._next_scan = 0.0
        mailer = notifier.mailer
        self.mail = None if mailer is None else MailWorker(mailer, poll_seconds)

    def start(self) -> None:
        super().start()
        if self.mail is not None:
            self.mail.start()

    def stop(self, timeout: float = 10.0) -> None:
        if self.mail is not None:
            self.mail.stopping.set()
        super().stop(timeout)
        if self.mail is not None:
            self.mail.stop(timeout)

    def round(self) -> float | None:
        self.notifier.events.catch_up()
        now = time.monotonic()
        if now >= self._next_scan:
            self._next_scan = now + self.scan_seconds
            try:
                self.notifier.deadlines.scan()
            except Exception:  # never holds up the event log's notices: tried again next time
                log.exception("notifications: looking at the deadlines failed; trying again later")
        return None


class MailWorker:
    """Sends the e-mail that is due every `poll_seconds`, in a thread of its own; a failure is
    logged and tried again next time."""

    name = "notifications-mail"

    def __init__(self, mailer: Mailer, poll_seconds: float = 1.0) -> None:
        self.mailer = mailer
        self.poll_seconds = poll_seconds
        self.stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name=self.name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self.stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def going(self) -> bool:
        return not self.stopping.is_set()

    def run(self) -> None:
        while self.going():
            try:
                self.mailer.deliver(self.going)
            except Exception:
                log.exception("notifications: sending e-mail failed; trying again later")
            self.stopping.wait(self.poll_seconds)
