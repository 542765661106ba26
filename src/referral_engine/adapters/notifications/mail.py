"""E-mail notifications: from the outbox (adapters/notifications/store.py) to the SMTP server.

A message holds no personal data: what happened in words (English and Ukrainian), a short case
reference and a link to the case; the reader signs in to see more. Its Message-ID is derived
from the notice's unique key, so any copy of it is recognisably the same message.

Each message is sent in its own transaction holding its outbox row locked (several workers may
share the outbox), and recorded `sent` in it; a message recorded sent is never sent again. A
refused send is tried again after `retry_seconds`, doubling each time (at most an hour), and set
aside as `failed` after `max_attempts` or at once when the server refuses it for good (5xx).
A message goes to the address its user has when it is sent (none: set aside), never to a user
disabled since it was queued, and only to that address (the envelope is given, not read back
from the headers).

The crash window: a worker that dies after the server accepted a message and before the commit
that records it sent sends it again after the restart, with the same Message-ID.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Callable
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from referral_engine.adapters.database import Database
from referral_engine.config import SmtpTarget

log = logging.getLogger("referral_engine.notifications")
TIMEOUT = 10.0
ERROR_MAX = 300

SAID: dict[str, tuple[str, str]] = {
    "referral_arrived": (
        "A referral arrived for your agency.",
        "До вашої організації надійшло перенаправлення.",
    ),
    "referral_answered": ("Your referral was answered.", "На ваше перенаправлення відповіли."),
    "request_answered": ("Your request was answered.", "На ваш запит надійшла відповідь."),
    "deadline_due": ("A deadline is near: due on {due}.", "Наближається строк: до {due}."),
    "deadline_passed": ("A deadline has passed: it was due on {due}.", "Строк минув: {due}."),
    "deadline_escalated": (
        "A deadline in your region has passed unanswered: it was due on {due}.",
        "У вашій області минув строк без відповіді: {due}.",
    ),
}
CLAIM = """
select o.notification_id, u.email, o.message_id, o.attempts, n.kind, n.case_id, n.due_on,
       u.disabled_at is not null
