"""A person search for the API and the pages alike: the query checked and run within the
caller's need-to-know, and the audit entry it leaves: the query only as its keyed hash, the
number of results, and an entry of its own for each case whose person's name it showed."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import Request

from referral_engine.adapters.security import User
from referral_engine.application.search import Hit
from referral_engine.bootstrap import Runtime
from referral_engine.entrypoints.http.audit import mark_of

QUERY_MAX = 200
ACTION = "person.search"


def searched(request: Request, runtime: Runtime, user: User, q: str, limit: int) -> list[Hit]:
    """The hits of `q` for `user`; the request's audit mark records the search (an invalid
    query is refused with 422 and recorded as refused, its hash kept too)."""
    mark = mark_of(request)
    mark.detail = {"query_digest": runtime.search.digest(q)}
    hits = runtime.search.find(q, user.reach, limit)
    mark.detail["results"] = len(hits)
    mark.cases = _named(runtime, hits)
    return hits


def _named(runtime: Runtime, hits: list[Hit]) -> list[tuple[UUID, str, dict[str, Any]]]:
    """Each case whose person's name the results showed, with the field shown."""
    reads = []
    for hit in hits:
        if hit.name is not None:
            w = runtime.engine.workflows.get(hit.workflow_id, hit.workflow_version)
            fields = list(w.persons.names[:1])
            reads.append((hit.case_id, hit.region, {"via": ACTION, "personal_fields": fields}))
    return reads
