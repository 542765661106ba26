"""`referral-engine maintenance`: upkeep of the database that must not run inside a request."""

from __future__ import annotations

from typing import Annotated

import typer

from referral_engine.adapters.case_keys import PostgresCaseKeys
from referral_engine.bootstrap import build
from referral_engine.config import Settings

app = typer.Typer(no_args_is_help=True, help="Database upkeep: compact case_keys after erasures.")


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
