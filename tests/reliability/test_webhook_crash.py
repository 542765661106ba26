"""The webhook worker as its own process (`referral-engine webhooks run`), SIGKILLed several
times while a slow receiver is answering its batch: every event is delivered at least once, and
a duplicate carries the same `webhook-id` and the same body.

The subscription is added with `referral-engine webhooks add`, then four workers start together
(a start takes seconds); each time, the one holding the batch (its claim's lock held while a
request is unanswered, found by its application name) is killed mid-delivery, and another takes
the batch over once the killed one's locks are gone."""

from __future__ import annotations

from collections import defaultdict
from functools import partial

from standardwebhooks.webhooks import Webhook

from referral_engine.bootstrap import Runtime, build
from referral_engine.config import Settings
from tests.e2e.test_cli import cli
from tests.factories import FixedClock, open_case, wait_until
from tests.reliability.processes import EngineProcess, engine_env
from tests.webhook_receiver import Receiver

EVENTS = 40
KILLS = 3


def sending(rt: Runtime) -> str | None:
    """The application name of the worker in the middle of sending a batch, if one is: its
    claim's lock held while its transaction waits for the requests."""
    with rt.db.pool.connection() as conn:
        row = conn.execute(
            "select a.application_name from pg_locks l join pg_stat_activity a on a.pid = l.pid "
            "where l.relation = 'webhook_deliveries'::regclass and l.mode = 'RowShareLock' "
            "and l.granted and a.application_name like 'hooks-%' "
            "and a.state like 'idle in transaction%'"
        ).fetchone()
    return None if row is None else str(row[0])


def test_a_worker_killed_mid_delivery_loses_nothing_and_repeats_under_the_same_id(
    pg_settings: Settings,
) -> None:
    env = engine_env(
        pg_settings,
        REFERRAL_ENGINE_WEBHOOK_CONCURRENCY="2",
        REFERRAL_ENGINE_WEBHOOK_RETRY_SECONDS="0.01",
        REFERRAL_ENGINE_RUN_PROJECTIONS="false",
    )
    workers = {
        f"hooks-{i}": EngineProcess(
            ["webhooks", "run", "--poll", "0.1"], {**env, "PGAPPNAME": f"hooks-{i}"}
        )
        for i in range(KILLS + 1)
    }
    with build(pg_settings, clock=FixedClock()) as rt, Receiver(delay=0.02) as receiver:
        rt.users.add("ops", "admin", "it", ["*"])
        add = ("webhooks", "add", "integration", "portal", receiver.url, "--as", "ops")
        added = cli(*add, env=env)
        assert added.returncode == 0, added.stderr
        (found,) = rt.webhooks.listed()
        secret = added.stdout.split("secret (shown once): ")[1].split()[0]
        assert str(found.id) in added.stdout and secret.startswith("whsec_")
        for _ in range(EVENTS):  # before any worker runs: the first batch holds them all
            open_case(rt.engine)
        holder: list[str | None] = [None]

        def mid_batch(received: int) -> bool:
            """A request of the batch received and not answered yet, and who sends it."""
            holder[0] = sending(rt) if receiver.in_flight else None
            return len(receiver.all()) >= received and holder[0] is not None

        try:
            for worker in workers.values():
                worker.launch()

            for kill in range(1, KILLS + 1):
                wait_until(partial(mid_batch, 8 * kill), what=f"a batch being sent ({kill})")
                workers[str(holder[0])].kill()
            wait_until(  # the survivor may start late on a busy machine: a generous deadline
                lambda: rt.webhooks.counts(found.id) == {"delivered": EVENTS},
                what="every event delivered",
                timeout=240,
            )
        finally:
            for worker in workers.values():
                worker.stop()
        delivered = {d.id for d in rt.webhooks.deliveries(found.id)}

    by_id: dict[str, list[bytes]] = defaultdict(list)
    for request in receiver.all():
        Webhook(secret).verify(request.body, request.headers)
        by_id[request.id].append(request.body)
    assert len(by_id) == EVENTS
    assert delivered == set(by_id)
    repeated = {i: bodies for i, bodies in by_id.items() if len(bodies) > 1}
    assert repeated, "a killed batch is sent again"
    assert all(len(set(bodies)) == 1 for bodies in repeated.values())
