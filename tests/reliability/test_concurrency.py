"""32 clients on 8 cases through a real API process and real sockets: every acknowledged step is
in the log once, at the version its client was told; versions are gapless; the losers get 409.

(tests/e2e/test_api_concurrency.py races clients on one version in-process; this is the load.)"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx

from referral_engine.bootstrap import Runtime
from referral_engine.config import Settings
from tests.e2e.conftest import Callers, assert_problem
from tests.reliability.load import Client, Record, assert_log_holds_exactly
from tests.reliability.processes import EngineProcess, running

THREADS, CASES, WINS_PER_THREAD = 32, 8, 4


def test_32_clients_on_8_cases_leave_each_acknowledged_step_once_and_get_409_otherwise(
    pg_runtime: Runtime, pg_settings: Settings, callers: Callers
) -> None:
    record, conflicts = Record(), list[httpx.Response]()
    api = EngineProcess.api(
        pg_settings, REFERRAL_ENGINE_RUN_PROJECTIONS="false", REFERRAL_ENGINE_POOL_SIZE="20"
    )
    with running(api):
        cases = [Client([api.url], callers["screener"], record).open_case() for _ in range(CASES)]
        start = threading.Barrier(THREADS)

        def client(i: int) -> None:
            case_id, version = cases[i % CASES]  # four clients on each case
            own = Client([api.url], callers["lsa"], record)
            start.wait()
            wins = 0
            while wins < WINS_PER_THREAD:
                response = own.step(case_id, "record_consent", version)
                if response.status_code == 200:
                    wins, version = wins + 1, response.json()["version"]
                else:  # lost the race: decide again on the version the problem names
                    conflicts.append(response)
                    version = assert_problem(response, 409, "version-conflict")["current_version"]
            own.close()

        with ThreadPoolExecutor(THREADS) as pool:
            list(pool.map(client, range(THREADS)))

    assert record.transport_errors == 0, (record.lost, api.said())
    assert set(record.statuses) == {200, 201, 409}
    assert len(conflicts) >= CASES  # the clients did race
    events = assert_log_holds_exactly(pg_runtime, record.acks)
    assert events == CASES + THREADS * WINS_PER_THREAD
