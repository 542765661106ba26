"""The workflows page: each workflow version's diagram, states, transitions, roles, deadlines."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response

from ...diagram import workflow_svg
from ...workflows import mermaid, referral_mermaid
from ..deps import PageRoute, PageUser, RuntimeDep
from ..render import page, words_of

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Version = Annotated[int, Path(ge=1, le=2**31 - 1)]
WorkflowId = Annotated[str, Path(max_length=100)]


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
    workflow_id: WorkflowId, version: Version, user: PageUser, runtime: RuntimeDep
) -> Response:
    """The state diagram as an image."""
    definition = runtime.engine.workflows.get(workflow_id, version)
    return Response(workflow_svg(definition), media_type="image/svg+xml")
