"""Test-only: an additive count of events per case (double processing would double it)."""

from __future__ import annotations

from referral_engine.application.readmodel import Changes, Event

VERSION = 1


def handle(event: Event, changes: Changes) -> None:
    changes.upsert(
        "event_counts",
        {"case_id": event.case_id},
        add={"events": 1},
        greatest={"last_version": event.version},
    )
