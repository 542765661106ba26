"""Events as other systems see them: one shape for the webhooks and for `GET /api/events`, and
need-to-know as the pages decide it (docs/webhooks.md).

An event is shown to an audience that reached its case right after it (`domain/access.py`, on
the case as it stood then), as far as its sight goes (`history_within_sight`: a referred agency
sees its referrals' steps and the case steps its own agency took), with the personal fields its
role may read (`Disclosure`) opened by the case key, and none of them once the case is erased.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from uuid import UUID

from referral_engine.application.ports import CaseStore, EventLog, paused_gc
from referral_engine.application.reading import erasure_of
from referral_engine.domain.access import Sight, sight
from referral_engine.domain.case import Case
from referral_engine.domain.markers import NOT_PERMITTED, erase, shown_personal
from referral_engine.domain.personal import Disclosure, history_within_sight, narrowest
from referral_engine.domain.views import HistoryEntry
from referral_engine.domain.webhooks import ENGINE_EVENTS, ENGINE_TEXT, Audience, event_id
from referral_engine.domain.workflow import WorkflowDefinition
from referral_engine.workflows.loader import WorkflowRegistry

Disclose = Callable[[WorkflowDefinition, WorkflowDefinition], Disclosure]
"""Makes the Disclosure of an event's workflow version narrowed by the case's current one (a
route's records what a response showed)."""
log = logging.getLogger("referral_engine.webhooks")
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
    `audience` sees, by version (without a position: the caller knows it).

    An event is shown when the audience reached the case right after it and still reaches it
    now, as far as both sights go, with the personal fields that both the event's workflow
    version and the case's current one let its role read: a later version can only narrow
    what was shown (the pages judge on the case now). An erasure is shown to every audience
    that reaches the case, so that one holding personal values from it can drop them."""
    erasure = erasure_of(list(events))
    disclose = disclose or _disclosing(audience.role)
    then: dict[int, tuple[HistoryEntry, Sight, WorkflowDefinition, bool]] = {}
    case: Any = None
    for event in events:
        before = case.state if case is not None else None
        case = event.mutate(case)
        if event.originator_version in wanted:
            workflow = workflows.get(case.workflow_id, case.workflow_version)
            seen = sight(workflow.access, case, audience.scope)
            if seen is not None:
                entry = HistoryEntry.of(event, before)
                erases = isinstance(event, Case.PersonalDataErased)
                then[event.originator_version] = (entry, seen, workflow, erases)
    if case is None or not then:
        return {}
    current = workflows.get(case.workflow_id, case.workflow_version)
    now = sight(current.access, case, audience.scope)
    if now is None:
        return {}
    found: dict[int, FeedEvent] = {}
    for version, (entry, seen, workflow, erases) in then.items():
        if not erases and not (_within(entry, seen, workflow) and _within(entry, now, current)):
            continue
        if erasure is not None:  # erased everywhere, even where a key was still cached
            entry = replace(entry, data=erase(entry.data, set(erasure.fields)))
        if audience.role is None and (text := ENGINE_TEXT.get(entry.event)):
            data = {k: dict(NOT_PERMITTED) if k in text else v for k, v in entry.data.items()}
            entry = replace(entry, data=data)
        shows = disclose(workflow, current)
        data = shows.data(entry.data)
        found[version] = _feed_event(case, entry, workflow, data, shows.personal)
    return found


def _within(entry: HistoryEntry, seen: Sight, workflow: WorkflowDefinition) -> bool:
    return bool(history_within_sight([entry], seen, workflow))


def _disclosing(role: str | None) -> Disclose:
    made: dict[tuple[str, int, int], Disclosure] = {}

    def disclose(then: WorkflowDefinition, now: WorkflowDefinition) -> Disclosure:
        key = (then.id, then.version, now.version)
        if key not in made:
            made[key] = Disclosure(narrowest(then.personal, now.personal), role)
        return made[key]

    return disclose


def _feed_event(
    case: Any,
    entry: HistoryEntry,
    workflow: WorkflowDefinition,
    data: dict[str, Any],
    personal: Mapping[str, frozenset[str]],
) -> FeedEvent:
    return FeedEvent(
        id=event_id(case.id, entry.version),
        type=entry.event,
        position=0,
        case_id=case.id,
        version=entry.version,
        workflow=workflow.id,
        workflow_version=workflow.version,
        region=case.region,
        referral_id=entry.referral_id,
        trigger=entry.trigger,
        from_state=entry.from_state,
        to_state=entry.to_state,
        occurred_at=entry.occurred_at,
        recorded_at=entry.recorded_at,
        actor={"role": entry.actor.get("role", ""), "agency": entry.actor.get("agency", "")},
        fields=data,
        disclosed=frozenset(shown_personal(data, personal)),
    )


def shown_at(
    store: CaseStore,
    workflows: WorkflowRegistry,
    entries: Sequence[tuple[int, UUID, int]],
    audience: Audience,
    disclose: Disclose | None = None,
) -> dict[int, FeedEvent]:
    """Log entries (position, case, version) as `audience` sees them, by position: the cases'
    streams read in one query, each case folded once. A case that cannot be read or folded
    shows nothing (logged; the webhook outbox parks an event it cannot decode) and spoils no
    other case."""
    wanted: dict[UUID, dict[int, int]] = {}
    for position, case_id, version in entries:
        wanted.setdefault(case_id, {})[version] = position
    with paused_gc():
        streams, _ = store.readable_streams(list(wanted))
    disclose = disclose or _disclosing(audience.role)
    found: dict[int, FeedEvent] = {}
    for case_id, versions in wanted.items():
        if case_id not in streams:
            continue  # unreadable: the store logged which event
        try:
            seen = shown(streams[case_id], versions, audience, workflows, disclose)
        except Exception:
            log.exception("case %s cannot be folded for the event feed", case_id)
            continue
        for version, one in seen.items():
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
