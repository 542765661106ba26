"""The rules of the limits on guessing that need no database: how long a lock lasts, and which
address a request comes from behind proxies."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from referral_engine.adapters.lockout import Limits
from referral_engine.config import Settings
from referral_engine.entrypoints.http.clients import client_of

PROXY = "10.0.0.2"


def test_a_lock_starts_at_the_limit_and_doubles_up_to_its_cap() -> None:
    limits = Limits(account_failures=5, lock_seconds=60, lock_max_seconds=3600)
    assert [limits.lock(n) for n in range(1, 12)] == [
        0,
        0,
        0,
        0,
        60,
        120,
        240,
        480,
        960,
        1920,
        3600,
    ]
    assert limits.lock(10_000) == 3600


def behind(*proxies: str) -> Settings:
    return Settings(trusted_proxies=list(proxies))


def test_no_proxy_configured_means_the_peer_is_the_client() -> None:
    assert client_of("127.0.0.1", {"x-forwarded-for": "192.0.2.1"}, Settings()) == "127.0.0.1"


def test_only_a_configured_proxy_is_believed() -> None:
    settings = behind(PROXY)
    forged = {"x-forwarded-for": "192.0.2.1"}
    assert client_of("10.0.0.3", forged, settings) == "10.0.0.3"
    assert client_of(PROXY, forged, settings) == "192.0.2.1"


def test_the_client_is_the_nearest_hop_that_is_not_a_proxy() -> None:
    settings = behind("10.0.0.0/24")
    chain = {"x-forwarded-for": "203.0.113.9, 192.0.2.1, 10.0.0.7"}  # the client forged the first
    assert client_of(PROXY, chain, settings) == "192.0.2.1"
    assert client_of(PROXY, {"x-forwarded-for": "garbage, 10.0.0.7"}, settings) == "10.0.0.7"
    assert client_of(PROXY, {}, settings) == PROXY


def test_the_forwarded_header_when_the_proxies_set_that_one() -> None:
    settings = Settings(trusted_proxies=[PROXY], proxy_header="forwarded")
    header = {"forwarded": 'for=203.0.113.9, for="[2001:db8::1]:4711";proto=https'}
    assert client_of(PROXY, header, settings) == "2001:db8::1"
    assert client_of(PROXY, {"x-forwarded-for": "192.0.2.1"}, settings) == PROXY


def test_trusted_proxies_are_read_comma_separated_and_checked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("REFERRAL_ENGINE_TRUSTED_PROXIES", "10.0.0.2, 10.1.0.0/16")
    assert Settings().trusted_proxies == ["10.0.0.2", "10.1.0.0/16"]
    monkeypatch.setenv("REFERRAL_ENGINE_TRUSTED_PROXIES", "10.0.0.2, the-proxy")
    with pytest.raises(ValidationError, match="'the-proxy' is not an IP address or network"):
        Settings()
