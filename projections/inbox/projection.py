"""inbox: what waits for each agency's answer, for its users' inbox (application/inbox.py).

A referral is in its receiving agency's inbox from its sending until it ends (rejected, revoked
or done, as the workflow's reporting milestones say): awaiting the answer until its first step,
then accepted; its row stays, marked ended (the queries read the open ones). A case step that
sends the case to an agency (its transition's `names_agency`, e.g. a police verification
request) puts the case in that agency's inbox while the case stays in the state that step put
it in (nothing is deleted: a case's row keeps its last such step). Each item is due on the
earliest deadline its sending event started for it. Each case's region, state and workflow
version are kept too: the application shows an item only while the workflow lets the reader's
role answer it from there (a closed case's referrals wait).

A transfer's acceptance moves the case's row to the receiving region.

A migration to a version that renames states renames a referral's (the event names each one it
moves) and the case's `state`, but not `entered_as`, the name its state had when the case
entered it: a request waits while that is the state the request put the case in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from referral_engine.application.readmodel import Changes, Event

VERSION = 3
ENDS = frozenset({"referral_rejected", "referral_revoked", "referral_done"})
"""Milestones after which a referral waits for nothing more from its receiving agency."""
MIGRATED = "WorkflowMigrated"


def handle(event: Event, changes: Changes) -> None:
    if event.referral_id is not None:
        _referral(event, changes)
    elif event.agency:
        name, due = _due(event.deadlines_started, None)
        changes.upsert(
            "inbox_cases",
            {"case_id": event.case_id},
            set={
                **_case(event),
                "entered_as": event.to_state,
                "agency": event.agency,
                "trigger": event.trigger,
                "requested_state": event.to_state,
                "deadline": name,
                "sent_on": event.occurred_on,
                "due_on": due,
            },
        )
    elif event.name == MIGRATED:
        changes.upsert("inbox_cases", {"case_id": event.case_id}, set=_case(event))
        for referral_id, state in event.referral_states.items():
            key = {"case_id": event.case_id, "referral_id": referral_id}
            changes.upsert("inbox_referrals", key, set={"state": state})
    elif event.name == "TransferAccepted":  # the case, and what waits on it, changes region
        changes.upsert("inbox_cases", {"case_id": event.case_id}, set=_case(event))
    elif event.from_state != event.to_state:
        changes.upsert(
            "inbox_cases",
            {"case_id": event.case_id},
            set={**_case(event), "entered_as": event.to_state},
        )


def _case(event: Event) -> dict[str, object]:
    return {
        "region": event.region,
        "workflow_id": event.workflow_id,
        "workflow_version": event.workflow_version,
        "state": event.to_state,
    }


def _referral(event: Event, changes: Changes) -> None:
    key = {"case_id": event.case_id, "referral_id": event.referral_id}
    if event.from_state is None:
        changes.upsert(
            "inbox_referrals",
            key,
            set={
                "agency": event.agency,
                "service": event.service,
                "state": event.to_state,
                "sent_on": event.occurred_on,
                "due_on": _due(event.deadlines_started, event.referral_id)[1],
            },
        )
    else:
        # a row per referral, ended or not: a step after the end (feedback on a completed
        # service, say) then finds its row instead of making a partial one
        ended = "ended_on" if ENDS & event.milestones else "answered_on"
        changes.upsert(
            "inbox_referrals", key, set={"state": event.to_state}, first={ended: event.occurred_on}
        )


def _due(
    started: Sequence[Mapping[str, Any]], referral_id: str | None
) -> tuple[str | None, str | None]:
    """The earliest deadline an event started for the case (or one referral): name, due date."""
    found = [
        (d["due_on"], d["name"])
        for d in started
        if "due_on" in d and d.get("referral_id") == referral_id
    ]
    if not found:
        return None, None
    due, name = min(found)
    return name, due
