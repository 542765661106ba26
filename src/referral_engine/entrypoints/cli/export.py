"""`referral-engine export ...`: published figures as files."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated
from uuid import UUID

import typer

from referral_engine.entrypoints.cli.console import err, mark, operator, out, runtime

app = typer.Typer(
    no_args_is_help=True, help="Export published figures and anonymised case-level files."
)


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


@app.command("htcds")
def export_htcds(
    start: Annotated[datetime, typer.Option("--from", formats=["%Y-%m-%d"])],
    end: Annotated[datetime, typer.Option("--to", formats=["%Y-%m-%d"])],
    output: Annotated[Path, typer.Option("--out", help="FILE.csv or FILE.xlsx")],
    as_user: Annotated[str, typer.Option("--as", help="The statistician making the export")],
    k: Annotated[int, typer.Option(help="Each combination shared by at least k records")] = 11,
    quasi: Annotated[
        str | None, typer.Option(help="Quasi-identifiers: HTCDS fields, comma-separated")
    ] = None,
) -> None:
    """An anonymised case-level file in the HTCDS (docs/htcds.md): cases opened from --from to
    --to as the log stood at the end of --to, k-anonymous on the quasi-identifiers; audited
    with its parameters and digest, its cases kept as keyed hashes for recalls."""
    from referral_engine.adapters.htcds_exports import wired_exports
    from referral_engine.application.htcds_export import checked
    from referral_engine.domain.errors import FieldProblem, InvalidData

    fmt = output.suffix.lower().lstrip(".")
    with runtime() as rt:
        try:
            if fmt not in ("csv", "xlsx"):
                problem = FieldProblem("out", "must name a .csv or .xlsx file", "format")
                raise InvalidData([problem])
            request = checked(start.date(), end.date(), k, quasi, fmt, rt.engine.clock().date())
        except InvalidData as exc:  # a usage error: exit 2, as for a date typer cannot read
            err.print(f"error: {exc}", highlight=False, markup=False)
            raise typer.Exit(2) from None
        user = operator(rt, as_user, ("statistician",))
        found, export_id = wired_exports(rt).make(request, by=user.name)
        mark.detail = {"export": str(export_id), **found.report()}
        output.write_bytes(found.content)
    levels = ", ".join(f"{q}: {how}" for q, how in found.generalisations.items())
    out.print(
        f"wrote {len(found.rows)} records to {output} ({found.suppressed} of {found.considered} "
        f"suppressed; k = {k}); generalised: {levels}; SHA-256 {found.digest}; export {export_id}",
        highlight=False,
    )


@app.command("recalls")
def export_recalls(case_id: UUID) -> None:
    """The HTCDS exports that may hold a record of a case (to recall after its erasure)."""
    from referral_engine.adapters.htcds_exports import wired_exports

    with runtime() as rt:
        found = wired_exports(rt).recalls(case_id)
        mark.detail = {"exports": [f["export"] for f in found]}
    for entry in found:
        note = f" ({entry['uncertain']})" if "uncertain" in entry else ""
        out.print(
            f"{entry['export']}  {entry['made_at']}  {entry['made_by']}  {entry['digest']}{note}",
            highlight=False,
        )
    if not found:
        out.print("no export holds this case", highlight=False)
