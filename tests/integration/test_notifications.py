"""The notification worker on PostgreSQL with a real SMTP server (aiosmtpd): notices written once
per event and user, e-mail received once with no personal data, across restarts of the worker;
a bad event set aside, the worker going on; deadlines looked at once; a failed send tried again
later."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from email import message_from_bytes
from email.message import Message
from typing import Any
from uuid import UUID, uuid4

import pytest
from aiosmtpd.controller import Controller
from pydantic import SecretStr

from referral_engine.adapters.notifications.mail import Mailer
from referral_engine.adapters.notifications.worker import NotificationWorker, Notifier
from referral_engine.bootstrap import Runtime, build
from referral_engine.config import Settings
from tests.factories import (
    LSA,
    POLICE,
    SHELTER,
    SUPERVISOR,
    FixedClock,
    case_in,
    referral_step,
    send_referral,
    wait_until,
    with_synthetic_agencies,
)

NAME, BORN = "Oksana Synthetic-Testenko", "1990-04-17"


@dataclass
class Inbox:
    """What the local SMTP server received."""

    port: int
    messages: list[Message] = field(default_factory=list)
    raw: list[bytes] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)
    """Each message's envelope recipients (RCPT TO), which decide where it goes."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.recipients.append(list(envelope.rcpt_tos))
        self.raw.append(envelope.content)
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    found = Inbox(free_port())
    controller = Controller(found, hostname="127.0.0.1", port=found.port)
    controller.start()
    yield found
    controller.stop()


@pytest.fixture
def runtime(pg_settings: Settings, clock: FixedClock, inbox: Inbox) -> Iterator[Runtime]:
    """The engine on PostgreSQL sending e-mail to the local server; users with addresses."""
    settings = pg_settings.model_copy(
        update={
            "smtp_url": SecretStr(f"smtp://127.0.0.1:{inbox.port}"),
            "mail_from": "engine@nrm.example.org",
            "base_url": "https://nrm.example.org",
            "mail_retry_seconds": 1,
        }
    )
    with build(settings, clock=clock) as rt:
        with_synthetic_agencies(rt.engine)
        for actor, email in ((LSA, "petro@lsa.example.org"), (SHELTER, "anna@shelter.example.org")):
            rt.users.add(actor.user_id, actor.role, actor.agency, ["UA-32"], email)
        rt.users.add(SUPERVISOR.user_id, SUPERVISOR.role, SUPERVISOR.agency, ["UA-32"])
        rt.users.add(POLICE.user_id, POLICE.role, POLICE.agency, ["UA-32"])  # answers (v5)
        yield rt


def kinds(rt: Runtime) -> list[tuple[str, str]]:
    with rt.db.pool.connection() as conn:
        rows = conn.execute(
            "select n.kind, u.name from notifications n join users u on u.id = n.recipient "
            "order by n.id"
        ).fetchall()
    return [(r[0], r[1]) for r in rows]


def bad_event(rt: Runtime, case_id: UUID | None = None, version: int = 1) -> None:
    """An event no decoder reads, as a bug or a hand edit of the log might leave one (of a case
    of its own, or the next of a case)."""
    with rt.db.pool.connection() as conn:
        conn.execute(
            "insert into cases_events (originator_id, originator_version, topic, state) "
            "values (%s, %s, 'referral_engine.domain.case:Case.StepTaken', 'not json')",
            [case_id or uuid4(), version],
        )


def test_each_user_is_told_once_by_e_mail_without_personal_data_across_restarts(
    runtime: Runtime, inbox: Inbox
) -> None:
    engine = runtime.engine
    case_id = case_in(engine, "awaiting_verification", person_name=NAME, date_of_birth=BORN)
    bad_event(runtime)  # set aside: the worker goes on
    send_referral(engine, case_id, agency=SHELTER.agency)
    worker = NotificationWorker(runtime.notifier, poll_seconds=0.05)
    worker.start()
    try:
        wait_until(lambda: len(inbox.messages) == 1, what="the referral's e-mail")
    finally:
        worker.stop()
    referral_step(engine, case_id, "r1", "accept", actor=SHELTER)
    with runtime.db.pool.connection() as conn:  # as if the worker had lost its position
        conn.execute("update notification_tracking set position = 0")
    today = lambda: engine.clock().date()  # noqa: E731
    again = Notifier.of(runtime.projections, runtime.db, runtime.settings, today)
    restarted = NotificationWorker(again, poll_seconds=0.05)
    restarted.start()
    try:
        wait_until(lambda: len(inbox.messages) == 2, what="the answer's e-mail")
        wait_until(lambda: caught_up(again), what="the worker to read the whole log")
    finally:
        restarted.stop()
    assert kinds(runtime) == [
        ("referral_arrived", SHELTER.user_id),
        ("referral_answered", LSA.user_id),
    ]
    assert [m["To"] for m in inbox.messages] == [
        "anna@shelter.example.org",
        "petro@lsa.example.org",
    ]
    assert len({m["Message-ID"] for m in inbox.messages}) == 2
    for raw, mail in zip(inbox.raw, inbox.messages, strict=True):
        text = raw.decode("utf-8", "replace") + str(mail.get_payload(decode=True), "utf-8")
        assert NAME not in text and "Testenko" not in text and BORN not in text
        assert f"https://nrm.example.org/cases/{case_id}" in text
    status = again.events.status()
    assert (status.notices, status.mail["sent"], status.mail["pending"]) == (2, 2, 0)
    (parked,) = again.events.parked()  # once, though read twice
    assert (parked.name, parked.case_version, status.parked) == ("notifications", 1, 1)


def caught_up(notifier: Notifier) -> bool:
    status = notifier.events.status()
    return status.position == status.head


def test_deadlines_are_looked_at_once_and_escalate_once(
    runtime: Runtime, clock: FixedClock
) -> None:
    case_in(runtime.engine, "awaiting_verification")  # due on 12 March; reminded from 10 March
    runtime.projections.catch_up()
    scan = runtime.notifier.deadlines.scan
    assert scan() == 0
    clock.advance(days=8)
    assert scan() == 1
    assert scan() == 0
    clock.advance(days=3)
    assert scan() == 2
    assert scan() == 0
    assert kinds(runtime) == [
        ("deadline_due", POLICE.user_id),  # the unit asked answers the request
        ("deadline_passed", POLICE.user_id),
        ("deadline_escalated", SUPERVISOR.user_id),  # the LSA's supervisor, once
    ]


def test_a_failed_send_is_tried_again_later_and_never_sent_twice(
    runtime: Runtime, inbox: Inbox
) -> None:
    case_id = case_in(runtime.engine, "awaiting_verification")
    send_referral(runtime.engine, case_id, agency=SHELTER.agency)
    runtime.notifier.events.catch_up()
    mailer = runtime.notifier.mailer
    assert mailer is not None
    nowhere = replace(mailer.smtp, port=free_port())  # nothing listens there
    down = Mailer(runtime.db, nowhere, mailer.sender, mailer.base_url)
    assert down.deliver() == 0
    with runtime.db.pool.connection() as conn:
        row = conn.execute(
            "select status, attempts, last_error, next_attempt_at > now() from mail_outbox"
        ).fetchone()
    assert row is not None and row[:2] == ("pending", 1) and row[2] and row[3]
    assert mailer.deliver() == 0  # not due yet: backing off
    with runtime.db.pool.connection() as conn:
        conn.execute("update mail_outbox set next_attempt_at = now()")
    assert mailer.deliver() == 1
    assert mailer.deliver() == 0
    assert len(inbox.messages) == 1
