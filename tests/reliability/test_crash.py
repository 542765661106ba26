"""An API process SIGKILLed during a write burst and restarted: every step a client saw
acknowledged is in the log, none twice; clients retry with the same Idempotency-Key.

The API process runs its live projection worker too, so each kill also stops a worker in the
middle of a batch; the read models the restarted one builds equal a fresh rebuild. (A worker
process killed on its own: tests/integration/test_projections.py, and the scale-out test.)"""

from __future__ import annotations

import random
import time

from referral_engine.bootstrap import Runtime
from referral_engine.config import Settings
from tests.e2e.conftest import Callers
from tests.factories import wait_until
from tests.reliability.load import (
    Record,
    acknowledged,
    assert_log_holds_exactly,
    assert_read_models_equal_a_fresh_rebuild,
    wait_until_caught_up,
    writing,
)
from tests.reliability.processes import EngineProcess, running

WRITERS, KILLS = 8, 3


def test_an_api_killed_mid_burst_and_restarted_keeps_every_acknowledged_step_once(
    pg_runtime: Runtime, pg_settings: Settings, callers: Callers
) -> None:
    record, rng = Record(), random.Random(8)
    api = EngineProcess.api(pg_settings, REFERRAL_ENGINE_RUN_PROJECTIONS="true")
    with running(api):
        with writing(WRITERS, [api.url], callers["screener"], callers["lsa"], record):
            since = 0.0
            for _ in range(KILLS):
                # mid-burst: once the writers' steps are being acknowledged, at a random moment
                wait_until(acknowledged(record, since, WRITERS), what="steps acknowledged")
                time.sleep(rng.uniform(0.0, 0.5))
                api.kill()
                api.start()
                since = time.monotonic()
            # and write on the last one for a while
            wait_until(
                acknowledged(record, since, WRITERS * 5), what="steps after the last restart"
            )
            wait_until(lambda: len(record.acks) > WRITERS * 10, what="steps acknowledged in all")

        assert record.transport_errors > 0  # the kills did cut requests short
        assert set(record.statuses) <= {200, 201, 503}
        steps = assert_log_holds_exactly(pg_runtime, record.acks)
        assert steps == len(record.acks) > WRITERS * 10
        wait_until_caught_up(pg_runtime)
        assert_read_models_equal_a_fresh_rebuild(pg_runtime)
