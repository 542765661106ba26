"""`referral-engine export ...`: published figures as files."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from referral_engine.entrypoints.cli.console import out, runtime

app = typer.Typer(no_args_is_help=True, help="Export published figures.")


@app.command("dashboard")
def export_dashboard(
    name: str,
    region: Annotated[str | None, typer.Option()] = None,
    start: Annotated[datetime | None, typer.Option("--from", formats=["%Y-%m-%d"])] = None,
    end: Annotated[datetime | None, typer.Option("--to", formats=["%Y-%m-%d"])] = None,
    output: Annotated[Path | None, typer.Option(help="File to write (default: stdout)")] = None,
) -> None:
    """Write a dashboard as CSV for whole months, with the same suppression as the API."""
    from referral_engine.application.dashboards import report, to_csv

    with runtime() as rt:
        if name in rt.projections.models:
            rt.projections.catch_up([name])  # export what the log holds now
        found = report(
            rt.projections,
            name,
            k=rt.settings.suppression_k,
            today=rt.engine.clock().date(),
            region=region,
            start=start.date() if start else None,
            end=end.date() if end else None,
        )
    text = to_csv(found)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        out.print(f"wrote {len(found.published.rows)} rows to {output}", highlight=False)
