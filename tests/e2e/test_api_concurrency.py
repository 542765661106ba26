"""Clients racing on one case version: exactly one wins, the rest get a version conflict."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier, Event
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from referral_engine.bootstrap import Runtime
from tests.e2e.conftest import Caller, Callers, assert_problem, case_in, history, take_step

ROUNDS = 5


def race(client: TestClient, racers: list[Caller], case_id: str, version: int) -> list[int]:
    """Each racer, on its own client and thread, records consent decided on `version`."""
    start = Barrier(len(racers))

    def attempt(caller: Caller) -> httpx.Response:
        with TestClient(client.app, raise_server_exceptions=False) as own_client:
            start.wait()
            return take_step(own_client, caller, case_id, "record_consent", version)

    with ThreadPoolExecutor(len(racers)) as pool:
        responses = list(pool.map(attempt, racers))
    for response in responses:
        if response.status_code != 200:
            body = assert_problem(response, 409, "version-conflict")
            assert body["current_version"] == version + 1
    return sorted(r.status_code for r in responses)


def test_two_clients_on_one_version_one_wins_the_other_conflicts(
    client: TestClient, callers: Callers
) -> None:
    case_id, version = case_in(client, callers, "screened", consent=False)

    for round_ in range(ROUNDS):
        outcome = race(client, [callers["lsa"], callers["screener"]], case_id, version + round_)
        assert outcome == [200, 409]

    assert len(history(client, callers["lsa"], case_id)) == version + ROUNDS


def test_a_clash_found_only_when_saving_is_a_conflict_too(
    client: TestClient, callers: Callers, pg_runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both commands read the case before either saves: the store's version check decides."""
    case_id, version = case_in(client, callers, "screened", consent=False)
    store = pg_runtime.engine.store
    save = store.save
    saving: list[object] = []
    both = Event()  # set once both commands have decided and reached the store

    def save_once_both_decided(*args: Any, **kwargs: Any) -> Any:
        saving.append(args)
        if len(saving) >= 2:
            both.set()
        both.wait(timeout=60)
        return save(*args, **kwargs)

    monkeypatch.setattr(store, "save", save_once_both_decided)

    outcome = race(client, [callers["lsa"], callers["screener"]], case_id, version)

    assert outcome == [200, 409]
    assert len(history(client, callers["lsa"], case_id)) == version + 1


def test_many_writers_on_one_version_leave_exactly_one_event(
    client: TestClient, callers: Callers
) -> None:
    case_id, version = case_in(client, callers, "screened", consent=False)
    racers = [callers["lsa"], callers["screener"]] * 4

    outcome = race(client, racers, case_id, version)

    assert outcome == [200] + [409] * 7
    versions = [e["version"] for e in history(client, callers["lsa"], case_id)]
    assert versions == list(range(1, version + 2))


def test_the_loser_succeeds_once_it_reads_the_new_version(
    client: TestClient, callers: Callers
) -> None:
    case_id, version = case_in(client, callers, "screened", consent=False)
    race(client, [callers["lsa"], callers["screener"]], case_id, version)

    retry = take_step(client, callers["screener"], case_id, "record_consent", version + 1)

    assert retry.status_code == 200
    assert retry.json()["version"] == version + 2
