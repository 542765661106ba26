"""Sign-in throttling: an address guessing is slowed down, and no success hides its guesses."""

from __future__ import annotations

from referral_engine.adapters.security import Throttle

ADDRESS = "203.0.113.7"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def guessed(throttle: Throttle, times: int, name: str | None) -> None:
    for _ in range(times):
        assert throttle.retry_after(ADDRESS) == 0
        throttle.failed(ADDRESS, name)


def test_an_address_that_keeps_failing_waits_for_the_window_to_pass() -> None:
    clock = Clock()
    throttle = Throttle(limit=10, window=60, clock=clock)
    guessed(throttle, 10, "olena")
    assert throttle.retry_after(ADDRESS) == 60
    assert throttle.retry_after("198.51.100.1") == 0  # another address is not held back
    clock.now += 61
    assert throttle.retry_after(ADDRESS) == 0


def test_signing_in_to_ones_own_account_does_not_wipe_guesses_at_others() -> None:
    throttle = Throttle(limit=10, clock=Clock())
    guessed(throttle, 9, "victim")
    throttle.succeeded(ADDRESS, "attacker")
    guessed(throttle, 1, "victim")
    assert throttle.retry_after(ADDRESS) > 0


def test_a_user_who_mistyped_is_forgiven_once_signed_in() -> None:
    throttle = Throttle(limit=10, clock=Clock())
    guessed(throttle, 3, "victim")
    guessed(throttle, 6, "olena")
    throttle.succeeded(ADDRESS, "olena")
    guessed(throttle, 6, "olena")  # only the 3 guesses at someone else still count
    assert throttle.retry_after(ADDRESS) == 0
    guessed(throttle, 1, None)
    assert throttle.retry_after(ADDRESS) > 0


def test_guessed_tokens_are_forgiven_by_no_sign_in() -> None:
    throttle = Throttle(limit=10, clock=Clock())
    guessed(throttle, 9, None)
    throttle.succeeded(ADDRESS, "olena")
    guessed(throttle, 1, None)
    assert throttle.retry_after(ADDRESS) > 0
