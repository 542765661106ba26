"""funnel: cases reaching each stage, by region and cohort month, with conversion rates."""

from __future__ import annotations

from referral_engine.application.disclosure import Dashboard
from referral_engine.application.readmodel import Changes, Event

VERSION = 2
SUMMARIES = {"funnel": "funnel_summary_add"}
"""Fact table -> the schema.sql function folding its changed rows into the dashboard summary."""
STAGES = {
    "applied": "applied",
    "identified": "identified",
    "referral_sent": "referred",
    "status_granted": "granted",
    "assistance_delivered": "assisted",
}
DASHBOARD = Dashboard(
    title="Cases by region and cohort (month screened): how many reached each stage",
    dimensions=("region", "cohort"),
    counts=("screened", "applied", "identified", "referred", "granted", "assisted"),
    derived={
        "applied_rate": ("screened", "applied"),
        "identified_rate": ("screened", "identified"),
        "referred_rate": ("screened", "referred"),
        "granted_rate": ("screened", "granted"),
        "assisted_rate": ("screened", "assisted"),
    },
    period="cohort",
)


def handle(event: Event, changes: Changes) -> None:
    key = {"case_id": event.case_id}
    if event.opened:
        changes.upsert("funnel", key, set={"region": event.region}, first={"cohort": event.month})
    if not event.milestones:
        return
    reached = {
        column: True for milestone, column in STAGES.items() if milestone in event.milestones
    }
    if reached:
        changes.upsert("funnel", key, set=reached)
