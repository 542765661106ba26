"""assistance: people assisted by type, region and month; days from status to first service."""

from __future__ import annotations

from referral_engine.application.disclosure import Dashboard
from referral_engine.application.readmodel import Changes, Event

VERSION = 2
SUMMARIES = {"deliveries": "served_summary_add", "first_services": "first_summary_add"}
"""Fact table -> the schema.sql function folding its changed rows into the dashboard summary."""
DASHBOARD = Dashboard(
    title="Assistance delivered by region, month and type, and how soon after the status",
    dimensions=("region", "month", "assistance_type"),
    # People, not deliveries, are what a small count could single out: six sessions may be one
    # person, so `deliveries` is published only where the people behind it are.
    counts=("people", "first_served", "first_served_after_status"),
    derived={
        "deliveries": ("people",),
        "median_days_from_status": ("first_served_after_status",),
        "p90_days_from_status": ("first_served_after_status",),
    },
    period="month",
)


def handle(event: Event, changes: Changes) -> None:
    milestones = event.milestones
    if "status_granted" in milestones:
        changes.upsert(
            "status_grants", {"case_id": event.case_id}, least={"granted_on": event.occurred_on}
        )
    if "assistance_delivered" in milestones:
        kind = event.report.get("assistance_type") or "unspecified"
        changes.upsert(
            "deliveries",
            {"case_id": event.case_id, "assistance_type": kind, "month": event.month},
            set={"region": event.region},
            add={"deliveries": 1},
        )
        changes.upsert(
            "first_services",
            {"case_id": event.case_id, "assistance_type": kind},
            set={"region": event.region},
            least={"first_on": event.occurred_on},
        )
