"""A local webhook receiver for tests and the benchmark: an HTTP/1.1 server (kept-alive
connections) recording every POST, answering 500 to the first `fail_first` attempts of each
`webhook-id` (or always, with `fail_always`) and 204 otherwise.

As a process (the benchmark's): `python -m tests.webhook_receiver` prints its port, then answers
204 to everything until killed."""

from __future__ import annotations

import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

import orjson


@dataclass(frozen=True)
class Received:
    """One request as it arrived, and what it was answered."""

    headers: dict[str, str]
    body: bytes
    status: int
    at: float

    @property
    def id(self) -> str:
        return self.headers["webhook-id"]

    def json(self) -> Any:
        return orjson.loads(self.body)


class Receiver:
    """Records the webhooks it receives, in a thread of its own."""

    def __init__(self, fail_first: int = 0, fail_always: bool = False, delay: float = 0.0) -> None:
        self.fail_first = fail_first
        self.fail_always = fail_always
        self.delay = delay  # a slow receiver: each answer this long after the request
        self.received: list[Received] = []
        self.attempts: Counter[str] = Counter()
        self.in_flight = 0  # received, not answered yet
        self.lock = threading.Lock()
        self.server = Server(("127.0.0.1", 0), _handler(self))
        # shutdown() waits for the loop's next poll: 0.5 s by default, in every test using one
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def answer(self, headers: dict[str, str], body: bytes) -> int:
        """Record a request; the status to answer it with."""
        with self.lock:
            msg = headers.get("webhook-id", "")
            self.attempts[msg] += 1
            failing = self.fail_always or self.attempts[msg] <= self.fail_first
            status = 500 if failing else 204
            self.received.append(Received(headers, body, status, time.monotonic()))
            self.in_flight += 1
        return status

    def all(self) -> list[Received]:
        with self.lock:
            return list(self.received)

    def delivered(self) -> list[Received]:
        """The requests answered 2xx."""
        return [r for r in self.all() if r.status < 300]

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.server.shutdown()
        self.server.server_close()


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # a sender's pool opens its connections all at once

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A sender killed mid-request resets its connection: nothing to report."""


def _handler(receiver: Receiver | None) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length)
            if len(body) < length:  # the sender died mid-request: nothing was received
                self.close_connection = True
                return
            headers = {k.lower(): v for k, v in self.headers.items()}
            status = receiver.answer(headers, body) if receiver is not None else 204
            try:
                if receiver is not None and receiver.delay:
                    time.sleep(receiver.delay)
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()
            finally:
                if receiver is not None:
                    with receiver.lock:
                        receiver.in_flight -= 1

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


def main() -> None:
    server = Server(("127.0.0.1", 0), _handler(None))
    print(server.server_address[1], flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
    sys.exit(0)


if __name__ == "__main__":
    main()
