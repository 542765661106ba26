"""The ASGI app: the HTTP base with the JSON API and the pages installed on it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from starlette.concurrency import run_in_threadpool

from referral_engine.adapters.duplicate_checks import DuplicateWorker
from referral_engine.adapters.notifications.worker import NotificationWorker
from referral_engine.adapters.readmodels.worker import LiveWorker, Tailing
from referral_engine.bootstrap import Runtime, build
from referral_engine.config import Settings
from referral_engine.entrypoints.api import docs
from referral_engine.entrypoints.api.routers import (
    agencies,
    audit,
    case_file,
    cases,
    dashboards,
    deadlines,
    erasures,
    events,
    exports,
    imports,
    inbox,
    notifications,
    person_alerts,
    projections,
    reports,
    search,
    service,
    transfers,
    webhooks,
)
from referral_engine.entrypoints.http import problems
from referral_engine.entrypoints.http.case_file import upload_limits
from referral_engine.entrypoints.http.clients import ForwardedClient
from referral_engine.entrypoints.http.duplicates import duplicates
from referral_engine.entrypoints.http.headers import SecurityHeaders
from referral_engine.entrypoints.http.imports import API_PATH as IMPORT_API
from referral_engine.entrypoints.http.imports import PAGE_PATH as IMPORT_PAGE
from referral_engine.entrypoints.http.middleware import BodyLimit, Observe
from referral_engine.entrypoints.http.text import check_request
from referral_engine.entrypoints.web import install as install_pages


def create_app(
    runtime: Runtime | None = None,
    *,
    live_projections: bool | None = None,
    live_notifications: bool | None = None,
    live_webhooks: bool | None = None,
) -> FastAPI:
    """The app on a given runtime, or on one built from the environment at startup.

    With live projections (the default when built from the environment) a worker thread keeps
    the read models caught up in this process, and another runs the duplicate checks behind the
    persons read model; with live notifications and live webhooks
    (likewise, unless `run_notifications` or `run_webhooks` is off) two more tell users what
    concerns them and feed the webhook outbox and send its deliveries. Given a runtime (tests),
    only the workers asked for start.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = None
        if getattr(app.state, "runtime", None) is None:
            owned = app.state.runtime = await run_in_threadpool(build, Settings())
        rt: Runtime = app.state.runtime
        live = rt.settings.run_projections if live_projections is None else live_projections
        notices = (
            rt.settings.run_notifications if live_notifications is None else live_notifications
        )
        hooks = rt.settings.run_webhooks if live_webhooks is None else live_webhooks
        workers: list[Tailing] = []
        if live and (owned or live_projections):
            workers.append(LiveWorker(rt.projections))
            # behind the persons read model: the duplicate checks a command could not run
            workers.append(DuplicateWorker(rt.projections, duplicates(rt)))
        if notices and (owned or live_notifications):
            scan = rt.settings.notification_scan_seconds
            workers.append(NotificationWorker(rt.notifier, scan_seconds=scan))
        if hooks and (owned or live_webhooks):
            workers.append(rt.webhook_worker())
        for worker in workers:
            worker.start()
        yield
        for worker in reversed(workers):
            worker.stop()
        if owned is not None:
            owned.close()

    app = FastAPI(
        title="referral-engine",
        summary="Event-sourced referral workflows for National Referral Mechanisms",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # served by .docs from local files, not from a CDN
        redoc_url=None,
        dependencies=[Depends(check_request)],  # every route's addresses and headers (422)
    )
    app.state.runtime = runtime
    problems.install(app)
    app.include_router(cases.router)
    app.include_router(transfers.router)
    app.include_router(case_file.router)
    app.include_router(erasures.router)
    app.include_router(service.router)
    app.include_router(audit.router)
    app.include_router(projections.router)
    app.include_router(dashboards.router)
    app.include_router(reports.router)
    app.include_router(deadlines.router)
    app.include_router(inbox.router)
    app.include_router(imports.router)
    app.include_router(exports.router)
    app.include_router(agencies.router)
    app.include_router(notifications.router)
    app.include_router(webhooks.router)
    app.include_router(events.router)
    app.include_router(search.router)
    app.include_router(person_alerts.router)
    install_pages(app)
    docs.install(app)
    app.add_middleware(Observe)
    app.add_middleware(SecurityHeaders)
    settings = runtime.settings if runtime else Settings()
    larger = dict.fromkeys((IMPORT_API, IMPORT_PAGE), settings.max_import_bytes)
    larger.update(upload_limits(settings.max_document_bytes))
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes, larger=larger)
    app.add_middleware(ForwardedClient)  # outermost: every layer sees the one client address
    return app
