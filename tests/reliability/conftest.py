"""Reliability tests drive the engine's real processes; the users are the e2e tests' callers."""

from tests.e2e.conftest import callers

__all__ = ["callers"]
