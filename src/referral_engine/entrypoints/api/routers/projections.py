"""Read model status and blue/green rebuilds."""

from __future__ import annotations

from fastapi import APIRouter

from referral_engine.adapters.readmodels.engine import Status
from referral_engine.entrypoints.api.deps import AnyUser, ProjectionOperator
from referral_engine.entrypoints.http.deps import RuntimeDep
from referral_engine.entrypoints.http.problems import problem_responses
from referral_engine.entrypoints.http.rebuilds import start_rebuild

router = APIRouter(prefix="/api/projections", tags=["projections"])
PROBLEMS = problem_responses(
    {
        401: "No valid bearer token",
        403: "Not an admin or analyst",
        404: "No such read model",
        409: "A rebuild of this read model is already running",
        422: "The read model's name holds a control or invisible formatting character",
        503: "Database unavailable",
    }
)


@router.get("", response_model=list[Status], responses=PROBLEMS)
def list_projections(user: AnyUser, runtime: RuntimeDep) -> list[Status]:
    """Each read model's version, position, lag in events and seconds, and rebuild progress."""
    return list(runtime.projections.status())


@router.post("/{name}/rebuild", status_code=202, response_model=Status, responses=PROBLEMS)
def rebuild(name: str, user: ProjectionOperator, runtime: RuntimeDep) -> Status:
    """Start a blue/green rebuild; the current version keeps serving until the switch."""
    start_rebuild(runtime.projections, name)
    return next(s for s in runtime.projections.status() if s.name == name)
