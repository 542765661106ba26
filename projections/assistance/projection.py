"""assistance: deliveries by type, region and month; days from status granted to first service."""

from __future__ import annotations

from referral_engine.disclosure import Dashboard
from referral_engine.readmodel import Changes, Event

VERSION = 1
DASHBOARD = Dashboard(dimensions=("region", "month", "assistance_type"), counts=("deliveries",))


def handle(event: Event, changes: Changes) -> None:
    key = {"case_id": event.case_id}
    if "status_granted" in event.milestones:
        changes.upsert(
            "case_services",
            key,
            set={"region": event.region},
            least={"granted_on": event.occurred_on},
        )
    if "assistance_delivered" in event.milestones:
        kind = str(event.report.get("assistance_type", "unspecified"))
        changes.upsert(
            "assistance_counts",
            {"region": event.region, "month": event.month, "assistance_type": kind},
            add={"deliveries": 1},
        )
        changes.upsert(
            "case_services",
            key,
            set={"region": event.region},
            least={"first_service_on": event.occurred_on},
        )
