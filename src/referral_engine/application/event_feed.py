"""Events as other systems see them: one shape for the webhooks and for `GET /api/events`, and
need-to-know as the pages decide it (docs/webhooks.md).

An event is shown to an audience that reached its case right after it (`domain/access.py`, on
the case as it stood then), as far as its sight goes (`history_within_sight`: a referred agency
sees its referrals' steps and the case steps its own agency took), with the personal fields its
role may read (`Disclosure`) opened by the case key, and none of them once the case is erased.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from uuid import UUID

from referral_engine.application.ports import CaseStore, EventLog, paused_gc
from referral_engine.application.reading import erasure_of
from referral_engine.domain.access import sight
from referral_engine.domain.markers import erase, shown_personal
from referral_engine.domain.personal import Disclosure, history_within_sight
from referral_engine.domain.views import HistoryEntry
from referral_engine.domain.webhooks import ENGINE_EVENTS, Audience, event_id
from referral_engine.domain.workflow import WorkflowDefinition
from referral_engine.workflows.loader import WorkflowRegistry

Disclose = Callable[[WorkflowDefinition], Disclosure]
"""Makes the Disclosure of one workflow version (a route's records what a response showed)."""
LIMIT_MAX = 500
SCAN_PER_PAGE = 20
"""A page reads at most this many times its limit of log entries looking for events it shows."""


@dataclass(frozen=True)
class FeedEvent:
    """One event as an audience sees it."""

    id: UUID
    type: str
    position: int
    case_id: UUID
    version: int
    workflow: str
    workflow_version: int
    region: str
    referral_id: str | None
    trigger: str | None
    from_state: str | None
    to_state: str
    occurred_at: datetime
    recorded_at: datetime
    actor: dict[str, str]
    fields: dict[str, Any]
    disclosed: frozenset[str] = field(default=frozenset(), compare=False)
    """The personal fields shown (for the audit log; not part of the payload)."""

    def payload(self) -> dict[str, Any]:
        """The JSON body of a webhook and an item of the feed (Standard Webhooks' shape:
        `type`, `timestamp` and `data`, with the event's id)."""
        return {
            "id": str(self.id),
            "type": self.type,
            "timestamp": self.recorded_at.isoformat(),
            "data": {
                "position": self.position,
                "case": {
                    "id": str(self.case_id),
                    "version": self.version,
                    "workflow": self.workflow,
                    "workflow_version": self.workflow_version,
                    "region": self.region,
                },
                "referral_id": self.referral_id,
                "trigger": self.trigger,
                "from_state": self.from_state,
                "to_state": self.to_state,
                "occurred_at": self.occurred_at.isoformat(),
                "recorded_at": self.recorded_at.isoformat(),
                "actor": self.actor,
                "fields": self.fields,
            },
        }


@dataclass(frozen=True)
class FeedPage:
    """Events after a position, and the position to ask after next."""

    events: list[FeedEvent]
    next: int


def event_types(workflows: WorkflowRegistry) -> set[str]:
    """Every public event type: the loaded workflows' event names and the engine's own."""
    return {name for w in workflows for name in w.event_names()} | set(ENGINE_EVENTS)


def shown(
    events: Sequence[Any],
    wanted: Collection[int],
    audience: Audience,
    workflows: WorkflowRegistry,
    disclose: Disclose | None = None,
) -> dict[int, FeedEvent]:
    """Of one case's events (its whole stream, in order), those at the `wanted` versions that
    `audience` sees, by version (without a position: the caller knows it)."""
    erasure = erasure_of(list(events))
    disclose = disclose or (lambda w: Disclosure(w.personal, audience.role))
    found: dict[int, FeedEvent] = {}
    case: Any = None
    last = max(wanted, default=0)
    for event in events:
        before = case.state if case is not None else None
        case = event.mutate(case)
        version = event.originator_version
        if version in wanted:
            one = _one(case, event, before, audience, workflows, disclose, erasure)
            if one is not None:
                found[version] = one
        if version >= last:
            break
    return found


def _one(
    case: Any,
    event: Any,
    before: str | None,
    audience: Audience,
    workflows: WorkflowRegistry,
    disclose: Disclose,
    erasure: Any,
) -> FeedEvent | None:
    workflow = workflows.get(case.workflow_id, case.workflow_version)
    seen = sight(workflow.access, case, audience.scope)
    if seen is None:
        return None
    entries = history_within_sight([HistoryEntry.of(event, before)], seen, workflow)
    if not entries:
        return None
    entry = entries[0]
    if erasure is not None:  # erased everywhere, even where a key was still cached
        entry = replace(entry, data=erase(entry.data, set(erasure.fields)))
    shows = disclose(workflow)
    data = shows.data(entry.data)
    return FeedEvent(
        id=event_id(case.id, entry.version),
        type=entry.event,
        position=0,
        case_id=case.id,
        version=entry.version,
        workflow=case.workflow_id,
        workflow_version=case.workflow_version,
        region=case.region,
        referral_id=entry.referral_id,
        trigger=entry.trigger,
        from_state=entry.from_state,
        to_state=entry.to_state,
        occurred_at=entry.occurred_at,
        recorded_at=entry.recorded_at,
        actor={"role": entry.actor.get("role", ""), "agency": entry.actor.get("agency", "")},
        fields=data,
        disclosed=frozenset(shown_personal(data, workflow.personal)),
    )


def shown_at(
    store: CaseStore,
    workflows: WorkflowRegistry,
    entries: Sequence[tuple[int, UUID, int]],
    audience: Audience,
    disclose: Disclose | None = None,
) -> dict[int, FeedEvent]:
    """Log entries (position, case, version) as `audience` sees them, by position: the cases'
    streams read in one query, each case folded once."""
    wanted: dict[UUID, dict[int, int]] = {}
    for position, case_id, version in entries:
        wanted.setdefault(case_id, {})[version] = position
    with paused_gc():
        streams = store.streams(list(wanted))
    found: dict[int, FeedEvent] = {}
    for case_id, versions in wanted.items():
        events = streams.get(case_id) or []
        for version, one in shown(events, versions, audience, workflows, disclose).items():
            found[versions[version]] = replace(one, position=versions[version])
    return found


class EventFeed:
    """`GET /api/events`: the events after a position that a reader sees."""

    def __init__(self, store: CaseStore, workflows: WorkflowRegistry, log: EventLog) -> None:
        self.store = store
        self.workflows = workflows
        self.log = log

    def page(
        self, after: int, limit: int, audience: Audience, disclose: Disclose | None = None
    ) -> FeedPage:
        """Up to `limit` events after `after` that `audience` sees; `next` is the position to
        ask after next (past events it does not see, so a reader never reads them again)."""
        limit = max(1, min(limit, LIMIT_MAX))
        found: list[FeedEvent] = []
        position, budget = after, limit * SCAN_PER_PAGE
        while len(found) < limit and budget > 0:
            entries = self.log.after(position, min(budget, max(limit, 100)))
            if not entries:
                break
            budget -= len(entries)
            visible = shown_at(self.store, self.workflows, entries, audience, disclose)
            for entry_position, _, _ in entries:
                if entry_position in visible:
                    found.append(visible[entry_position])
                position = entry_position
                if len(found) == limit:
                    break
        return FeedPage(found, position)
