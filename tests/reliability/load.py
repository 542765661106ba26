"""Clients driving the API over real sockets the way a careful client does, and the checks of what
the event log and the read models hold afterwards.

Every command carries an Idempotency-Key and, after a lost connection or a 503, is sent again
unchanged until it gets an answer; a 200 or 201 is an acknowledgement the log must keep."""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import httpx
import orjson

from referral_engine.bootstrap import Runtime
from tests.e2e.conftest import WORKFLOW, Caller, opening_data, step_data
from tests.factories import real_today
from tests.integration.test_projections import everything

RETRYABLE = (503,)


@dataclass(frozen=True)
class Ack:
    """A command the API acknowledged: its key, its case and the version it was told."""

    key: str
    case_id: str
    version: int
    at: float


@dataclass
class Record:
    """Everything the clients of one test saw, shared by their threads."""

    acks: list[Ack] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    unavailable: list[httpx.Response] = field(default_factory=list)
    transport_errors: int = 0
    lost: list[str] = field(default_factory=list)
    """What each lost connection was (the exception and when), for a failing assertion."""
    replayed: int = 0
    """Acknowledgements of a retry whose first attempt had been written (the answer was lost)."""
    _keys: itertools.count[int] = field(default_factory=itertools.count)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def new_key(self) -> str:
        return f"command-{next(self._keys)}"

    def saw(self, response: httpx.Response) -> None:
        with self._lock:
            self.statuses[response.status_code] += 1
            if response.status_code == 503:
                self.unavailable.append(response)

    def lost_connection(self, error: httpx.TransportError, method: str, path: str) -> None:
        with self._lock:
            self.transport_errors += 1
            self.lost.append(f"{time.monotonic():.3f} {method} {path}: {error!r}")

    def acknowledged(self, ack: Ack, replayed: bool) -> None:
        with self._lock:
            self.acks.append(ack)
            self.replayed += replayed


class Client:
    """One user's client on one or more API processes (it moves to the next on each command)."""

    def __init__(self, urls: list[str], caller: Caller, record: Record, patience: float = 90.0):
        self.http = httpx.Client(headers=caller.auth, timeout=30)
        self.urls = itertools.cycle(urls)
        self.record = record
        self.patience = patience

    def close(self) -> None:
        self.http.close()

    def send(self, method: str, path: str, key: str | None = None, **kwargs: Any) -> httpx.Response:
        """The first answer that is neither a lost connection nor a 503 (the same request again)."""
        headers = {"Idempotency-Key": key} if key else {}
        give_up = time.monotonic() + self.patience
        while True:
            try:
                response = self.http.request(
                    method, next(self.urls) + path, headers=headers, **kwargs
                )
                self.record.saw(response)
                if response.status_code not in RETRYABLE:
                    return response
            except httpx.TransportError as error:
                self.record.lost_connection(error, method, path)
            if time.monotonic() > give_up:
                raise AssertionError(f"{method} {path} unanswered for {self.patience} s")
            time.sleep(0.05)

    def open_case(self, region: str = "UA-32") -> tuple[str, int]:
        """Screen a synthetic person; the new case's id and version."""
        body = {"workflow": WORKFLOW, "region": region, "data": opening_data(facts=real_today())}
        response = self.command("/api/cases", body)
        assert response.status_code == 201, response.text
        return str(response.json()["id"]), int(response.json()["version"])

    def step(self, case_id: str, trigger: str, version: int) -> httpx.Response:
        """Take one step decided on `version`."""
        body = {
            "trigger": trigger,
            "data": step_data(trigger, facts=real_today()),
            "expected_version": version,
        }
        return self.command(f"/api/cases/{case_id}/steps", body)

    def command(self, path: str, body: dict[str, Any]) -> httpx.Response:
        """POST a command under a new key; an acknowledged one is recorded."""
        key = self.record.new_key()
        response = self.send("POST", path, key, json=body)
        if response.status_code in (200, 201):
            self._acknowledged(key, response)
        return response

    def _acknowledged(self, key: str, response: httpx.Response) -> None:
        body = response.json()
        ack = Ack(key, str(body.get("case_id") or body["id"]), body["version"], time.monotonic())
        self.record.acknowledged(ack, bool(body.get("replayed")))


@contextmanager
def writing(
    count: int, urls: list[str], screener: Caller, lsa: Caller, record: Record
) -> Iterator[None]:
    """`count` clients writing flat out while the block runs, each stepping a case of its own;
    every command ends acknowledged (retried through lost connections and 503s)."""
    stop, failures = threading.Event(), list[BaseException]()

    def write() -> None:
        opener, stepper = Client(urls, screener, record), Client(urls, lsa, record)
        try:
            case_id, version = opener.open_case()
            while not stop.is_set():
                response = stepper.step(case_id, "record_consent", version)
                assert response.status_code == 200, response.text
                version = response.json()["version"]
        except BaseException as exc:
            failures.append(exc)
        finally:
            opener.close()
            stepper.close()

    threads = [threading.Thread(target=write) for _ in range(count)]
    for thread in threads:
        thread.start()
    try:
        yield
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    if failures:
        raise failures[0]


def acked_since(record: Record, since: float) -> int:
    """How many commands were acknowledged after `since` (a time.monotonic() reading)."""
    return sum(ack.at > since for ack in list(record.acks))


def acknowledged(record: Record, since: float, count: int) -> Callable[[], bool]:
    """A condition for wait_until: `count` commands acknowledged after `since`."""
    return lambda: acked_since(record, since) >= count


def logged(runtime: Runtime, case_id: str) -> list[tuple[int, str | None]]:
    """(version, idempotency key) of each event stored for the case, read from the events table."""
    stored = runtime.engine.store.recorder.select_events(UUID(case_id))
    return [(s.originator_version, orjson.loads(s.state).get("idempotency_key")) for s in stored]


def assert_log_holds_exactly(runtime: Runtime, acks: list[Ack]) -> int:
    """Each case's versions run 1..n without a gap and its events are the acknowledged commands,
    each once, at the version its client was told; returns the number of events checked."""
    by_case: dict[str, dict[str, int]] = {}
    for ack in acks:
        by_case.setdefault(ack.case_id, {})[ack.key] = ack.version
    checked = 0
    for case_id, acked in by_case.items():
        events = logged(runtime, case_id)
        assert [v for v, _ in events] == list(range(1, len(events) + 1)), case_id
        written = Counter(key for _, key in events)
        assert written == Counter(acked.keys()), f"{case_id}: written {written}, told {acked}"
        assert {key: v for v, key in events} == acked, f"{case_id}: at other versions than told"
        checked += len(events)
    return checked


def wait_until_caught_up(runtime: Runtime, timeout: float = 240.0) -> None:
    """Wait for the worker processes (not this one) to bring every read model to the head."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(s.lag_events == 0 and s.active_schema for s in runtime.projections.status()):
            return
        time.sleep(0.1)
    lagging = [(s.name, s.lag_events) for s in runtime.projections.status() if s.lag_events]
    raise AssertionError(f"read models still behind after {timeout} s: {lagging}")


def assert_read_models_equal_a_fresh_rebuild(runtime: Runtime) -> None:
    live = everything(runtime.projections)
    runtime.projections.rebuild_many(list(runtime.projections.models))
    assert everything(runtime.projections) == live
