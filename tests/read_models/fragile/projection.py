"""Test-only: one row per folded event with the agency it names; it cannot fold the agency
POISON (its handler raises), and a stored agency holding a NUL is refused by PostgreSQL."""

from __future__ import annotations

from referral_engine.application.readmodel import Changes, Event

VERSION = 1
POISON = "agency-this-handler-cannot-fold"


def handle(event: Event, changes: Changes) -> None:
    if event.agency == POISON:
        raise ValueError("this read model cannot fold that agency")
    changes.upsert("folded", {"position": event.position}, set={"agency": event.agency})
