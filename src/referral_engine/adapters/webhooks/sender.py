"""Signed POSTs to receivers (Standard Webhooks, the `standardwebhooks` package), each bounded.

A receiver is another organisation's server, so every request is held to what the engine can
afford: it ends within the policy's timeout however the receiver answers (connecting, sending
and the whole answer: a receiver that sends its answer a byte at a time is cut off), at most
`RESPONSE_LIMIT` bytes of the answer's body are read, no redirect is followed, and it connects
only to an address the policy allows: the host is resolved here, each address it resolves to
is checked (`domain.webhooks.address_problem`) and only an allowed one is connected to, so a
name that points at a loopback, private or link-local address is refused when it is sent to,
not only when it was subscribed (and a name resolved again in between cannot slip one in).
Proxy settings of the environment are not used: deliveries go straight out (its SSL_CERT_FILE
and SSL_CERT_DIR are: the authorities a receiver's certificate may come from).

Within one batch, once a request to a subscription got no answer at all (a timeout, a refused
connection), its other requests of the batch are not sent: each would wait as long, holding up
every other subscription's deliveries. They fail as it did and are tried again after a backoff.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from ipaddress import ip_address
from typing import Any
from uuid import UUID

import httpcore
import httpx
from standardwebhooks.webhooks import Webhook

from referral_engine.domain.webhooks import Address, Network, address_problem

ERROR_LIMIT = 300
RESPONSE_LIMIT = 64 * 1024
"""At most this much of an answer's body is read (the status is what counts)."""
USER_AGENT = "referral-engine-webhooks/1"


@dataclass(frozen=True)
class Policy:
    """How deliveries are tried: attempts before parking, backoff, timeout, concurrency, and
    the networks whose non-public addresses may receive them."""

    attempts: int = 10
    first_retry: float = 5.0
    max_retry: float = 3600.0
    timeout: float = 10.0
    concurrency: int = 16
    batch: int = 500
    allowed: tuple[Network, ...] = ()


@dataclass(frozen=True)
class Outcome:
    """One attempt: the HTTP status (None: no answer) and what went wrong, if anything."""

    status: int | None
    error: str | None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


Request = tuple[UUID, str, str, tuple[bytes, ...], bytes]
"""(subscription, url, webhook-id, secrets, body): signed with each secret (a new one and, while
a rotation's overlap lasts, the one before it)."""


class Sender:
    """Signs and POSTs payloads over a pool of kept-alive connections, each request bounded."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.client = httpx.Client(
            transport=_transport(policy),
            timeout=httpx.Timeout(policy.timeout),
            follow_redirects=False,
            headers={"user-agent": USER_AGENT, "content-type": "application/json"},
        )
        self.pool = ThreadPoolExecutor(policy.concurrency, thread_name_prefix="webhook")

    def close(self) -> None:
        self.pool.shutdown(wait=True)
        self.client.close()

    def send_all(self, requests: Sequence[Request]) -> list[Outcome]:
        """Each request signed and sent; outcomes in the same order. A subscription whose
        receiver did not answer one of them is not sent the rest."""
        silent: set[UUID] = set()

        def send(request: Request) -> Outcome:
            subscription, url, msg_id, secrets, body = request
            if subscription in silent:
                return Outcome(None, "not sent: another delivery of the batch got no answer")
            outcome = self.send(url, msg_id, secrets, body)
            if outcome.status is None:
                silent.add(subscription)
            return outcome

        return list(self.pool.map(send, requests))

    def send(self, url: str, msg_id: str, secrets: tuple[bytes, ...], body: bytes) -> Outcome:
        """One request, signed with each of `secrets` (Standard Webhooks: signatures separated
        by spaces, a receiver accepts the one its secret makes)."""
        now = datetime.now(UTC)
        headers = {
            "webhook-id": msg_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": " ".join(Webhook(k).sign(msg_id, now, body) for k in secrets),
        }
        _deadline.at = time.monotonic() + self.policy.timeout
        try:
            with self.client.stream("POST", url, content=body, headers=headers) as response:
                _read_some(response.iter_raw())
                status = response.status_code
        except httpx.HTTPError as exc:
            return Outcome(None, f"{type(exc).__name__}: {exc}"[:ERROR_LIMIT])
        finally:
            _deadline.at = None
        if 200 <= status < 300:
            return Outcome(status, None)
        return Outcome(status, f"answered {status}")


def _read_some(chunks: Iterable[bytes]) -> None:
    """Read an answer's body up to the limit (a whole small one lets the connection be kept)."""
    read = 0
    for chunk in chunks:
        read += len(chunk)
        if read > RESPONSE_LIMIT:
            return


def _transport(policy: Policy) -> httpx.HTTPTransport:
    """httpx's transport, its pool on a network backend that checks addresses and deadlines."""
    transport = httpx.HTTPTransport(trust_env=False)
    transport._pool = httpcore.ConnectionPool(
        ssl_context=httpx.create_ssl_context(),  # SSL_CERT_FILE / _DIR: a private CA, say
        max_connections=policy.concurrency,
        max_keepalive_connections=policy.concurrency,
        network_backend=_Backend(policy.allowed),
    )
    return transport


class _Deadline(threading.local):
    at: float | None = None
    """When the request this thread sends must be over (monotonic time)."""


_deadline = _Deadline()


def _left(timeout: float | None, error: type[Exception]) -> float | None:
    """The time an I/O step may take: its own timeout, at most what is left of the request's."""
    at = _deadline.at
    if at is None:
        return timeout
    left = at - time.monotonic()
    if left <= 0:
        raise error("no complete answer within the delivery's timeout")
    return left if timeout is None else min(timeout, left)


class _Backend(httpcore.NetworkBackend):
    """Connects only to allowed addresses, each I/O step within the request's deadline."""

    def __init__(self, allowed: tuple[Network, ...]) -> None:
        self.inner = httpcore.SyncBackend()
        self.allowed = allowed

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        addresses, refused = [], ""
        for address in _resolve(host, port):
            if (problem := address_problem(address, self.allowed)) is None:
                addresses.append(address)
            else:
                refused = refused or f"{host} is {address}, which {problem}"
        failed: Exception = httpcore.ConnectError(refused or f"{host} has no address")
        for address in addresses:  # only those allowed: the name is not looked up again
            try:
                stream = self.inner.connect_tcp(
                    str(address),
                    port,
                    _left(timeout, httpcore.ConnectTimeout),
                    local_address,
                    socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failed = exc
                continue
            return _Stream(stream)
        raise failed

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("webhooks are sent over the network only")

    def sleep(self, seconds: float) -> None:
        self.inner.sleep(seconds)


def _resolve(host: str, port: int) -> list[Address]:
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise httpcore.ConnectError(f"{host} cannot be resolved: {exc}") from exc
    return list(dict.fromkeys(ip_address(str(info[4][0])) for info in found))


class _Stream(httpcore.NetworkStream):
    """A connection whose every read and write ends by the request's deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self.inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self.inner.read(max_bytes, _left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.inner.write(buffer, _left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self.inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        deadline = _left(timeout, httpcore.ConnectTimeout)
        return _Stream(self.inner.start_tls(ssl_context, server_hostname, deadline))

    def get_extra_info(self, info: str) -> Any:
        return self.inner.get_extra_info(info)
