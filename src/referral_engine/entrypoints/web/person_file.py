"""The case as a person's file: who it is about (as far as the reader may read it), the kind of
its state for the status label, the facts of its header, and its allowed steps grouped as the
page offers them (next steps, changes of what is recorded, steps that end something).

Everything is read from the workflow as data (its `persons:` fields, its reporting milestones,
its step kinds): no workflow is special-cased here."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from referral_engine.application.inbox import case_reference
from referral_engine.domain.rules import CHANGE, END
from referral_engine.domain.views import AllowedStep, CaseView, Deadline, HistoryEntry
from referral_engine.domain.workflow import PREVIOUS, WorkflowDefinition

KINDS = ("open", "progress", "positive", "negative", "closed")
"""The kinds of state the status label colours (its words are the state's own)."""
BY_MILESTONE = {
    "status_granted": "positive",
    "status_refused": "negative",
    "returned_incomplete": "negative",
    "status_ended": "closed",
    "closed": "closed",
}
"""The kind of a state entered by an event marking one of these reporting milestones."""
FIRST = ("closed", "negative", "positive")
"""Which kind wins where events of several kinds enter one state."""
APPLIED = "applied"
"""The reporting milestone of the application (its date starts the header's day count)."""


def person_of(view: CaseView, workflow: WorkflowDefinition) -> str | None:
    """The person's name as the reader may read it, else their first readable number
    (registration, application); None where the reader may read neither."""
    names = _readable(view.data, workflow.persons.names)
    if names:
        return " ".join(names)
    return next(iter(_readable(view.data, workflow.persons.numbers)), None)


def _readable(data: dict[str, Any], fields: Iterable[str]) -> list[str]:
    found = (data.get(name) for name in fields)
    return [v.strip() for v in found if isinstance(v, str) and v.strip()]  # markers: dicts


def state_kinds(workflow: WorkflowDefinition) -> dict[str, str]:
    """Each state's kind (KINDS): by the milestones of the events entering it, else closed for
    a terminal state, negative for one entered by a step that ends something (`ends`), open for
    the opening state, in progress otherwise."""
    marks: dict[str, set[str]] = {name: set() for name in workflow.states}
    ended: set[str] = set()
    for t in workflow.transitions:
        if t.dest in (None, PREVIOUS) or t.dest not in marks:
            continue
        marks[t.dest].update(
            BY_MILESTONE[m] for m in workflow.milestones.get(t.event, ()) if m in BY_MILESTONE
        )
        if t.ends:
            ended.add(t.dest)
    kinds: dict[str, str] = {}
    for name, spec in workflow.states.items():
        found = next((k for k in FIRST if k in marks[name]), None)
        if found is None and spec.terminal:
            found = "closed"
        elif found is None and name in ended:
            found = "negative"
        elif found is None:
            found = "open" if name == workflow.opening.state else "progress"
        kinds[name] = found
    return kinds


@dataclass(frozen=True)
class Header:
    """What the top of the case page says about the case."""

    person: str | None
    """The person's name or number (None: the reader may read neither)."""
    reference: str
    kind: str
    applied_on: date | None
    days_since_application: int | None
    next_deadline: Deadline | None
    sees_every_step: bool = True
    """Whether the reader sees all of the case's events (a receiving agency sees some only, so
    for it no application found does not mean none was registered)."""


def header(
    view: CaseView,
    workflow: WorkflowDefinition,
    events: Sequence[HistoryEntry],
    today: date,
) -> Header:
    """The header of the case `view` (as its reader sees it), its `events` read for the day of
    the application."""
    applied = next(
        (e for e in events if APPLIED in workflow.milestones.get(e.event, ())),
        None,
    )
    applied_on = applied.occurred_at.date() if applied is not None else None
    return Header(
        person=person_of(view, workflow),
        reference=case_reference(view.id),
        kind=state_kinds(workflow).get(view.state, "progress"),
        applied_on=applied_on,
        days_since_application=(today - applied_on).days if applied_on else None,
        next_deadline=min(view.deadlines, key=lambda d: d.due_on, default=None),
        sees_every_step=len(events) >= view.version,
    )


@dataclass(frozen=True)
class Offered:
    """The allowed steps as the page offers them."""

    next: tuple[AllowedStep, ...]
    change: tuple[AllowedStep, ...]
    end: tuple[AllowedStep, ...]

    @classmethod
    def of(cls, steps: Iterable[AllowedStep]) -> Offered:
        listed = tuple(steps)
        return cls(
            next=tuple(s for s in listed if s.kind not in (CHANGE, END)),
            change=tuple(s for s in listed if s.kind == CHANGE),
            end=tuple(s for s in listed if s.kind == END),
        )


def chosen(
    steps: Iterable[AllowedStep], trigger: str | None, referral_id: str | None
) -> AllowedStep | None:
    """The allowed step a link or a form names (None: none of them)."""
    if not trigger:
        return None
    return next(
        (s for s in steps if s.trigger == trigger and s.referral_id == (referral_id or None)),
        None,
    )


def assistance_events(workflow: WorkflowDefinition) -> frozenset[str]:
    """The referral events that record assistance delivered (reporting milestone)."""
    return frozenset(
        event for event, marks in workflow.milestones.items() if "assistance_delivered" in marks
    )
