"""What the API and the pages both take from a request: the runtime and its engine."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from referral_engine.application.engine import Engine
from referral_engine.bootstrap import Runtime


async def get_runtime(request: Request) -> Runtime:
    """The runtime the app was built on (`async`, as are the dependencies that do no I/O:
    FastAPI runs a plain function in a worker thread, a hop per request)."""
    runtime: Runtime = request.app.state.runtime
    return runtime


async def get_engine(runtime: Annotated[Runtime, Depends(get_runtime)]) -> Engine:
    """The runtime's engine."""
    return runtime.engine


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
EngineDep = Annotated[Engine, Depends(get_engine)]
