"""Health, metrics and workflows (the audit log has its own router: routers/audit.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST

from referral_engine.adapters.database import DatabaseUnavailable, connect
from referral_engine.entrypoints.api.deps import AnyUser
from referral_engine.entrypoints.api.models import Health
from referral_engine.entrypoints.api.workflow_models import WorkflowOut, WorkflowSummary
from referral_engine.entrypoints.http.deps import RuntimeDep
from referral_engine.entrypoints.http.metrics import exposition, scraper
from referral_engine.entrypoints.http.problems import problem, problem_responses
from referral_engine.workflows.diagram import workflow_svg
from referral_engine.workflows.loader import mermaid

router = APIRouter()
UNAUTHORIZED = {401: "No valid bearer token", 503: "The database is unavailable"}
INVALID = {422: "Invalid query or path parameter"}
SVG = "image/svg+xml"


@router.get(
    "/healthz",
    response_model=Health,
    tags=["service"],
    responses=problem_responses({503: "The database is unavailable"}),
)
def healthz(runtime: RuntimeDep) -> Health | JSONResponse:
    """Whether the service and its database answer (no token needed)."""
    try:
        with connect(runtime.database_url, timeout=2) as conn:
            conn.execute("select 1")
    except DatabaseUnavailable:
        return problem(503, "service-unavailable", "The database is unavailable", "not reachable")
    return Health(status="ok", database="ok")


@router.get(
    "/metrics",
    response_class=PlainTextResponse,
    tags=["service"],
    responses=problem_responses({404: "Not the configured scraper, or metrics are off"}),
)
def metrics(request: Request, runtime: RuntimeDep) -> Response:
    """Prometheus metrics for the configured scraper: requests, commands, read models."""
    if not scraper(request, runtime.settings):
        return problem(404, "not-found", "Not found", "no such resource")
    text = exposition(runtime.settings.suppression_k, runtime.projections.status())
    return PlainTextResponse(text, media_type=CONTENT_TYPE_LATEST)


@router.get(
    "/api/workflows",
    response_model=list[WorkflowSummary],
    tags=["workflows"],
    responses=problem_responses(UNAUTHORIZED),
)
def list_workflows(user: AnyUser, runtime: RuntimeDep) -> list[WorkflowSummary]:
    """Every loaded workflow version."""
    return [
        WorkflowSummary(id=w.id, version=w.version, title=w.title, source=w.source)
        for w in runtime.engine.workflows
    ]


@router.get(
    "/api/workflows/{workflow_id}",
    response_model=WorkflowOut,
    tags=["workflows"],
    responses=problem_responses({**UNAUTHORIZED, 404: "No such workflow (version)", **INVALID}),
)
def read_workflow(
    workflow_id: str,
    user: AnyUser,
    runtime: RuntimeDep,
    version: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> WorkflowOut:
    """A workflow's definition and its Mermaid state diagram (newest version by default)."""
    definition = runtime.engine.workflows.get(workflow_id, version)
    return WorkflowOut.of(definition, mermaid(definition))


@router.get(
    "/api/workflows/{workflow_id}/versions/{version}/diagram.svg",
    response_class=Response,
    tags=["workflows"],
    responses={
        200: {"content": {SVG: {}}, "description": "The state diagram as SVG"},
        **problem_responses({**UNAUTHORIZED, 404: "No such workflow version", **INVALID}),
    },
)
def workflow_diagram(
    workflow_id: str,
    version: Annotated[int, Path(ge=1, le=2**31 - 1)],
    user: AnyUser,
    runtime: RuntimeDep,
) -> Response:
    """One workflow version's state diagram as a self-contained SVG image."""
    definition = runtime.engine.workflows.get(workflow_id, version)
    return Response(workflow_svg(definition), media_type=SVG)
