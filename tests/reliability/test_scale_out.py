"""Two API processes and two projection worker processes on one PostgreSQL under mixed load
(cases walked through the workflow, referrals, reads, queue and dashboards, every request on the
next API process; one worker killed and restarted meanwhile) end with read models equal to a
fresh rebuild, and the log holding each acknowledged command once."""

from __future__ import annotations

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from referral_engine.bootstrap import Runtime
from referral_engine.config import Settings
from tests.e2e.conftest import CALLER_FOR_ROLE, Callers, step_data, step_spec, workflow
from tests.factories import path_to, real_today, wait_until
from tests.reliability.load import (
    Client,
    Record,
    acknowledged,
    assert_log_holds_exactly,
    assert_read_models_equal_a_fresh_rebuild,
    wait_until_caught_up,
)
from tests.reliability.processes import EngineProcess, running

OFFICES = 4
TARGETS = ["identified", "status_granted", "status_refused", "returned_incomplete"]
READER = "supervisor"


class Office:
    """One office's users, each on a client that sends every request to the next API process."""

    def __init__(self, urls: list[str], callers: Callers, record: Record) -> None:
        names = {*CALLER_FOR_ROLE.values(), "analyst"}
        self.clients = {name: Client(urls, callers[name], record) for name in names}

    def walk(self, case_id: str, version: int, triggers: list[str]) -> int:
        for trigger in triggers:
            caller = CALLER_FOR_ROLE[sorted(step_spec(trigger).roles)[0]]
            response = self.clients[caller].step(case_id, trigger, version)
            assert response.status_code == 200, response.text
            version = response.json()["version"]
        return version

    def refer(self, case_id: str, version: int) -> int:
        """Refer the person to the shelter, which accepts and records assistance."""
        body = {"agency": "shelter-kyiv", "service": "shelter", "data": {}}
        sent = self.clients["lsa"].command(
            f"/api/cases/{case_id}/referrals", {**body, "expected_version": version}
        )
        assert sent.status_code == 201, sent.text
        referral, version = sent.json()["referral_id"], sent.json()["version"]
        for trigger in ("accept", "deliver_assistance"):
            response = self.clients["shelter"].command(
                f"/api/cases/{case_id}/referrals/{referral}/steps",
                {
                    "trigger": trigger,
                    "data": step_data(trigger, facts=real_today()),
                    "expected_version": version,
                },
            )
            assert response.status_code == 200, response.text
            version = response.json()["version"]
        return version

    def read(self, case_id: str) -> None:
        reader, analyst = self.clients[READER], self.clients["analyst"]
        for path in (f"/api/cases/{case_id}", f"/api/cases/{case_id}/history", "/api/cases"):
            assert reader.send("GET", path).status_code == 200
        funnel = analyst.send("GET", "/api/dashboards/funnel")
        assert funnel.status_code == 200, funnel.text

    def work(self, rng: random.Random) -> None:
        case_id, version = self.clients["screener"].open_case()
        first = ["record_consent", *path_to(workflow(), "application_registered")]
        version = self.walk(case_id, version, first)
        version = self.refer(case_id, version)
        self.read(case_id)
        rest = path_to(workflow(), rng.choice(TARGETS))[1:]
        self.walk(case_id, version, rest)
        self.read(case_id)

    def close(self) -> None:
        for client in self.clients.values():
            client.close()


def folding(runtime: Runtime) -> bool:
    """Every read model is built and has folded events: both workers are at work."""
    return all(s.active_schema and s.position > 0 for s in runtime.projections.status())


def test_two_apis_and_two_workers_under_mixed_load_end_with_read_models_equal_a_rebuild(
    pg_runtime: Runtime, pg_settings: Settings, callers: Callers, synthetic_agencies: Runtime
) -> None:
    """(`synthetic_agencies`: the API processes read the registry the referrals name from the
    database, so it is written before they start.)"""
    record, stop = Record(), threading.Event()
    apis = [EngineProcess.api(pg_settings, REFERRAL_ENGINE_RUN_PROJECTIONS="false") for _ in "ab"]
    workers = [EngineProcess.worker(pg_settings) for _ in "ab"]
    with running(*apis, *workers):
        urls = [api.url for api in apis]

        def office(seed: int) -> int:
            rng, own, cases = random.Random(seed), Office(urls, callers, record), 0
            while not stop.is_set():
                own.work(rng)
                cases += 1
            own.close()
            return cases

        with ThreadPoolExecutor(OFFICES) as pool:
            done = [pool.submit(office, seed) for seed in range(OFFICES)]
            try:  # generous deadlines: four offices and four processes share two busy cores
                wait_until(partial(folding, pg_runtime), what="both workers folding", timeout=300)
                at_work = acknowledged(record, 0.0, OFFICES * 10)
                wait_until(at_work, what="the offices at work", timeout=300)
                workers[0].kill()  # mid-batch, as likely as not; the other one carries on
                workers[0].start()
                restarted = time.monotonic()
                after = acknowledged(record, restarted, OFFICES * 10)
                wait_until(after, what="work after the kill", timeout=300)
            finally:  # a failed wait must end the offices too, or leaving the pool waits forever
                stop.set()
            cases = sum(f.result() for f in done)

        assert cases >= OFFICES
        assert set(record.statuses) <= {200, 201, 503}, record.statuses
        for response in record.unavailable:  # a read model the workers had not built yet
            assert response.json()["type"] == "/problems/read-model-not-ready"
        assert assert_log_holds_exactly(pg_runtime, record.acks) == len(record.acks)
        wait_until_caught_up(pg_runtime)
        assert_read_models_equal_a_fresh_rebuild(pg_runtime)
