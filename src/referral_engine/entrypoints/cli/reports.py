"""`referral-engine report NAME ...`: official statistics from the command line, the same
figures as the API (exact only for a statistician named with --as, on an official report)."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, Literal
from uuid import UUID

import typer

from referral_engine.entrypoints.cli.console import mark, operator, out, runtime

Format = Literal["csv", "xlsx"]


def report(
    name: str,
    start: Annotated[datetime | None, typer.Option("--from", formats=["%Y-%m-%d"])] = None,
    end: Annotated[datetime | None, typer.Option("--to", formats=["%Y-%m-%d"])] = None,
    by: Annotated[str | None, typer.Option(help="Up to two dimensions, e.g. year,region")] = None,
    region: Annotated[str | None, typer.Option()] = None,
    as_of: Annotated[
        datetime | None, typer.Option("--as-of", help="A recorded moment (ISO 8601; UTC if bare)")
    ] = None,
    as_user: Annotated[
        str | None, typer.Option("--as", help="A statistician: exact figures (audited)")
    ] = None,
    publish: Annotated[bool, typer.Option(help="Publish the exact figures (statistician)")] = False,
    reproduce: Annotated[
        UUID | None, typer.Option(help="Read a publication again as of its moment")
    ] = None,
    format: Annotated[str, typer.Option(help="csv or xlsx")] = "csv",
    output: Annotated[Path | None, typer.Option(help="File to write (default: stdout)")] = None,
) -> None:
    """Write a report's tables with every total: counts below k suppressed unless --as names a
    statistician and the report is official; --publish records them with their digest."""
    from referral_engine.application.report_formats import to_csv, to_xlsx
    from referral_engine.domain.errors import FieldProblem, InvalidData
    from referral_engine.entrypoints.http.statistics import asked, exact_for

    if format not in ("csv", "xlsx"):
        raise InvalidData([FieldProblem("format", "must be csv or xlsx")])
    if format == "xlsx" and output is None:
        raise InvalidData([FieldProblem("output", "an XLSX file needs --output FILE")])
    with runtime() as rt:
        user = operator(rt, as_user or "", ("statistician",)) if as_user or publish else None
        exact = user is not None and exact_for(user.role, name, rt.settings)
        if (publish or reproduce) and not exact:
            raise InvalidData(
                [
                    FieldProblem(
                        "as", "publishing names a statistician with --as, on an official report"
                    )
                ]
            )
        rt.projections.catch_up(["statistics"])  # report what the log holds now
        if reproduce is not None:
            found = rt.statistics.reproduce(reproduce)
        else:
            wanted = asked(
                name,
                start.date() if start else None,
                end.date() if end else None,
                by,
                region,
                as_of,
                exact,
                rt.engine.clock(),
            )
            if publish:
                assert user is not None
                publication, found = rt.statistics.publish(wanted, by=user.name)
                mark.detail = {"publication": str(publication.id)}
            else:
                found = rt.statistics.figures(wanted, k=rt.settings.suppression_k)
        mark.detail = {**mark.detail, "digest": found.digest, "exact": exact}
    if output is not None:
        if format == "xlsx":
            output.write_bytes(to_xlsx(found))
        else:
            output.write_text(to_csv(found), encoding="utf-8")
    elif not publish:
        sys.stdout.write(to_csv(found))
    if output is not None or publish:
        what = "exact" if exact else f"counts below {found.k} suppressed"
        done = f"published {mark.detail['publication']}, " if publish else ""
        out.print(f"{name}: {done}{what}, digest {found.digest}", highlight=False)
