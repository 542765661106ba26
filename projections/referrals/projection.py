"""referrals: by receiving agency and service, what became of referrals and how fast."""

from __future__ import annotations

from referral_engine.disclosure import Dashboard
from referral_engine.readmodel import Changes, Event

VERSION = 1
OUTCOMES = {
    "referral_accepted": "accepted",
    "referral_rejected": "rejected",
    "referral_revoked": "revoked",
    "referral_done": "done",
}
DASHBOARD = Dashboard(
    dimensions=("agency", "service"),
    counts=("sent", "accepted", "rejected", "revoked", "done"),
    derived={"acceptance_rate": ("sent", "accepted"), "median_days_to_accept": ("accepted",)},
)


def handle(event: Event, changes: Changes) -> None:
    if event.referral_id is None:
        return
    key = {"case_id": event.case_id, "referral_id": event.referral_id}
    if "referral_sent" in event.milestones:
        changes.upsert(
            "referrals",
            key,
            set={
                "region": event.region,
                "agency": event.agency,
                "service": event.service,
                "sent_on": event.occurred_on,
                "outcome": "sent",
            },
        )
    for milestone, outcome in OUTCOMES.items():
        if milestone in event.milestones:
            row: dict[str, object] = {"outcome": outcome}
            if outcome == "rejected":
                row["rejection_reason"] = event.report.get("rejection_reason", "unspecified")
            changes.upsert(
                "referrals",
                key,
                set=row,
                first={"accepted_on": event.occurred_on} if outcome == "accepted" else None,
            )
