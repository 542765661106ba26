"""The `referral-engine` command: thin over bootstrap and the engine; errors as one clear line.

`demo` and `serve` live here; the commands on one case and each command group live in their own
module and are registered below, in the order `--help` lists them.
"""

from __future__ import annotations

import sys
import time
from typing import Annotated

import typer

from referral_engine.adapters import demo_marker
from referral_engine.adapters.audit_chain import AuditSchemaOutdated
from referral_engine.adapters.crypto import MasterKeyError
from referral_engine.adapters.database import DatabaseUnavailable
from referral_engine.adapters.readmodels.engine import ReadModelNotReady
from referral_engine.application import demo, demo_agencies
from referral_engine.domain.errors import DomainError, InvalidWorkflow
from referral_engine.entrypoints.cli import (
    agencies,
    erasures,
    export,
    imports,
    keys,
    maintenance,
    notifications,
    projections,
    reports,
    users,
    webhooks,
    workflows,
)
from referral_engine.entrypoints.cli import audit as audit_commands
from referral_engine.entrypoints.cli import cases as case_commands
from referral_engine.entrypoints.cli.arguments import refused_argument
from referral_engine.entrypoints.cli.cases import print_case
from referral_engine.entrypoints.cli.console import err, mark, out, record, runtime

app = typer.Typer(no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)
APP_FACTORY = "referral_engine.entrypoints.asgi:create_app"
"""What each of several uvicorn workers imports and calls to build its own app and runtime."""


def run_demo(
    cases: Annotated[int, typer.Option(min=1, max=1000)] = 5,
    workflow: Annotated[str, typer.Option()] = "ukraine-nrm",
    seed: Annotated[int, typer.Option()] = 2011,
) -> None:
    """Open synthetic cases, walk them through a workflow and print each case's history."""
    with runtime() as rt:
        out.print(f"database: {rt.display_url}")
        has_cases = bool(rt.engine.store.recorder.max_notification_id())
        demo_marker.claim(rt.db, has_cases, refuse=False)  # an empty database becomes the demo's
        for case_id in demo.seed(rt.engine, workflow, cases, seed):
            print_case(rt.engine.case(case_id), rt.engine.history(case_id))


def serve(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64)] = 1,
    with_demo: Annotated[
        bool, typer.Option("--demo", help="Seed demo cases if empty; print demo tokens")
    ] = False,
) -> None:
    """Run the HTTP API (uvicorn); OpenAPI docs at /docs."""
    import uvicorn

    from referral_engine.entrypoints.asgi import create_app

    with runtime(audited=False) as rt:
        if with_demo:
            has_cases = bool(rt.engine.store.recorder.max_notification_id())
            demo_marker.claim(rt.db, has_cases)  # refuses a database with real users or cases
            demo_agencies.register(rt.agencies)  # the demo users' agencies, and the referrals'
            if not has_cases:
                started = time.perf_counter()
                seeded = demo.seed_demo(rt.engine)
                took = time.perf_counter() - started
                each = ", ".join(f"{workflow} {n}" for workflow, n in seeded.items())
                out.print(f"seeded {sum(seeded.values())} synthetic cases ({each}) in {took:.1f} s")
            issued = demo.demo_users(rt.users, demo.demo_regions(rt.engine))
            mark.detail = {"demo_users": [name for name, *_ in issued]}
            record(rt)
            print_demo_users(issued, f"http://{host}:{port}/sign-in")
        out.print(f"pages: http://{host}:{port}/  (sign in with a user's name and password)")
        out.print(f"serving on http://{host}:{port}  (API docs: http://{host}:{port}/docs)")
        out.print(f"database: {rt.display_url}", highlight=False)
        # uvicorn would believe X-Forwarded-For from 127.0.0.1; the app decides whom to believe
        # (REFERRAL_ENGINE_TRUSTED_PROXIES, http/clients.py)
        if workers == 1:
            app_ = create_app(
                rt,
                live_projections=rt.settings.run_projections,
                live_notifications=rt.settings.run_notifications,
                live_webhooks=rt.settings.run_webhooks,
            )
            uvicorn.run(app_, host=host, port=port, log_level="info", proxy_headers=False)
        else:
            uvicorn.run(
                APP_FACTORY,
                factory=True,
                host=host,
                port=port,
                workers=workers,
                proxy_headers=False,
            )


def print_demo_users(issued: list[tuple[str, str, str, str]], sign_in: str) -> None:
    """Each demo user's name, password and job in words, then their API tokens."""
    out.print(f"demo users: sign in at {sign_in} (passwords and tokens are new at each start)")
    for name, role, _, password in issued:
        out.print(f"  {name:<26} {password:<18} {demo.job(role)}", highlight=False)
    out.print("their API tokens (Authorization: Bearer ...):")
    for name, _, token, _ in issued:
        out.print(f"  {name:<26} {token}", highlight=False)


# `--help` lists the commands in this order, then the groups in theirs
app.command("demo")(run_demo)
app.command("replay")(case_commands.replay)
app.command("report")(reports.report)
app.command("serve")(serve)
app.command("erase")(case_commands.erase)
app.command("import")(imports.import_register)
app.add_typer(erasures.app, name="erasures")
app.add_typer(export.app, name="export")
app.add_typer(projections.app, name="projections")
app.add_typer(notifications.app, name="notifications")
app.add_typer(workflows.app, name="workflows")
app.add_typer(users.app, name="users")
app.add_typer(agencies.app, name="agencies")
app.add_typer(webhooks.app, name="webhooks")
app.add_typer(keys.app, name="keys")
app.add_typer(audit_commands.app, name="audit")
app.add_typer(maintenance.app, name="maintenance")


def main() -> None:
    """Entry point: run the app, turning expected failures into one line and an exit code."""
    if (refused := refused_argument(sys.argv[1:])) is not None:
        err.print(f"error: {refused}", highlight=False, markup=False)
        raise SystemExit(2)  # as a usage error
    try:
        app()
    except DatabaseUnavailable as exc:
        err.print(f"error: {exc}", highlight=False)
        raise SystemExit(2) from None
    except InvalidWorkflow as exc:
        err.print(f"error: invalid workflow\n{exc}", highlight=False)
        raise SystemExit(1) from None
    except DomainError as exc:
        err.print(f"error: {exc}", highlight=False)
        raise SystemExit(1) from None
    except MasterKeyError as exc:
        err.print(f"error: {exc}", highlight=False)
        raise SystemExit(2) from None
    except (AuditSchemaOutdated, demo_marker.NotADemoDatabase) as exc:
        err.print(f"error: {exc}", highlight=False)
        raise SystemExit(2) from None
    except ReadModelNotReady as exc:
        err.print(f"error: read model '{exc}' is not built yet (projections rebuild {exc})")
        raise SystemExit(1) from None
