"""persons: the blind index behind search and duplicate alerts (docs/persons.md).

Each value an event records of the workflow's `persons:` fields arrives blind (`Event.persons`:
the keyed hashes of its search terms and the value sealed with the case's key); the latest value
of each field is kept, so a corrected name replaces the old one's terms. Each case's region,
workflow, state and reach marks are kept as the queue keeps them, so a search answers within the
searcher's need-to-know (a transfer's acceptance moves the case to its new region: the event
carries it). An erasure deletes the case's rows at once (adapters/store.py); a
rebuild after it finds the case's key destroyed and indexes nothing of it.

The possible duplicates (`person_alerts`, one row per pair of cases, whichever side an event is
recorded on) and where each pair stands: open, linked to one person, dismissed, or unlinked
(domain/person_links.py). They hold case ids, regions and codes only.
"""

from __future__ import annotations

from referral_engine.application.readmodel import Changes, Event
from referral_engine.domain.access import reach_mark
from referral_engine.domain.person_links import (
    DISMISS,
    DISMISSED,
    FOUND,
    LINK,
    LINKED,
    OPEN,
    UNLINK,
    UNLINKED,
)

VERSION = 2
NOT_WORK = frozenset({"WorkflowMigrated", "CaseAssigned", "CaseUnassigned"})
"""Events that are no agency's work on the case (as the queue's reach marks: case_queue)."""
LINKS = True
READS_PERSONS = True  # it reads the blind values of the person fields (Event.persons)
STATES = {FOUND: OPEN, LINK: LINKED, DISMISS: DISMISSED, UNLINK: UNLINKED}


def handle(event: Event, changes: Changes) -> None:
    if event.link is not None:
        _pair(event, changes)
        return
    case = {"case_id": event.case_id}
    row: dict[str, object] = {
        "region": event.region,
        "workflow_id": event.workflow_id,
        "workflow_version": event.workflow_version,
    }
    if event.referral_id is None:
        row["state"] = event.to_state
    changes.upsert("person_cases", case, set=row, first={"opened_on": event.occurred_on})
    if event.name not in NOT_WORK:
        _reach(changes, event, "acted", event.actor_agency)
    if event.agency:
        _reach(changes, event, "named" if event.referral_id is None else "referred", event.agency)
    for field, value in event.persons.items():
        changes.upsert(
            "person_values",
            {"case_id": event.case_id, "field": field},
            set={"terms": sorted(value.terms), "sealed": value.sealed},
        )


def _reach(changes: Changes, event: Event, reach: str, agency: str) -> None:
    mark = reach_mark(event.workflow_id, reach, agency)
    changes.upsert("person_reach", {"case_id": event.case_id, "mark": mark})


def _pair(event: Event, changes: Changes) -> None:
    """A pair's alert raised, or decided (the same row from either side's event)."""
    link = event.link
    assert link is not None
    low, high = sorted((event.case_id, link.other_case), key=str)
    key = {"low": low, "high": high}
    state = STATES[link.event]
    if link.event == FOUND:
        changes.upsert(
            "person_alerts",
            key,
            set={
                "case_id": event.case_id,
                "region": event.region,
                "other_case": link.other_case,
                "other_region": link.other_region,
                "state": state,
                "raised_at": event.recorded_at,
                "raised_position": event.position,
            },
        )
        return
    changes.upsert(
        "person_alerts",
        key,
        set={
            "state": state,
            "reason": link.reason,
            "decided_at": event.recorded_at,
            "decided_role": event.actor_role,
        },
    )
