"""Shared fixtures. PostgreSQL fixtures live in tests/pg.py; they never skip under CI=true."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

from referral_engine.adapters.crypto import MasterKey
from referral_engine.application.engine import Engine
from referral_engine.bootstrap import build_in_memory
from tests.factories import FixedClock, with_synthetic_agencies

pytest_plugins = ["tests.pg"]

# Hypothesis: CI runs the thorough profile (Hypothesis' 100 examples, and each test's own count);
# a developer's run the quick one, a tenth of each. Tests that set a count scale it with
# `factories.examples`. `--hypothesis-profile` or HYPOTHESIS_PROFILE chooses either.
settings.register_profile("thorough", max_examples=100)
settings.register_profile("quick", max_examples=10)


def pytest_configure(config: pytest.Config) -> None:
    from tests.pg import CI  # here, once the plugin is registered (and its asserts rewritten)

    if not config.getoption("--hypothesis-profile", None):
        chosen = os.environ.get("HYPOTHESIS_PROFILE") or ("thorough" if CI else "quick")
        settings.load_profile(chosen)


# One master key for the test run, in the environment so that servers and workers the tests start
# as processes (on a test database, never embedded) wrap and unwrap case keys alike.
os.environ.setdefault("REFERRAL_ENGINE_MASTER_KEY", MasterKey.generate().text())
# Test receivers of webhooks listen on this machine: a loopback address, refused by default.
os.environ.setdefault("REFERRAL_ENGINE_WEBHOOK_ALLOWED_NETWORKS", "127.0.0.0/8")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def engine(clock: FixedClock) -> Engine:
    """The engine on the in-memory event store with a fixed clock, its agency registry holding
    the synthetic agencies once first read."""
    return with_synthetic_agencies(build_in_memory(clock=clock))
