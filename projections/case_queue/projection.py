"""case_queue: one row per case (state, region, workflow, assigned agency, last step, deadlines),
and the agencies each case is shared with, for the queues of roles that reach only those.

A `WorkflowMigrated` event reaches it like a step, so a row's workflow_version follows the case.
A reach mark is `workflow|reach|agency` (domain/access.py `reach_mark`): `acted` for every agency
whose user opened the case or took a step on it, `referred` for a referral's receiving agency,
`named` for the agency a case step sent the case to (e.g. the police unit asked to verify it).
It names the workflow, as a reach is a role's in its own workflow only.

A transfer keeps the row's `transfer_to` (and reason, day asked) while it waits for the receiving
region's answer, whose queue lists the case then; its acceptance moves the row's region (every
event carries the region the case is in after it) and ends its assignment. `assigned_to` is the
user the case is assigned to ("my cases")."""

from __future__ import annotations

from collections.abc import Mapping

from referral_engine.application.readmodel import Changes, Event
from referral_engine.domain.access import reach_mark

VERSION = 4
TRANSFER_ENDS = frozenset({"TransferAccepted", "TransferRefused", "TransferWithdrawn"})
ASSIGNMENTS = frozenset({"CaseAssigned", "CaseUnassigned"})


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
        if event.name not in ASSIGNMENTS:  # a supervisor's assignment is not work on the case
            row["assigned_agency"] = event.actor_agency
    row.update(_moved(event))
    changes.upsert("case_queue", key, set=row, first={"opened_on": event.occurred_on})
    if event.name != "WorkflowMigrated" and event.name not in ASSIGNMENTS:
        # neither an administrator's migration nor an assignment is work on the case
        _reach(changes, event, "acted", event.actor_agency)
    if event.agency:
        _reach(changes, event, "named" if event.referral_id is None else "referred", event.agency)
    for stopped in event.deadlines_stopped:
        if "due_on" in stopped:  # earliest-date guards (no due date) are not deadlines
            changes.delete("case_deadlines", _deadline_key(event, stopped))
    for started in event.deadlines_started:
        if "due_on" in started:
            changes.upsert(
                "case_deadlines", _deadline_key(event, started), set={"due_on": started["due_on"]}
            )


def _moved(event: Event) -> dict[str, object]:
    """What a transfer or an assignment changes on the row."""
    if event.name == "TransferRequested":
        return {
            "transfer_to": event.detail["to_region"],
            "transfer_reason": event.detail["reason"],
            "transfer_asked_on": event.occurred_on,
        }
    if event.name in TRANSFER_ENDS:
        ended: dict[str, object] = {
            "transfer_to": None,
            "transfer_reason": None,
            "transfer_asked_on": None,
        }
        return ended | ({"assigned_to": None} if event.name == "TransferAccepted" else {})
    if event.name in ASSIGNMENTS:
        return {"assigned_to": event.detail["user"]}
    return {}


def _reach(changes: Changes, event: Event, reach: str, agency: str) -> None:
    mark = reach_mark(event.workflow_id, reach, agency)
    changes.upsert("case_reach", {"case_id": event.case_id, "mark": mark})


def _deadline_key(event: Event, deadline: Mapping[str, object]) -> dict[str, object]:
    return {
        "case_id": event.case_id,
        "name": deadline["name"],
        "referral_id": deadline["referral_id"] or "",
    }
