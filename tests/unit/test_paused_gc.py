"""The cyclic collector paused by several threads at once is on again when the last pause ends."""

from __future__ import annotations

import gc
import sys
import threading
from collections.abc import Iterator

import pytest

from referral_engine.application.ports import paused_gc


@pytest.fixture
def fast_switching() -> Iterator[None]:
    """Threads switched as often as the interpreter allows, to interleave the pauses."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(interval)


def test_a_pause_switches_the_collector_off_and_on_again() -> None:
    assert gc.isenabled()
    with paused_gc():
        assert not gc.isenabled()
        with paused_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer pause still runs
    assert gc.isenabled()


def test_a_collector_switched_off_before_stays_off() -> None:
    gc.disable()
    try:
        with paused_gc():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_pauses_overlapping_in_threads_never_leave_the_collector_off(
    fast_switching: None,
) -> None:
    """Each pause reading and setting the collector on its own left it off, now and then, when
    one began as another ended (4 threads, 10 runs: once)."""
    start = threading.Barrier(4)
    off_inside: list[bool] = []

    def pause_often() -> None:
        start.wait()
        for _ in range(2_000):
            with paused_gc():
                off_inside.append(not gc.isenabled())

    for _ in range(10):
        threads = [threading.Thread(target=pause_often) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        start.reset()
        assert gc.isenabled()
    assert all(off_inside)
