"""The event feed for pull-based integration: the events after a position that the caller may
see, as webhooks carry them (docs/webhooks.md), with the position to ask after next."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from referral_engine.application.event_feed import LIMIT_MAX, FeedEvent
from referral_engine.domain.personal import Disclosure
from referral_engine.domain.webhooks import Audience
from referral_engine.domain.workflow import WorkflowDefinition
from referral_engine.entrypoints.api.deps import CaseWorker
from referral_engine.entrypoints.http.audit import audited, disclosure, mark_of
from referral_engine.entrypoints.http.deps import RuntimeDep
from referral_engine.entrypoints.http.problems import problem_responses

router = APIRouter(prefix="/api/events", tags=["events"])
PROBLEMS = problem_responses(
    {
        401: "No valid bearer token",
        403: "Analysts and statisticians see aggregates only",
        422: "A position or limit out of range",
        503: "The database or the audit log is unavailable",
    }
)


class EventCase(BaseModel):
    id: UUID = Field(description="The case's reference")
    version: int = Field(description="The case's version this event made")
    workflow: str
    workflow_version: int
    region: str


class EventData(BaseModel):
    position: int = Field(description="The event's position in the log (ask after it)")
    case: EventCase
    referral_id: str | None
    trigger: str | None
    from_state: str | None
    to_state: str
    occurred_at: datetime = Field(description="When it happened, as stated")
    recorded_at: datetime
    actor: dict[str, str] = Field(description="The role and agency that took the step")
    fields: dict[str, Any] = Field(
        description="The step's data; a personal field the reader may not see reads "
        '{"redacted": "not-permitted"}, an erased one {"redacted": "erased"}'
    )


class EventOut(BaseModel):
    id: UUID = Field(description="The event's id: the same wherever it is delivered")
    type: str = Field(description="The workflow's event name, or one of the engine's own")
    timestamp: datetime = Field(description="When it was recorded")
    data: EventData

    @classmethod
    def of(cls, event: FeedEvent) -> EventOut:
        return cls.model_validate(event.payload())


class EventPage(BaseModel):
    events: list[EventOut]
    next: int = Field(description="The position to ask after next (past events not shown)")


@router.get("", response_model=EventPage, responses=PROBLEMS, dependencies=[audited("events.read")])
def read_events(
    user: CaseWorker,
    runtime: RuntimeDep,
    request: Request,
    after: Annotated[int, Query(ge=0, le=2**63 - 1)] = 0,
    limit: Annotated[int, Query(ge=1, le=LIMIT_MAX)] = 100,
) -> EventPage:
    """Events after `after` that the caller may see, oldest first, and where to go on."""
    shown: dict[tuple[str, int, int], Disclosure] = {}

    def disclose(then: WorkflowDefinition, now: WorkflowDefinition) -> Disclosure:
        key = (then.id, then.version, now.version)
        if key not in shown:
            shown[key] = disclosure(request, user, then, narrowed_by=now)
        return shown[key]

    page = runtime.events.page(after, limit, Audience(user.reach, user.role), disclose)
    mark = mark_of(request)
    mark.detail = {"after": after, "next": page.next, "events": len(page.events)}
    mark.cases = _personal_reads(page.events)
    return EventPage(events=[EventOut.of(e) for e in page.events], next=page.next)


def _personal_reads(events: list[FeedEvent]) -> list[tuple[UUID, str, dict[str, Any]]]:
    """Each case whose personal fields the page showed, with its region and those fields: an
    entry of its own in the audit log, found with the case's other reads."""
    fields: dict[UUID, tuple[str, set[str], list[int]]] = {}
    for e in events:
        if e.disclosed:
            _, names, versions = fields.setdefault(e.case_id, (e.region, set(), []))
            names.update(e.disclosed)
            versions.append(e.version)
    return [
        (case_id, region, {"versions": versions, "personal_fields": sorted(names)})
        for case_id, (region, names, versions) in fields.items()
    ]
