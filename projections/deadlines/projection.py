"""deadlines: every open deadline with its due date, region and responsible agency."""

from __future__ import annotations

from referral_engine.readmodel import Changes, Event

VERSION = 1
COUNTS = ("open", "overdue")


def handle(event: Event, changes: Changes) -> None:
    if event.agency is not None and event.referral_id is not None:
        changes.upsert(
            "referral_agencies",
            {"case_id": event.case_id, "referral_id": event.referral_id},
            set={"agency": event.agency},
        )
    for stopped in event.deadlines_stopped:
        changes.delete("open_deadlines", _key(event, stopped))
    for started in event.deadlines_started:
        referral = started["referral_id"]
        changes.upsert(
            "open_deadlines",
            _key(event, started),
            set={
                "region": event.region,
                # a referral's clock belongs to the receiving agency (joined at query time)
                "agency": None if referral else event.actor_agency,
                "started_on": started["started_on"],
                "due_on": started["due_on"],
                "service_target": started["service_target"],
            },
        )


def _key(event: Event, deadline: dict[str, object]) -> dict[str, object]:
    return {
        "case_id": event.case_id,
        "name": deadline["name"],
        "referral_id": deadline["referral_id"] or "",
    }
