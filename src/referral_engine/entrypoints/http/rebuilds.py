"""Starting a blue/green rebuild of a read model, for the API and the pages alike."""

from __future__ import annotations

import threading

from fastapi import HTTPException

from referral_engine.adapters.readmodels.engine import Projections

_running: dict[str, threading.Thread] = {}
_lock = threading.Lock()


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
