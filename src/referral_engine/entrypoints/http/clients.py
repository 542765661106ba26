"""Who the client is: the peer, unless the peer is a configured reverse proxy, in which case
the address that proxy forwarded. Anyone can send `X-Forwarded-For`; only a configured proxy's
is believed, so a client cannot choose the address its guesses are counted and audited under."""

from __future__ import annotations

import ipaddress
from functools import cache

from starlette.requests import Request
from starlette.types import Receive, Scope, Send

from referral_engine.config import Settings
from referral_engine.entrypoints.http.headers import HTTPMiddleware

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@cache
def _networks(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(p, strict=False) for p in proxies)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _forwarded_for(value: str) -> list[str]:
    """The `for=` addresses of a `Forwarded` header (RFC 7239), ports and brackets dropped."""
    hops = []
    for element in value.split(","):
        for pair in element.split(";"):
            key, _, node = pair.strip().partition("=")
            if key.lower() == "for":
                node = node.strip('"')
                if node.startswith("["):
                    node = node[1:].partition("]")[0]
                elif node.count(":") == 1:
                    node = node.partition(":")[0]
                hops.append(node)
    return hops


def client_of(peer: str, headers: dict[str, str], settings: Settings) -> str:
    """The client's address: walking the forwarded chain from the nearest hop, the first that
    is not a trusted proxy (the peer itself when it is not one)."""
    trusted = _networks(tuple(settings.trusted_proxies))
    peer_ip = _address(peer)
    if not trusted or peer_ip is None or not any(peer_ip in n for n in trusted):
        return peer
    header = headers.get(settings.proxy_header, "")
    if settings.proxy_header == "forwarded":
        hops = _forwarded_for(header)
    else:
        hops = [h.strip() for h in header.split(",") if h.strip()]
    client = peer
    for hop in reversed(hops):
        hop_ip = _address(hop)
        if hop_ip is None:
            break  # a proxy writes addresses: what lies beyond a malformed hop is unknown
        client = str(hop_ip)
        if not any(hop_ip in n for n in trusted):
            break
    return client


class ForwardedClient(HTTPMiddleware):
    """Put the client's address (`client_of`) in the request's scope, so the audit log, the
    limits on guessing and everything else see the one address."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        runtime = getattr(scope["app"].state, "runtime", None)
        peer = scope.get("client")
        if runtime is not None and peer and runtime.settings.trusted_proxies:
            headers: dict[str, str] = {}
            for name, value in scope.get("headers") or []:
                key = name.decode("latin-1").lower()
                text = value.decode("latin-1")
                headers[key] = f"{headers[key]}, {text}" if key in headers else text
            client = client_of(peer[0], headers, runtime.settings)
            if client != peer[0]:  # in place: layers holding this scope see it too
                scope["client"] = (client, 0)
        await self.app(scope, receive, send)


def client_address(request: Request) -> str:
    """The request's client address (after ForwardedClient), or "unknown"."""
    return request.client.host if request.client else "unknown"
