"""Prometheus metrics for a configured scraper only: requests by route and status, latencies,
commands, conflicts, and each read model's lag and parked events.

No count from 1 to k-1 (the dashboards' disclosure threshold) leaves: a counter or histogram
series is withheld until it reaches k. Commands are counted without their trigger: how many
statuses were granted or refused is a statistic about people, published on the dashboards with
small-cell suppression, not an operational figure.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Iterator
from ipaddress import ip_address

from fastapi import Request
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from referral_engine.adapters.readmodels.engine import Status
from referral_engine.config import Settings

REGISTRY = CollectorRegistry()
REQUESTS = Counter(
    "referral_engine_http_requests",
    "HTTP requests",
    ["method", "route", "status"],
    registry=REGISTRY,
)
LATENCY = Histogram(
    "referral_engine_http_request_duration_seconds",
    "HTTP request latency",
    ["method", "route"],
    registry=REGISTRY,
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
COMMANDS = Counter("referral_engine_commands", "Commands carried out", registry=REGISTRY)
CONFLICTS = Counter(
    "referral_engine_version_conflicts", "Commands refused for a stale version", registry=REGISTRY
)


def count_command() -> None:
    """Count one command carried out (not by trigger: see the module)."""
    COMMANDS.inc()


def count_conflict() -> None:
    CONFLICTS.inc()


def observe(method: str, route: str, status: int, seconds: float) -> None:
    REQUESTS.labels(method=method, route=route, status=str(status)).inc()
    LATENCY.labels(method=method, route=route).observe(seconds)


def scraper(request: Request, settings: Settings) -> bool:
    """Whether the request comes from the configured scraper: its bearer token (compared in
    constant time) and/or an allowed connecting address; nobody when neither is configured."""
    token, allowed = settings.metrics_token, settings.metrics_allow
    if token is None and not allowed:
        return False
    if token is not None:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        expected = token.get_secret_value().encode()
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.encode(), expected):
            return False
    if allowed:
        try:
            address = ip_address(request.client.host if request.client else "")
        except ValueError:
            return False
        if not any(address in network for network in allowed):
            return False
    return True


def exposition(k: int, read_models: Iterable[Status]) -> bytes:
    """The metrics text: counts below k withheld, each read model's lag and parked events."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_AtLeast(k))
    registry.register(_ReadModels(list(read_models)))
    return generate_latest(registry)


class _AtLeast(Collector):
    """The process's counters and histograms, each series shown once it counts k or more
    (zero is shown: it gives nobody away)."""

    def __init__(self, k: int) -> None:
        self.k = k

    def collect(self) -> Iterator[Metric]:
        for metric in REGISTRY.collect():
            totals = {
                _series(s.labels): s.value
                for s in metric.samples
                if s.name.endswith(("_total", "_count"))
            }
            metric.samples = [
                s for s in metric.samples if not 0 < totals.get(_series(s.labels), 0) < self.k
            ]
            yield metric


def _series(labels: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, v) for k, v in labels.items() if k != "le"))


class _ReadModels(Collector):
    def __init__(self, statuses: list[Status]) -> None:
        self.statuses = statuses

    def collect(self) -> Iterator[Metric]:
        figures = (
            ("lag_events", "Events in the log the read model has not folded yet"),
            ("lag_seconds", "Age of the oldest event the read model has not folded yet"),
            ("parked_events", "Events the read model could not fold and set aside"),
            ("stale", "1 while the read model is behind the log or a new version waits"),
        )
        for name, help_ in figures:
            family = GaugeMetricFamily(
                f"referral_engine_read_model_{name}", help_, labels=["read_model"]
            )
            for s in self.statuses:
                value = {
                    "lag_events": s.lag_events,
                    "lag_seconds": s.lag_seconds,
                    "parked_events": s.parked,
                    "stale": int(s.stale),
                }[name]
                family.add_metric([s.name], value)
            yield family