from mail_outbox o join notifications n on n.id = o.notification_id
join users u on u.id = n.recipient
where o.status = 'pending' and o.next_attempt_at <= now()
order by o.next_attempt_at, o.notification_id
limit 1
for update of o skip locked
"""


def message(
    row: tuple[Any, ...], sender: str, base_url: str, now: datetime | None = None
) -> EmailMessage:
    """The e-mail of one outbox row: words, the case reference and a link, nothing else."""
    _, address, message_id, _, kind, case_id, due_on, *_ = row
    en, uk = SAID[kind]
    due = due_on.isoformat() if due_on else ""
    reference = str(case_id)[:8]
    link = f"{base_url.rstrip('/')}/cases/{case_id}"
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = address
    mail["Subject"] = f"{uk.format(due=due)} / {en.format(due=due)} [{reference}]"
    mail["Date"] = format_datetime(now or datetime.now(UTC))
    mail["Message-ID"] = message_id
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(
        f"{uk.format(due=due)}\nСправа: {reference}\nВідкрити: {link}\n\n"
        f"{en.format(due=due)}\nCase: {reference}\nOpen: {link}\n\n"
        "Лист не містить персональних даних: увійдіть, щоб побачити справу.\n"
        "This message holds no personal data: sign in to see the case.\n"
    )
    return mail


class Mailer:
    """Sends what the outbox holds, one message per transaction."""

    def __init__(
        self,
        db: Database,
        smtp: SmtpTarget,
        sender: str,
        base_url: str,
        *,
        retry_seconds: int = 30,
        max_attempts: int = 10,
    ) -> None:
        self.db = db
        self.smtp = smtp
        self.sender = sender
        self.base_url = base_url
        self.retry_seconds = retry_seconds
        self.max_attempts = max_attempts

    def deliver(self, going: Callable[[], bool] = lambda: True) -> int:
        """Send every message due now (while `going()` holds); returns how many were sent."""
        sent = 0
        client: smtplib.SMTP | None = None
        try:
            while going():
                with self.db.pool.connection() as conn, conn.transaction():
                    row = conn.execute(CLAIM).fetchone()
                    if row is None:
                        return sent
                    mail = self._message(conn, row)
                    if mail is None:
                        continue
                    try:
                        client = client or self._connect()
                        client.send_message(mail, from_addr=self.sender, to_addrs=[row[1]])
                    except (smtplib.SMTPException, OSError) as exc:
                        self._failed(conn, row, exc)
                        _closed(client)
                        client = None
                        if not isinstance(exc, smtplib.SMTPRecipientsRefused):
                            return sent  # the server is unwell: the rest waits for the next round
                        continue
                    conn.execute(
                        "update mail_outbox set status = 'sent', sent_at = now(), address = %s, "
                        "attempts = attempts + 1, last_error = null where notification_id = %s",
                        [row[1], row[0]],
                    )
                    sent += 1
            return sent
        finally:
            _closed(client)

    def _message(self, conn: Any, row: tuple[Any, ...]) -> EmailMessage | None:
        """The message of a claimed row, or None when it is set aside instead: the user was
        disabled or has no address now (it goes to the address they have when it is sent), or
        no message can be made for the address (never one that holds up the rest)."""
        if row[7] or row[1] is None:
            why = "the user was disabled" if row[7] else "the user has no e-mail address now"
            self._set_aside(conn, row, why)
            return None
        try:
            mail = message(row, self.sender, self.base_url)
            mail.as_bytes()  # the headers are checked as they are written out
            if str(mail["To"]) != row[1]:  # the mail library read the address otherwise
                raise ValueError("the To header would not name the address as it is")
        except (ValueError, TypeError, LookupError) as exc:
            self._set_aside(conn, row, f"no message can be made: {type(exc).__name__}: {exc}")
            return None
        return mail

    def _set_aside(self, conn: Any, row: tuple[Any, ...], why: str) -> None:
        conn.execute(
            "update mail_outbox set status = 'failed', last_error = %s where notification_id = %s",
            [why[:ERROR_MAX], row[0]],
        )
        log.warning("e-mail of notification %d set aside: %s", row[0], why.partition(":")[0])

    def _connect(self) -> smtplib.SMTP:
        target = self.smtp
        client: smtplib.SMTP
        if target.security == "tls":
            context = ssl.create_default_context()
            client = smtplib.SMTP_SSL(target.host, target.port, timeout=TIMEOUT, context=context)
        else:
            client = smtplib.SMTP(target.host, target.port, timeout=TIMEOUT)
            if target.security == "starttls":
                client.starttls(context=ssl.create_default_context())
        if target.user is not None:
            client.login(target.user, target.password or "")
        return client

    def _failed(self, conn: Any, row: tuple[Any, ...], exc: Exception) -> None:
        """Record a refused send: tried again later, or set aside for good."""
        attempts = row[3] + 1
        final = attempts >= self.max_attempts or _permanent(exc)
        wait = min(self.retry_seconds * 2 ** (attempts - 1), 3600)
        error = f"{type(exc).__name__}: {exc}"[:ERROR_MAX]
        conn.execute(
            "update mail_outbox set attempts = %s, last_error = %s, status = %s, "
            "next_attempt_at = now() + make_interval(secs => %s) where notification_id = %s",
            [attempts, error, "failed" if final else "pending", wait, row[0]],
        )
        log.warning(
            "e-mail of notification %d %s (attempt %d): %s",
            row[0],
            "failed for good" if final else "not sent; trying again later",
            attempts,
            type(exc).__name__,
        )


def _permanent(exc: Exception) -> bool:
    """The server refused this message for good: every recipient refused, or its content, with
    a 5xx answer (a refused sign-in or sender is the configuration's fault: tried again)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    return isinstance(exc, smtplib.SMTPDataError) and exc.smtp_code >= 500


def _closed(client: smtplib.SMTP | None) -> None:
    if client is not None:
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            client.close()
