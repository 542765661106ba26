"""Notifications attacked as a careless or a hostile user would: a case that cannot be replayed
among the deadlines, an address that a mail library reads as another, a user disabled or given
another address after the notice was queued, an SMTP server that hangs, odd ids posted to the
page, a user with hundreds of unread notices, a notice arriving while the page is read.

One engine on PostgreSQL and one local SMTP server serve the whole module (each test works its
own cases and users): a schema per test would cost more than the tests themselves."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from uuid import UUID, uuid4

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from pydantic import SecretStr

from referral_engine.adapters.notifications.mail import Mailer
from referral_engine.adapters.notifications.worker import NotificationWorker
from referral_engine.bootstrap import Runtime, build, track_notifications
from referral_engine.domain.errors import InvalidData
from referral_engine.entrypoints.asgi import create_app
from tests.e2e.pages import csrf_of, sign_in
from tests.factories import (
    CLINIC,
    LSA,
    POLICE,
    REGION,
    FixedClock,
    case_in,
    kyiv_shelter,
    send_referral,
    wait_until,
    with_synthetic_agencies,
)
from tests.integration.test_notifications import Inbox, bad_event, free_port
from tests.pg import fresh_schema

ENCODED = "=?utf-8?q?x=0D=0ABcc=3A_spy=40evil.example?=@clinic.example.org"
"""An "address" a mail library decodes into a line break and a Bcc header."""
REROUTED = "=?utf-8?q?spy=40evil.example=2C?=@clinic.example.org"
"""One it decodes into another address and a comma (`To: spy@evil.example,@clinic...`)."""


@pytest.fixture(scope="module")
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture(scope="module")
def inbox() -> Iterator[Inbox]:
    found = Inbox(free_port())
    controller = Controller(found, hostname="127.0.0.1", port=found.port)
    controller.start()
    yield found
    controller.stop()


@pytest.fixture(scope="module")
def runtime(
    pg_database_url: str, tmp_path_factory: pytest.TempPathFactory, clock: FixedClock, inbox: Inbox
) -> Iterator[Runtime]:
    home: Path = tmp_path_factory.mktemp("home")
    with fresh_schema(pg_database_url, home) as settings:
        mailing = {
            "smtp_url": SecretStr(f"smtp://127.0.0.1:{inbox.port}"),
            "mail_from": "engine@nrm.example.org",
            "base_url": "https://nrm.example.org",
        }
        with build(settings.model_copy(update=mailing), clock=clock) as rt:
            shelters = [kyiv_shelter(s) for s in ("hostel-kyiv", "archive-kyiv", "legal-aid-kyiv")]
            with_synthetic_agencies(rt.engine, *shelters)
            rt.users.add(POLICE.user_id, POLICE.role, POLICE.agency, [REGION])  # answers (v5)
            rt.users.add(LSA.user_id, LSA.role, LSA.agency, [REGION], "petro@lsa.example.org")
            yield rt


def add(rt: Runtime, name: str, agency: str, email: str | None = None) -> None:
    rt.users.add(name, "service_provider", agency, [REGION], email)


def referral_to(rt: Runtime, agency: str, service: str = "shelter") -> UUID:
    """A case referred to `agency`, its notices written (and e-mail queued)."""
    case_id = case_in(rt.engine, "awaiting_verification")
    send_referral(rt.engine, case_id, agency=agency, service=service)
    rt.notifier.events.catch_up()
    return case_id


def outbox(rt: Runtime, case_id: UUID) -> dict[str, tuple[str, str | None]]:
    """The case's e-mail by recipient: status and why it failed."""
    with rt.db.pool.connection() as conn:
        rows = conn.execute(
            "select u.name, o.status, o.last_error from mail_outbox o "
            "join notifications n on n.id = o.notification_id join users u on u.id = n.recipient "
            "where n.case_id = %s",
            [case_id],
        ).fetchall()
    return {r[0]: (r[1], r[2]) for r in rows}


def sent_since(inbox: Inbox, before: int) -> list[list[str]]:
    return inbox.recipients[before:]


