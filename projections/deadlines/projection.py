"""deadlines: every open deadline with its due date, region and responsible agency, and every
step not allowed yet (an earliest-date guard) with the date it becomes legal.

A transfer's acceptance stops and restarts the case's clocks with their due dates: its rows
move to the receiving region, counted out of the region the case left (`from_region`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from referral_engine.application.disclosure import Dashboard
from referral_engine.application.readmodel import Changes, Event
from referral_engine.domain.records import NOT_BEFORE

VERSION = 5
DASHBOARD = Dashboard(
    title="Open and overdue deadlines by region, responsible agency and deadline",
    dimensions=("region", "agency", "deadline"),
    counts=("open", "overdue"),
)


def handle(event: Event, changes: Changes) -> None:
    left = event.detail.get("from_region", event.region)  # a transfer's, else where it is
    for stopped in event.deadlines_stopped:
        if stopped.get("kind") == NOT_BEFORE:
            changes.delete("not_yet_allowed", _step(event, stopped))
            continue
        changes.delete("open_deadlines", _key(event, stopped))
        changes.upsert("deadline_counts", _bucket(left, stopped), add={"open": -1})
    for started in event.deadlines_started:
        if started.get("kind") == NOT_BEFORE:
            changes.upsert(
                "not_yet_allowed",
                _step(event, started),
                set={
                    "region": event.region,
                    "agency": started["agency"],
                    **_workflow(event),
                    "counted_from": started["after"],
                    "started_on": started["started_on"],
                    "earliest_on": started["earliest_on"],
                },
            )
            continue
        changes.upsert(
            "open_deadlines",
            _key(event, started),
            set={
                "region": event.region,
                "agency": started["agency"],
                **_workflow(event),
                "started_on": started["started_on"],
                "due_on": started["due_on"],
                "service_target": started["service_target"],
            },
        )
        changes.upsert("deadline_counts", _bucket(event.region, started), add={"open": 1})


def _workflow(event: Event) -> dict[str, object]:
    """The workflow version the case ran when the row began, whose words name the deadline or
    step (a migration keeps only deadlines and steps of the same name, so the words hold)."""
    return {"workflow_id": event.workflow_id, "workflow_version": event.workflow_version}


def _step(event: Event, guard: Mapping[str, Any]) -> dict[str, object]:
    return {"case_id": event.case_id, "trigger": guard["name"]}


def _key(event: Event, deadline: Mapping[str, Any]) -> dict[str, object]:
    return {
        "case_id": event.case_id,
        "name": deadline["name"],
        "referral_id": deadline["referral_id"] or "",
    }


def _bucket(region: str, deadline: Mapping[str, Any]) -> dict[str, object]:
    return {
        "region": region,
        "agency": deadline["agency"],
        "name": deadline["name"],
        "due_on": deadline["due_on"],
    }
