"""Prometheus metrics: requests by route and status, latencies, commands by trigger, conflicts."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

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
COMMANDS = Counter(
    "referral_engine_commands", "Commands carried out, by trigger", ["trigger"], registry=REGISTRY
)
CONFLICTS = Counter(
    "referral_engine_version_conflicts", "Commands refused for a stale version", registry=REGISTRY
)


def count_command(trigger: str) -> None:
    COMMANDS.labels(trigger=trigger).inc()


def count_conflict() -> None:
    CONFLICTS.inc()


def observe(method: str, route: str, status: int, seconds: float) -> None:
    REQUESTS.labels(method=method, route=route, status=str(status)).inc()
    LATENCY.labels(method=method, route=route).observe(seconds)


def exposition() -> bytes:
    return generate_latest(REGISTRY)
