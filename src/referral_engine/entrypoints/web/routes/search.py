"""The person search page: a search box (also on the queue), and the people found within the
reader's need-to-know. The query is posted, not put in the address: names stay out of the
browser's history and of proxies' logs; the audit log keeps only its keyed hash."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from referral_engine.application.search import Hit
from referral_engine.domain.errors import DomainError
from referral_engine.domain.person_terms import QueryInvalid
from referral_engine.entrypoints.http.audit import audited
from referral_engine.entrypoints.http.deps import RuntimeDep
from referral_engine.entrypoints.http.search import ACTION, QUERY_MAX, searched
from referral_engine.entrypoints.web.deps import PageRoute, Posted, SearchPageUser
from referral_engine.entrypoints.web.render import page, workflow_words

router = APIRouter(route_class=PageRoute, include_in_schema=False)
STRONG = 0.85
"""A score from which a hit reads as a close match rather than a possible one."""


@router.get("/search", response_class=HTMLResponse)
def search_form(request: Request, user: SearchPageUser) -> HTMLResponse:
    """The search box alone."""
    return page(request, "search.html", q="", hits=None, problem=None, limit=QUERY_MAX)


@router.post("/search", response_class=HTMLResponse, dependencies=[audited(ACTION)])
def search(
    request: Request, user: SearchPageUser, runtime: RuntimeDep, form: Posted
) -> HTMLResponse:
    """The people found, best first, each as the reader may see them."""
    given = form.get("q")
    q = given if isinstance(given, str) else ""
    try:
        hits = searched(request, runtime, user, q[: QUERY_MAX * 2], 20)
    except QueryInvalid as exc:
        return page(
            request, "search.html", status=422, q=q, hits=None, problem=exc.code, limit=QUERY_MAX
        )
    return page(
        request,
        "search.html",
        q=q,
        hits=[_shown(request, runtime, h) for h in hits],
        problem=None,
        limit=QUERY_MAX,
    )


def _shown(request: Request, runtime: Any, hit: Hit) -> dict[str, Any]:
    """A hit in the page's words: the state as the workflow names it, never its code."""
    try:
        workflow = runtime.engine.workflows.get(hit.workflow_id, hit.workflow_version)
        words = workflow_words(request, workflow)
        state = words.state(hit.state) if hit.state else ""
        title = words.title
    except DomainError:
        state, title = "", ""
    return {
        "case_id": hit.case_id,
        "name": hit.name,
        "region": hit.region,
        "state": state,
        "workflow": title,
        "opened_on": hit.opened_on,
        "strong": hit.score >= STRONG,
        "born_same": hit.birth_date_matches,
    }
