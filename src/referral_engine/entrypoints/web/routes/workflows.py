"""The workflows page: each workflow version's diagram, states, transitions, roles, deadlines."""

from __future__ import annotations

from dataclasses import fields
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response

from referral_engine.domain.workflow import WorkflowDefinition
from referral_engine.entrypoints.http.deps import RuntimeDep
from referral_engine.entrypoints.web.deps import NO_NUL, PageRoute, PageUser
from referral_engine.entrypoints.web.render import page, words_of, workflow_words
from referral_engine.workflows.diagram import Words, workflow_svg
from referral_engine.workflows.loader import mermaid, referral_mermaid

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Version = Annotated[int, Path(ge=1, le=2**31 - 1)]
WorkflowId = Annotated[str, Path(max_length=100, pattern=NO_NUL)]


@router.get("/workflows", response_class=HTMLResponse)
def workflow_list(request: Request, user: PageUser, runtime: RuntimeDep) -> HTMLResponse:
    """Every loaded workflow version."""
    found = sorted(runtime.engine.workflows, key=lambda w: (w.id, -w.version))
    return page(request, "workflows.html", workflows=found)


@router.get("/workflows/{workflow_id}/{version}", response_class=HTMLResponse)
def workflow_page(
    workflow_id: WorkflowId, version: Version, request: Request, user: PageUser, runtime: RuntimeDep
) -> HTMLResponse:
    """One workflow version: its diagram, states, transitions, roles and deadlines."""
    definition = runtime.engine.workflows.get(workflow_id, version)
    t = words_of(request)
    sources = [(t("wf.part.case"), mermaid(definition))]
    if (referrals := referral_mermaid(definition)) is not None:
        sources.append((t("wf.part.referrals"), referrals))
    return page(request, "workflow.html", w=definition, mermaid=sources)


@router.get("/workflows/{workflow_id}/{version}/diagram.svg", response_class=Response)
def workflow_diagram(
    workflow_id: WorkflowId, version: Version, request: Request, user: PageUser, runtime: RuntimeDep
) -> Response:
    """The state diagram as an image, in the reader's language."""
    definition = runtime.engine.workflows.get(workflow_id, version)
    svg = workflow_svg(definition, _diagram_words(request, definition))
    return Response(svg, media_type="image/svg+xml")


def _diagram_words(request: Request, definition: WorkflowDefinition) -> Words:
    """The diagram's phrases from the catalogue, titles from the workflow's labels."""
    t, text = words_of(request), workflow_words(request, definition)
    phrases = {f.name: t(f"diagram.{f.name}") for f in fields(Words) if t.has(f"diagram.{f.name}")}
    referrals = definition.referrals.states if definition.referrals else {}
    return Words(
        **phrases,
        title=text.title,
        state_titles={name: text.state(name) for name in definition.states},
        referral_state_titles={name: text.referral_state(name) for name in referrals},
    )
