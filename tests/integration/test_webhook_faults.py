"""Webhooks against what goes wrong, on PostgreSQL, one round of the worker at a time (no thread):
an event that cannot be read spoils no other delivery (it fails, is retried, is parked and shown)
nor any page of the feed; a secret given to the command line reaches no audit entry; once a
subscription is ended nothing more reaches its receiver; a rotated secret's predecessor signs
too until the overlap ends."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from uuid import uuid4

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError
from typer.testing import CliRunner

from referral_engine.bootstrap import Runtime, build
from referral_engine.config import Settings
from referral_engine.domain.commands import Actor
from referral_engine.domain.webhooks import Audience
from referral_engine.entrypoints.cli import console
from referral_engine.entrypoints.cli.main import app
from tests.factories import FixedClock, open_case, wait_until
from tests.pg import drop_schemas
from tests.webhook_receiver import Receiver

ADMIN = Actor("hooks-admin", "admin", "it")


@pytest.fixture(scope="module")
def shared(pg_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    """One runtime for the module (a runtime takes 2 s to build), parking after two attempts,
    sending two deliveries at once."""
    schema = f"t_{uuid4().hex[:12]}"
    home = tmp_path_factory.mktemp("hook-faults")
    settings = Settings(
        database_url=pg_database_url,
        database_schema=schema,
        home=home,
        webhook_attempts=2,
        webhook_retry_seconds=0.001,
        webhook_retry_max_seconds=0.001,
        webhook_concurrency=2,
    )
    with build(settings, clock=FixedClock()) as rt:
        yield rt
    drop_schemas(pg_database_url, schema)


@pytest.fixture
def runtime(shared: Runtime) -> Iterator[Runtime]:
    """The shared runtime; the subscriptions a test adds end with it."""
    yield shared
    for subscription in shared.webhooks.listed():
        shared.webhooks.end(subscription.id)


def test_an_event_that_cannot_be_read_is_parked_and_every_other_delivery_goes_on(
    runtime: Runtime,
) -> None:
    with Receiver() as receiver:
        portal, _ = runtime.webhooks.subscribe("integration", "portal", receiver.url, actor=ADMIN)
        broken = open_case(runtime.engine).case_id
        with runtime.db.pool.connection() as conn:  # the case's next event, unreadable
            conn.execute(
                "insert into cases_events (originator_id, originator_version, topic, state) "
                "values (%s, 2, 'referral_engine.domain.case:Case.StepTaken', 'not json')",
                [broken],
            )
        fine = open_case(runtime.engine).case_id
        worker = runtime.webhook_worker()
        try:
            worker.round()  # the first attempts: the readable case's event is sent
            assert [r.json()["data"]["case"]["id"] for r in receiver.delivered()] == [str(fine)]
            worker.round()  # the second attempt of the other one: parked
        finally:
            worker.sender.close()
    states = {d.case_id: d for d in runtime.webhooks.deliveries(portal.id)}
    assert states[fine].state == "delivered"
    assert states[broken].state == "parked" and states[broken].attempts == 2
    said = "not sent: the case's event 2 (MapperDeserialisationError) could not be read"
    assert states[broken].last_error == said
    page = runtime.events.page(0, 100, Audience.of_integration(None))  # no 500: it goes on
    assert [e.case_id for e in page.events] == [fine] and page.next == 3


def test_a_secret_given_to_the_command_line_is_read_hidden_and_never_audited(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = runtime.settings
    monkeypatch.setenv("REFERRAL_ENGINE_DATABASE_URL", str(settings.database_url))
    monkeypatch.setenv("REFERRAL_ENGINE_DATABASE_SCHEMA", settings.database_schema)
    runtime.users.add("ops", "admin", "it", ["*"])
    secret = "whsec_" + "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0"  # 27 bytes
    with Receiver() as receiver:
        line = ["webhooks", "add", "integration", "portal", receiver.url, "--as", "ops", "--secret"]
        monkeypatch.setattr(sys, "argv", ["referral-engine", *line])  # what the audit records
        monkeypatch.setattr(console.mark, "written", False)
        added = CliRunner().invoke(app, line, input=secret + "\n")
        assert added.exit_code == 0, added.output
        assert f"secret (shown once): {secret}" in added.output
        open_case(runtime.engine)
        worker = runtime.webhook_worker()
        try:
            worker.round()
        finally:
            worker.sender.close()
    (received,) = receiver.delivered()
    Webhook(secret).verify(received.body, received.headers)  # the secret typed signs
    (entry,) = [e for e in runtime.audit.query(user_name="ops") if e.action == "cli.webhooks.add"]
    assert secret[6:] not in str(entry) and entry.path.endswith("--as ops --secret")


def test_once_a_subscription_is_ended_nothing_more_reaches_its_receiver(runtime: Runtime) -> None:
    with Receiver(delay=0.3) as receiver:
        portal, _ = runtime.webhooks.subscribe("integration", "portal", receiver.url, actor=ADMIN)
        for _ in range(4):  # two waves of two
            open_case(runtime.engine)
        worker = runtime.webhook_worker()
        sending = threading.Thread(target=worker.round)
        try:
            sending.start()
            wait_until(lambda: receiver.in_flight, what="the first wave being sent")
            runtime.webhooks.end(portal.id)
            ended = time.monotonic()
            sending.join()
        finally:
            worker.sender.close()
    assert all(r.at < ended for r in receiver.all())  # the end waited for the batch
    assert runtime.webhooks.counts(portal.id) == {"delivered": 4}


def test_a_rotated_secret_signs_alongside_the_one_before_it_until_the_overlap_ends(
    runtime: Runtime,
) -> None:
    with Receiver() as receiver:
        portal, before = runtime.webhooks.subscribe(
            "integration", "portal", receiver.url, actor=ADMIN
        )
        _, after = runtime.webhooks.rotate_secret(portal.id)
        worker = runtime.webhook_worker()
        try:
            open_case(runtime.engine)
            worker.round()
            with runtime.db.pool.connection() as conn:  # the overlap is over
                conn.execute("update webhook_subscriptions set previous_until = now()")
            open_case(runtime.engine)
            worker.round()
        finally:
            worker.sender.close()
    during, later = sorted(receiver.delivered(), key=lambda r: r.at)
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    for secret in (before, after):
        Webhook(secret).verify(during.body, during.headers)
    Webhook(after).verify(later.body, later.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(before).verify(later.body, later.headers)
    assert runtime.webhooks.get(portal.id).previous_secret_until is None
