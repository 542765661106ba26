"""referrals: what became of referrals, by region, month sent, receiving agency and service."""

from __future__ import annotations

from referral_engine.application.disclosure import Dashboard
from referral_engine.application.readmodel import Changes, Event

VERSION = 2
SUMMARIES = {"referrals": "referral_summary_add"}
"""Fact table -> the schema.sql function folding its changed rows into the dashboard summary."""
ANSWERS = {
    "referral_accepted": "accepted_on",
    "referral_rejected": "rejected_on",
    "referral_revoked": "revoked_on",
    "referral_done": "done_on",
}
DASHBOARD = Dashboard(
    title="Referrals by region, month sent, receiving agency and service",
    dimensions=("region", "month", "agency", "service"),
    # Each referral is counted once by its answer: accepted (at any time, even if later revoked
    # or done), rejected, revoked before any answer, or still awaiting one.
    counts=("sent", "accepted", "rejected", "revoked", "awaiting", "done"),
    parts={"sent": ("accepted", "rejected", "revoked", "awaiting")},
    breakdowns={"rejected": "rejected_by_reason"},
    derived={
        "acceptance_rate": ("accepted", "rejected"),
        "median_days_to_accept": ("accepted",),
    },
    period="month",
)


def handle(event: Event, changes: Changes) -> None:
    if event.referral_id is None:
        return
    milestones = event.milestones
    first: dict[str, object] = {
        column: event.occurred_on for m, column in ANSWERS.items() if m in milestones
    }
    row: dict[str, object] = {}
    if "referral_sent" in milestones:
        first["sent_on"] = event.occurred_on
        row.update(region=event.region, agency=event.agency, service=event.service)
    if "referral_rejected" in milestones:
        row["rejection_reason"] = event.report.get("rejection_reason")
    if first or row:
        key = {"case_id": event.case_id, "referral_id": event.referral_id}
        changes.upsert("referrals", key, set=row, first=first)
