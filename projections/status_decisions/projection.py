"""status_decisions: applications for status and their outcomes, by region and month."""

from __future__ import annotations

from referral_engine.application.disclosure import Dashboard
from referral_engine.application.readmodel import Changes, Event

VERSION = 3
SUMMARIES = {"applications": "decision_summary_add"}
"""Fact table -> the schema.sql function folding its changed rows into the dashboard summary."""
OUTCOMES = {
    "status_granted": "granted",
    "status_refused": "refused",
    "returned_incomplete": "incomplete",
}
DASHBOARD = Dashboard(
    title="Applications for status and their outcomes, by region and month of application",
    dimensions=("region", "month"),
    counts=("applications", "granted", "refused", "incomplete", "pending"),
    parts={"applications": ("granted", "refused", "incomplete", "pending")},
    derived={
        "approval_rate": ("granted", "refused"),
        "median_days_to_decision": ("granted", "refused"),
        "p90_days_to_decision": ("granted", "refused"),
    },
    period="month",
)


def handle(event: Event, changes: Changes) -> None:
    key = {"case_id": event.case_id}
    if "applied" in event.milestones:
        changes.upsert(
            "applications",
            key,
            set={"region": event.region},
            first={"applied_on": event.occurred_on, "outcome": "pending"},
        )
    for milestone, outcome in OUTCOMES.items():
        if milestone in event.milestones:
            changes.upsert(
                "applications",
                key,
                set={"region": event.region, "outcome": outcome, "decided_on": event.occurred_on},
            )
