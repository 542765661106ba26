"""Person search: `GET /api/search?q=...`, within the caller's need-to-know (docs/persons.md)."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from referral_engine.entrypoints.api.deps import Searcher
from referral_engine.entrypoints.http.audit import audited
from referral_engine.entrypoints.http.deps import RuntimeDep
from referral_engine.entrypoints.http.problems import problem_responses
from referral_engine.entrypoints.http.search import ACTION, QUERY_MAX, searched

router = APIRouter(prefix="/api/search", tags=["search"])
PROBLEMS = problem_responses(
    {
        401: "No valid bearer token",
        403: "Analysts, statisticians and admins may not search for persons",
        422: "Nothing searchable in the query, or a character not allowed",
        503: "The database or the search index is unavailable (being built)",
    }
)


class SearchHit(BaseModel):
    case_id: UUID
    href: str = Field(description="The case (`GET` it for what the caller may see of it)")
    region: str
    workflow: str
    workflow_version: int
    state: str | None
    opened_on: date | None
    score: float = Field(description="How well the case's person matches, 0 to 1")
    name: str | None = Field(
        description="The person's name as recorded; null where the caller may not read it"
    )
    birth_date_matches: bool = Field(description="The query's date of birth is the person's")


class SearchPage(BaseModel):
    items: list[SearchHit]


@router.get("", response_model=SearchPage, responses=PROBLEMS, dependencies=[audited(ACTION)])
def search(
    user: Searcher,
    runtime: RuntimeDep,
    request: Request,
    q: Annotated[str, Query(min_length=1, max_length=QUERY_MAX)],
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
) -> SearchPage:
    """Cases in the caller's reach whose person matches `q` (names in Cyrillic or Latin letters,
    with a typo or in any order; a date of birth; a phone; a document, application or
    certificate number), best first. The audit log keeps only a keyed hash of the query."""
    hits = searched(request, runtime, user, q, limit)
    return SearchPage(
        items=[
            SearchHit(
                case_id=h.case_id,
                href=f"/api/cases/{h.case_id}",
                region=h.region,
                workflow=h.workflow_id,
                workflow_version=h.workflow_version,
                state=h.state,
                opened_on=h.opened_on,
                score=h.score,
                name=h.name,
                birth_date_matches=h.birth_date_matches,
            )
            for h in hits
        ]
    )
