"""case_queue: one row per case (state, region, workflow, assigned agency, last step, deadlines).

A `WorkflowMigrated` event reaches it like a step, so a row's workflow_version follows the case."""

from __future__ import annotations

from collections.abc import Mapping

from referral_engine.application.readmodel import Changes, Event

VERSION = 1


def handle(event: Event, changes: Changes) -> None:
    key = {"case_id": event.case_id}
    row: dict[str, object] = {
        "region": event.region,
        "workflow_id": event.workflow_id,
        "workflow_version": event.workflow_version,
        "last_step": event.name,
        "last_step_on": event.occurred_on,
        "last_position": event.position,
    }
    if event.referral_id is None:
        row["state"] = event.to_state
        row["assigned_agency"] = event.actor_agency
    changes.upsert("case_queue", key, set=row, first={"opened_on": event.occurred_on})
    for stopped in event.deadlines_stopped:
        if "due_on" in stopped:  # earliest-date guards (no due date) are not deadlines
            changes.delete("case_deadlines", _deadline_key(event, stopped))
    for started in event.deadlines_started:
        if "due_on" in started:
            changes.upsert(
                "case_deadlines", _deadline_key(event, started), set={"due_on": started["due_on"]}
            )


def _deadline_key(event: Event, deadline: Mapping[str, object]) -> dict[str, object]:
    return {
        "case_id": event.case_id,
        "name": deadline["name"],
        "referral_id": deadline["referral_id"] or "",
    }
