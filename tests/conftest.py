"""Shared fixtures. PostgreSQL fixtures live in tests/pg.py; they never skip under CI=true."""

from __future__ import annotations

import os

import pytest

from referral_engine.adapters.crypto import MasterKey
from referral_engine.application.engine import Engine
from referral_engine.bootstrap import build_in_memory
from tests.factories import FixedClock

pytest_plugins = ["tests.pg"]

# One master key for the test run, in the environment so that servers and workers the tests start
# as processes (on a test database, never embedded) wrap and unwrap case keys alike.
os.environ.setdefault("REFERRAL_ENGINE_MASTER_KEY", MasterKey.generate().text())


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def engine(clock: FixedClock) -> Engine:
    """The engine on the in-memory event store with a fixed clock."""
    return build_in_memory(clock=clock)
