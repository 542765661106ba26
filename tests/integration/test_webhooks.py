"""Webhooks on PostgreSQL through a real local receiver, the worker in a thread (backoff made
short by settings): a receiver failing three times gets the event on the fourth attempt, signed;
one that never answers well is parked; another agency's subscription never gets personal data
it may not see; the master key's rotation keeps secrets usable."""

from __future__ import annotations

from collections.abc import Iterator
from uuid import uuid4

import pytest
from standardwebhooks.webhooks import Webhook

from referral_engine.adapters.crypto import MasterKey
from referral_engine.bootstrap import Runtime, build, rotate_master
from referral_engine.config import Settings
from referral_engine.domain.commands import Actor
from tests.factories import FixedClock, open_case, wait_until, with_synthetic_agencies
from tests.pg import drop_schemas
from tests.unit.test_webhooks import NAME, NOT_PERMITTED, story
from tests.webhook_receiver import Receiver

ADMIN = Actor("hooks-admin", "admin", "it")
FAST = {"webhook_attempts": 4, "webhook_retry_seconds": 0.01, "webhook_retry_max_seconds": 0.05}


@pytest.fixture(scope="module")
def shared(pg_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    """One runtime and one running worker for the module (a runtime takes 2 s to build)."""
    schema = f"t_{uuid4().hex[:12]}"
    home = tmp_path_factory.mktemp("hooks")
    settings = Settings(database_url=pg_database_url, database_schema=schema, home=home, **FAST)
    with build(settings, clock=FixedClock()) as rt:
        with_synthetic_agencies(rt.engine)
        hooks = rt.webhook_worker(poll_seconds=0.05)
        hooks.start()
        try:
            yield rt
        finally:
            hooks.stop()
    drop_schemas(pg_database_url, schema)


@pytest.fixture
def runtime(shared: Runtime) -> Iterator[Runtime]:
    """The shared runtime; the subscriptions a test adds end with it."""
    yield shared
    for subscription in shared.webhooks.listed():
        shared.webhooks.end(subscription.id)


def test_a_receiver_failing_three_times_gets_the_event_on_the_fourth_attempt_signed(
    runtime: Runtime,
) -> None:
    with Receiver(fail_first=3) as receiver, Receiver(fail_always=True) as down:
        hooks = runtime.webhooks
        portal, secret = hooks.subscribe("integration", "portal", receiver.url, actor=ADMIN)
        broken, _ = hooks.subscribe(
            "integration",
            "broken",
            down.url,
            regions=["UA-32"],
            events=["PersonScreened"],
            actor=ADMIN,
        )
        case_id = open_case(runtime.engine, person_name=NAME).case_id
        wait_until(lambda: receiver.delivered(), what="the fourth attempt")
        wait_until(lambda: runtime.webhooks.counts(broken.id) == {"parked": 1}, what="parking")

    attempts = receiver.all()
    assert [r.status for r in attempts] == [500, 500, 500, 204]
    assert len({r.id for r in attempts}) == 1  # every attempt carries the same webhook-id
    for attempt in attempts:
        assert Webhook(secret).verify(attempt.body, attempt.headers) == attempt.json()
    event = attempts[-1].json()
    assert (event["type"], event["data"]["case"]["id"]) == ("PersonScreened", str(case_id))
    assert event["data"]["fields"]["person_name"] == NOT_PERMITTED  # an integration: never
    (delivery,) = runtime.webhooks.deliveries(portal.id)
    assert (delivery.id, delivery.state, delivery.attempts) == (attempts[0].id, "delivered", 4)
    (parked,) = runtime.webhooks.deliveries(broken.id)
    assert (parked.attempts, parked.last_status, parked.next_attempt_at) == (4, 500, None)
    assert len(down.all()) == 4


def test_another_agencys_subscription_never_gets_personal_data_it_may_not_see(
    runtime: Runtime,
) -> None:
    # lsa-kyivska, shelter-kyiv and clinic-kyiv are in the synthetic registry of every test
    with Receiver() as lsa, Receiver() as shelter, Receiver() as clinic:
        subscribed = {
            name: runtime.webhooks.subscribe("agency", name, r.url, role=role, actor=ADMIN)
            for name, role, r in (
                ("lsa-kyivska", "lsa_official", lsa),
                ("shelter-kyiv", "service_provider", shelter),
                ("clinic-kyiv", "service_provider", clinic),
            )
        }
        case_id = story(runtime.engine)
        version = runtime.engine.case(case_id).version
        wait_until(lambda: len(lsa.delivered()) == version, what="every event to the LSA")
        clinic_id = subscribed["clinic-kyiv"][0].id
        wait_until(
            lambda: runtime.webhooks.counts(clinic_id) == {"not_shown": version},
            what="the clinic's deliveries decided",
        )
        wait_until(lambda: len(shelter.delivered()) == 4, what="the shelter's referral events")

    assert clinic.all() == []
    bodies = sorted((r.json() for r in shelter.delivered()), key=lambda b: b["data"]["position"])
    assert {b["data"]["referral_id"] for b in bodies} == {"r1"}
    assert bodies[-1]["data"]["fields"]["feedback_notes"] == NOT_PERMITTED
    assert NAME not in str(bodies)
    assert NAME in str([r.json() for r in lsa.delivered()])
    shelter_secret = subscribed["shelter-kyiv"][1]
    for r in shelter.delivered():
        Webhook(shelter_secret).verify(r.body, r.headers)
    delivered = runtime.webhooks.deliveries(subscribed["lsa-kyivska"][0].id)
    assert all(d.state == "delivered" for d in delivered)


def test_secrets_are_sealed_and_survive_the_master_keys_rotation(runtime: Runtime) -> None:
    with Receiver() as receiver:
        portal, before = runtime.webhooks.subscribe(
            "integration", "portal", receiver.url, actor=ADMIN
        )
        rotated, secret = runtime.webhooks.rotate_secret(portal.id)  # the one before still signs
        assert rotated.previous_secret_until is not None and secret != before
        with runtime.db.pool.connection() as conn:
            sealed = b"".join(
                bytes(s)
                for s in conn.execute(
                    "select secret, previous_secret from webhook_subscriptions where id = %s",
                    [portal.id],
                ).fetchone()
                or ()
            )
        for one in (before, secret):
            assert one.removeprefix("whsec_").encode() not in sealed
        rotate_master(runtime, MasterKey.generate())
        case_id = open_case(runtime.engine).case_id
        wait_until(lambda: receiver.delivered(), what="a delivery after the rotation")
    (received,) = receiver.delivered()
    assert Webhook(secret).verify(received.body, received.headers)["data"]["case"]["id"] == str(
        case_id
    )
    assert Webhook(before).verify(received.body, received.headers)  # either secret verifies


def test_an_event_the_outbox_cannot_decode_is_parked_and_the_outbox_goes_on(
    runtime: Runtime,
) -> None:
    with Receiver() as receiver:
        runtime.webhooks.subscribe("integration", "portal", receiver.url, actor=ADMIN)
        with runtime.db.pool.connection() as conn:
            conn.execute(
                "insert into cases_events (originator_id, originator_version, topic, state) "
                "values (%s, 1, 'referral_engine.domain.case:Case.StepTaken', 'not json')",
                [uuid4()],
            )
            (broken,) = conn.execute("select max(notification_id) from cases_events").fetchone()  # type: ignore[misc]
        case_id = open_case(runtime.engine).case_id
        wait_until(lambda: receiver.delivered(), what="the event after the broken one")
    assert receiver.delivered()[0].json()["data"]["case"]["id"] == str(case_id)
    with runtime.db.pool.connection() as conn:
        parked = conn.execute(
            "select name, error_class from projection_parked where position = %s", [broken]
        ).fetchall()
    assert [name for name, _ in parked] == ["webhooks"]
