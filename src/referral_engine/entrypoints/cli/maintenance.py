"""`referral-engine maintenance`: upkeep of the database that must not run inside a request."""

from __future__ import annotations

from typing import Annotated

import typer

from referral_engine.adapters import audit_chain
from referral_engine.adapters.case_keys import PostgresCaseKeys
from referral_engine.adapters.database import connect
from referral_engine.bootstrap import build
from referral_engine.config import Settings

app = typer.Typer(
    no_args_is_help=True,
    help="Database upkeep: compact case_keys after erasures; hand the audit log to its owner.",
)


@app.command("compact")
def compact(
    wait: Annotated[
        float,
        typer.Option(min=0, max=3600, help="Seconds to wait for older transactions to end."),
    ] = 60.0,
) -> None:
    """Rewrite case_keys' file so that the keys erased since the last compaction leave it."""
    with build(Settings()) as runtime:
        keys = runtime.engine.store.keys
        assert isinstance(keys, PostgresCaseKeys)
        done = keys.compact(wait)
    typer.echo(f"compacted case_keys after {done.compacted} erasures")
    if done.due:
        typer.echo(
            f"{done.due} erasures still due: a transaction older than them still runs (or "
            "another process is compacting); run this again once it has ended",
            err=True,
        )
        raise typer.Exit(1)


@app.command("audit-owner")
def audit_owner(
    app_role: Annotated[
        str, typer.Option(help="The role the application logs in as (gets select, insert)")
    ],
    owner: Annotated[
        str | None,
        typer.Option(help="The role to own the schema and the audit log (default: yours)"),
    ] = None,
) -> None:
    """Make a role the application does not log in as own the schema and the audit log (its
    table and append-only trigger), chaining older entries; the application's role keeps only
    select and insert on the log. Run it connected as that owner or as a superuser."""
    settings = Settings()
    if settings.database_url is None:
        raise typer.BadParameter("needs REFERRAL_ENGINE_DATABASE_URL (an external database)")
    with connect(settings.database_url, settings.connect_timeout_seconds) as conn:
        who = owner or str(conn.execute("select current_user").fetchone()[0])  # type: ignore[index]
        if who == app_role:
            raise typer.BadParameter("the owner must not be the application's own role")
        with conn.transaction():
            conn.execute("select pg_advisory_xact_lock(hashtext('referral_engine.migrate'))")
            audit_chain.hand_over(conn, settings.database_schema, who, app_role)
    typer.echo(
        f"schema {settings.database_schema} and its audit log now belong to {who}; "
        f"{app_role} may only read and append to the log"
    )
