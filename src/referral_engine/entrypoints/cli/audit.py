"""`referral-engine audit ...`: the audit log's hash chain."""

from __future__ import annotations

import typer

from referral_engine.entrypoints.cli.console import err, out, runtime

app = typer.Typer(no_args_is_help=True, help="The audit log: verify its hash chain.")


@app.command("verify")
def audit_verify() -> None:
    """Walk the audit log's hash chain from the oldest entry: the first broken link (exit code
    1), or how many entries are intact and the newest one's hash (note it elsewhere)."""
    with runtime() as rt:
        report = rt.audit.verify()
    if report.broken is not None:
        b = report.broken
        err.print(
            f"broken: entry {b.entry_id} (position {b.position} in the chain): {b.problem}; "
            f"the {report.entries} entries before it are intact",
            highlight=False,
        )
        raise typer.Exit(1)
    head = report.head.hex() if report.head is not None else "none"
    out.print(f"intact, {report.entries} entries; newest hash {head}", highlight=False)