def test_a_deadline_whose_case_cannot_be_replayed_holds_up_no_other(
    runtime: Runtime, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    engine = runtime.engine
    broken = case_in(engine, "awaiting_verification")  # verification due on 12 March
    clock.advance(days=1)
    told = case_in(engine, "awaiting_verification")  # due on 13 March
    bad_event(runtime, broken, engine.case(broken).version + 1)  # the case replays no more
    runtime.projections.catch_up()  # the event parked; both deadlines listed
    clock.advance(days=9)  # 12 March: both within their reminder
    with caplog.at_level(logging.WARNING, "referral_engine.notifications"):
        assert runtime.notifier.deadlines.scan() >= 1
    with runtime.db.pool.connection() as conn:
        kinds = conn.execute(
            "select kind from notifications where case_id = any(%s)", [[broken, told]]
        ).fetchall()
    assert kinds == [("deadline_due",)]
    assert f"deadline police_verification of case {broken} skipped" in caplog.text


def test_an_address_a_mail_library_reads_otherwise_is_refused_and_blocks_no_other_e_mail(
    runtime: Runtime, inbox: Inbox
) -> None:
    with pytest.raises(InvalidData):
        add(runtime, "mallory.clinic", CLINIC.agency, ENCODED)
    add(runtime, "mallory.clinic", CLINIC.agency)
    add(runtime, "nestor.clinic", CLINIC.agency)
    add(runtime, "oleh.clinic", CLINIC.agency, "oleh@clinic.example.org")
    with runtime.db.pool.connection() as conn:  # as a hand edit of the table might leave them
        for name, address in (("mallory.clinic", ENCODED), ("nestor.clinic", REROUTED)):
            conn.execute("update users set email = %s where name = %s", [address, name])
    case_id = referral_to(runtime, CLINIC.agency, service="medical")
    before = len(inbox.recipients)
    mailer = runtime.notifier.mailer
    assert mailer is not None
    mailer.deliver()  # raised at the first of them, every time, before
    assert [r for r in sent_since(inbox, before) if "clinic" in r[0]] == [
        ["oleh@clinic.example.org"]
    ]
    mail = outbox(runtime, case_id)
    assert mail["oleh.clinic"] == ("sent", None)
    for name in ("mallory.clinic", "nestor.clinic"):
        status, error = mail[name]
        assert status == "failed" and error and error.startswith("no message can be made")


def test_e_mail_goes_to_the_address_of_now_never_to_a_user_disabled_since(
    runtime: Runtime, inbox: Inbox
) -> None:
    agency = "legal-aid-kyiv"
    for name in ("ira", "max", "zoe"):
        add(runtime, f"{name}.legal", agency, f"{name}@legal.example.org")
    case_id = referral_to(runtime, agency)  # three e-mails queued
    runtime.users.change_email("ira.legal", "ira@new-legal.example.org")
    runtime.users.disable("max.legal")
    runtime.users.change_email("zoe.legal", None)
    before = len(inbox.recipients)
    mailer = runtime.notifier.mailer
    assert mailer is not None
    mailer.deliver()  # other tests of the module may have left mail of their own queued
    legal = [r for r in sent_since(inbox, before) if "legal" in r[0]]
    assert legal == [["ira@new-legal.example.org"]]
    assert [m["To"] for m in inbox.messages if "legal" in m["To"]][-1] == legal[0][0]
    assert outbox(runtime, case_id) == {
        "ira.legal": ("sent", None),
        "max.legal": ("failed", "the user was disabled"),
        "zoe.legal": ("failed", "the user has no e-mail address now"),
    }


class Stuck(Mailer):
    """An SMTP server that answers nothing until it is let go."""

    def __init__(self, mailer: Mailer) -> None:
        super().__init__(mailer.db, mailer.smtp, mailer.sender, mailer.base_url)
        self.entered, self.released = threading.Event(), threading.Event()

    def deliver(self, going: Callable[[], bool] = lambda: True) -> int:
        self.entered.set()
        self.released.wait(30)
        return 0


def test_a_hung_smtp_server_never_holds_up_the_notices_in_the_app(runtime: Runtime) -> None:
    add(runtime, "rita.hostel", "hostel-kyiv")
    assert runtime.notifier.mailer is not None
    stuck = Stuck(runtime.notifier.mailer)
    worker = NotificationWorker(replace(runtime.notifier, mailer=stuck), poll_seconds=0.05)
    worker.start()
    try:
        wait_until(stuck.entered.is_set, what="the worker to send e-mail")
        case_id = case_in(runtime.engine, "awaiting_verification")
        send_referral(runtime.engine, case_id, agency="hostel-kyiv")
        wait_until(
            lambda: notices_of(runtime, case_id) == ["referral_arrived"],
            what="the notice while the SMTP server hangs",
            timeout=15,
        )
    finally:
        stuck.released.set()
        worker.stop()


def notices_of(runtime: Runtime, case_id: UUID) -> list[str]:
    with runtime.db.pool.connection() as conn:
        rows = conn.execute("select kind from notifications where case_id = %s", [case_id])
        return [r[0] for r in rows]


def notify(runtime: Runtime, name: str, n: int) -> None:
    """`n` unread deadline notices for the user."""
    user = runtime.users.get(name)
    assert user is not None
    with runtime.db.pool.connection() as conn:
        conn.execute(
            "insert into notifications (source, kind, recipient, case_id, workflow_id, "
            "workflow_version, subject, due_on) select 'test:' || gen_random_uuid(), "
            "'deadline_due', %s, %s, 'ukraine-nrm', 4, 'interview', '2026-03-12' "
            "from generate_series(1, %s)",
            [user.id, uuid4(), n],
        )


def header(page: str) -> str:
    return page.split('id="unread-count">', 1)[1].split("<", 1)[0]


def test_the_page_counts_to_99_refuses_odd_ids_and_marks_only_what_was_there(
    runtime: Runtime,
) -> None:
    add(runtime, "lev.shelter", "shelter-lviv")
    notify(runtime, "lev.shelter", 120)
    with TestClient(create_app(runtime), raise_server_exceptions=False) as client:
        token = runtime.users.issue_token("lev.shelter")
        sign_in(client, token)
        page = client.get("/notifications").text
        assert header(page) == "99+"
        csrf = csrf_of(page)
        for odd in ("²", "١٢", "0", "1e3", "-1", " 1", "9" * 19):
            for field in ("id", "upto"):
                posted = client.post("/notifications/read", data={"csrf": csrf, field: odd})
                assert posted.status_code == 404, (field, odd, posted.status_code)
        notify(runtime, "lev.shelter", 1)  # arrives while the page is read
        marked = client.post("/notifications/read", data={"csrf": csrf, "upto": upto(page)})
        assert header(marked.text) == "1"
        auth = {"Authorization": f"Bearer {token}"}
        (newest,) = client.get("/api/notifications", headers=auth).json()["items"][:1]
        notify(runtime, "lev.shelter", 1)
        answer = client.post("/api/notifications/read", json={"up_to": newest["id"]}, headers=auth)
        assert answer.json() == {"marked": [newest["id"]], "unread": 1}


def upto(page: str) -> str:
    return page.split('name="upto" value="', 1)[1].split('"', 1)[0]


def test_events_from_before_notifications_began_tell_nobody_after_a_position_reset(
    runtime: Runtime, clock: FixedClock
) -> None:
    add(runtime, "yana.archive", "archive-kyiv")
    history = case_in(runtime.engine, "awaiting_verification")
    send_referral(runtime.engine, history, agency="archive-kyiv")
    with runtime.db.pool.connection() as conn:  # notifications begin now, as on an upgrade
        conn.execute("delete from notification_tracking")
    track_notifications(runtime.projections, clock().date())
    new = referral_to(runtime, "archive-kyiv")
    with runtime.db.pool.connection() as conn:  # the position set back by hand
        conn.execute("update notification_tracking set position = 0")
    runtime.notifier.events.catch_up()
    assert (notices_of(runtime, history), notices_of(runtime, new)) == ([], ["referral_arrived"])
