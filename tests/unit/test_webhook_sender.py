"""The webhook sender against receivers that misbehave, over real sockets on this machine: an
answer trickled a byte at a time or without end is cut off at the timeout, or read only up to a
limit; a host that is (or resolves to) a loopback address is not connected to unless its network
is allowed; a redirect is not followed; a receiver that never answers holds up its own
deliveries only."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from ipaddress import ip_network
from uuid import uuid4

import pytest

from referral_engine.adapters.webhooks.sender import Outcome, Policy, Sender
from tests.webhook_receiver import Receiver

LOOPBACK = (ip_network("127.0.0.0/8"),)
SECRET = (b"s" * 32,)
Answer = Callable[[socket.socket], None]


@contextmanager
def raw_server(answer: Answer) -> Iterator[tuple[str, list[socket.socket]]]:
    """A server answering each connection with `answer` (after reading the request's head), in
    threads of its own: its URL, and the connections it accepted."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            accepted.append(conn)
            threading.Thread(target=_answer, args=(conn, answer), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/hook", accepted
    finally:
        listener.close()
        for conn in accepted:
            conn.close()


def _answer(conn: socket.socket, answer: Answer) -> None:
    try:
        conn.recv(65536)
        answer(conn)
    except OSError:
        pass


def trickle(conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-length: 100000\r\n\r\n")
    for _ in range(100_000):
        conn.sendall(b"x")
        time.sleep(0.02)


def endless(conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")
    chunk = b"10000\r\n" + b"x" * 0x10000 + b"\r\n"
    while True:
        conn.sendall(chunk)


def to_metadata(conn: socket.socket) -> None:
    conn.sendall(
        b"HTTP/1.1 307 Temporary Redirect\r\nlocation: http://169.254.169.254/latest/\r\n"
        b"content-length: 0\r\n\r\n"
    )


def silent(conn: socket.socket) -> None:
    time.sleep(30)


def sent_within(seconds: float, send: Callable[[], Outcome]) -> Outcome:
    """The outcome of `send`, which must be over within `seconds` (else the test fails, not
    hangs: before the deadline, a trickled answer held the worker for hours)."""
    with ThreadPoolExecutor(1) as pool:
        future = pool.submit(send)
        try:
            return future.result(timeout=seconds)
        finally:
            if not future.done():
                pytest.fail(f"the request was not over within {seconds} s")


def test_an_answer_trickled_a_byte_at_a_time_is_cut_off_at_the_timeout() -> None:
    sender = Sender(Policy(timeout=0.5, allowed=LOOPBACK))
    with raw_server(trickle) as (url, _):
        started = time.monotonic()
        outcome = sent_within(5, lambda: sender.send(url, "msg_1", SECRET, b"{}"))
    assert outcome.status is None and "ReadTimeout" in (outcome.error or ""), outcome
    assert time.monotonic() - started < 2


def test_an_endless_answer_is_read_only_up_to_a_limit() -> None:
    sender = Sender(Policy(timeout=5, allowed=LOOPBACK))
    with raw_server(endless) as (url, _):
        outcome = sent_within(4, lambda: sender.send(url, "msg_1", SECRET, b"{}"))
    assert outcome == Outcome(200, None)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_a_loopback_receiver_is_not_connected_to_unless_its_network_is_allowed(host: str) -> None:
    with Receiver() as receiver:
        url = receiver.url.replace("127.0.0.1", host)
        refused = Sender(Policy(timeout=2)).send(url, "msg_1", SECRET, b"{}")
        assert refused.status is None and "REFERRAL_ENGINE_WEBHOOK_ALLOWED_NETWORKS" in str(
            refused.error
        )
        assert receiver.all() == []
        allowed = Sender(Policy(timeout=2, allowed=LOOPBACK)).send(url, "msg_2", SECRET, b"{}")
    assert allowed == Outcome(204, None) and len(receiver.all()) == 1


def test_a_receiver_that_never_answers_holds_up_only_the_first_of_its_deliveries() -> None:
    sender = Sender(Policy(timeout=0.3, concurrency=2, allowed=LOOPBACK))
    dead, alive = uuid4(), uuid4()
    with raw_server(silent) as (url, accepted), Receiver() as receiver:
        requests = [(dead, url, f"msg_{i}", SECRET, b"{}") for i in range(12)]
        requests.append((alive, receiver.url, "msg_alive", SECRET, b"{}"))
        started = time.monotonic()
        outcomes = sent_within(10, lambda: sender.send_all(requests))
        took = time.monotonic() - started
    assert outcomes[-1] == Outcome(204, None)
    assert all(o.status is None for o in outcomes[:-1])
    assert len(accepted) <= 2  # one timeout's worth, not twelve
    assert took < 1.5, took


def test_a_redirect_is_a_failed_attempt_never_followed() -> None:
    sender = Sender(Policy(timeout=2, allowed=LOOPBACK))
    with raw_server(to_metadata) as (url, accepted):
        outcome = sender.send(url, "msg_1", SECRET, b"{}")
    assert outcome == Outcome(307, "answered 307") and len(accepted) == 1
