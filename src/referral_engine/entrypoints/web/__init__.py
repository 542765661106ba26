"""Server-rendered pages for caseworkers, supervisors and analysts (Jinja2, no JS build step).

Pages call the same engine, read models, audit log and dashboards as the JSON API; they sign in
with a session cookie instead of a bearer token.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from referral_engine.entrypoints.http import pages
from referral_engine.entrypoints.web.render import ErrorPages
from referral_engine.entrypoints.web.routes import (
    agencies,
    analytics,
    audit,
    auth,
    case_file,
    cases,
    imports,
    inbox,
    notifications,
    oversight,
    papers,
    person_alerts,
    queue,
    reports,
    search,
    transfers,
    workflows,
)

STATIC = Path(__file__).parent / "static"


def install(app: FastAPI) -> None:
    """Mount the pages and their static files on the app; browsers get pages for the errors
    the HTTP base answers itself."""
    pages.register(app, ErrorPages())
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (
        auth,
        inbox,
        queue,
        cases,
        papers,
        transfers,
        case_file,
        oversight,
        audit,
        analytics,
        reports,
        workflows,
        imports,
        agencies,
        notifications,
        search,
        person_alerts,
    ):
        app.include_router(module.router)
