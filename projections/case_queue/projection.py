"""case_queue: one row per case (state, region, workflow, assigned agency, last step, deadlines),
and the agencies each case is shared with, for the queues of roles that reach only those.

A `WorkflowMigrated` event reaches it like a step, so a row's workflow_version follows the case.
A reach mark is `workflow|reach|agency` (domain/access.py `reach_mark`): `acted` for every agency
whose user opened the case or took a step on it, `referred` for a referral's receiving agency,
`named` for the agency a case step sent the case to (e.g. the police unit asked to verify it).
It names the workflow, as a reach is a role's in its own workflow only."""

from __future__ import annotations

from collections.abc import Mapping

from referral_engine.application.readmodel import Changes, Event
from referral_engine.domain.access import reach_mark

VERSION = 3


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
    if event.name != "WorkflowMigrated":  # an administrator's migration is not work on the case
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


def _reach(changes: Changes, event: Event, reach: str, agency: str) -> None:
    mark = reach_mark(event.workflow_id, reach, agency)
    changes.upsert("case_reach", {"case_id": event.case_id, "mark": mark})


def _deadline_key(event: Event, deadline: Mapping[str, object]) -> dict[str, object]:
    return {
        "case_id": event.case_id,
        "name": deadline["name"],
        "referral_id": deadline["referral_id"] or "",
    }
