"""Read model status and blue/green rebuilds."""

from __future__ import annotations

import threading

from fastapi import APIRouter, HTTPException

from referral_engine.adapters.readmodels.engine import Projections, Status
from referral_engine.entrypoints.api.deps import AnyUser, ProjectionOperator, RuntimeDep
from referral_engine.entrypoints.http.problems import problem_responses

router = APIRouter(prefix="/api/projections", tags=["projections"])
PROBLEMS = problem_responses(
    {
        401: "No valid bearer token",
        403: "Not an admin or analyst",
        404: "No such read model",
        409: "A rebuild of this read model is already running",
        503: "Database unavailable",
    }
)
_running: dict[str, threading.Thread] = {}
_lock = threading.Lock()


@router.get("", response_model=list[Status], responses=PROBLEMS)
def list_projections(user: AnyUser, runtime: RuntimeDep) -> list[Status]:
    """Each read model's version, position, lag in events and seconds, and rebuild progress."""
    return list(runtime.projections.status())


@router.post("/{name}/rebuild", status_code=202, response_model=Status, responses=PROBLEMS)
def rebuild(name: str, user: ProjectionOperator, runtime: RuntimeDep) -> Status:
    """Start a blue/green rebuild; the current version keeps serving until the switch."""
    start_rebuild(runtime.projections, name)
    return next(s for s in runtime.projections.status() if s.name == name)


def start_rebuild(projections: Projections, name: str) -> None:
    """Rebuild a read model in a background thread (404: no such model; 409: one running)."""
    if name not in projections.models:
        raise HTTPException(404, f"no read model named '{name}'")
    with _lock:
        running = _running.get(name)
        if running is not None and running.is_alive():
            raise HTTPException(409, f"a rebuild of '{name}' is already running")
        thread = threading.Thread(
            target=projections.rebuild, args=(name,), name=f"rebuild-{name}", daemon=True
        )
        _running[name] = thread
        thread.start()
