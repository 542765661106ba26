"""`POST /api/exports/htcds`: a statistician's anonymised case-level file in the HTCDS
(docs/htcds.md), as `referral-engine export htcds` writes it: the file is the answer's body, what
the export says of itself (records considered, exported and suppressed, each quasi-identifier's
generalisation, the file's SHA-256, the export's id in the ledger) is in its `X-Export-*`
headers; audited with the parameters, the counts and the digest."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import Field, StrictInt

from referral_engine.adapters.htcds_exports import wired_exports
from referral_engine.application.htcds_export import DEFAULT_K, HtcdsExport, checked
from referral_engine.entrypoints.api.deps import Publisher
from referral_engine.entrypoints.api.models import Request as Body
from referral_engine.entrypoints.http.audit import audited, mark_of
from referral_engine.entrypoints.http.deps import RuntimeDep
from referral_engine.entrypoints.http.problems import problem_responses
from referral_engine.entrypoints.http.text import Name

router = APIRouter(tags=["exports"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MEDIA = {"csv": "text/csv; charset=utf-8", "xlsx": XLSX}
PROBLEMS = problem_responses(
    {
        400: "The body is not UTF-8 text",
        401: "No valid bearer token",
        403: "Only statisticians make case-level exports",
        422: "Invalid parameters: each error names its parameter and a `code` (from_after_to, "
        "to_in_future, k_out_of_range, unknown_field, quasi_count) or the body's shape",
        503: "The database is unavailable",
    }
)


def _header(description: str, kind: str = "string") -> dict[str, Any]:
    return {"description": description, "schema": {"type": kind}}


FILE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The file (CSV or XLSX, as `format` asks), an attachment; the report in "
        "the headers",
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            XLSX: {"schema": {"type": "string", "format": "binary"}},
        },
        "headers": {
            "X-Export-Id": _header("The export's id in the ledger of exports (for recalls)"),
            "X-Export-As-Of": _header("The moment the event log was read as of (ISO 8601)"),
            "X-Export-Considered": _header("Cases opened in the period", "integer"),
            "X-Export-Exported": _header("Records in the file", "integer"),
            "X-Export-Suppressed": _header("Records suppressed for k-anonymity", "integer"),
            "X-Export-Generalisations": _header(
                "Each quasi-identifier and its generalisation in words: a JSON object (ASCII)"
            ),
            "X-Export-Digest": _header("The file's SHA-256, hexadecimal (as the audit keeps it)"),
        },
    }
}
Quasi = Annotated[Name, Field(min_length=1, max_length=100)]


class HtcdsExportIn(Body):
    start: date | None = Field(
        default=None,
        alias="from",
        description="Cases opened from this day (default: 1 January of `to`'s year)",
    )
    end: date | None = Field(
        default=None,
        alias="to",
        description="Cases opened up to this day, included (default: today)",
    )
    k: StrictInt = Field(
        default=DEFAULT_K, description="Each combination shared by at least k records (2 to 1000)"
    )
    quasi: list[Quasi] | None = Field(
        default=None,
        max_length=20,
        description="The quasi-identifiers, HTCDS field names (default: sex, age band, "
        "citizenship, forms of exploitation, country of exploitation, year)",
    )
    format: Literal["csv", "xlsx"] = "csv"


@router.post(
    "/api/exports/htcds",
    response_class=Response,
    responses={**PROBLEMS, **FILE},
    dependencies=[audited("export.htcds")],
)
def export_htcds(
    body: HtcdsExportIn, user: Publisher, runtime: RuntimeDep, request: Request
) -> Response:
    """An anonymised case-level file in the Human Trafficking Case Data Standard: the cases
    opened from `from` to `to` as the event log stood at the end of `to`, no direct identifier,
    k-anonymous on the quasi-identifiers (generalised, then the rarest records suppressed); the
    same bytes for the same data and parameters. Kept in the ledger of exports with its cases
    as keyed hashes, so that an erasure names the files to recall. For statisticians (403 for
    everyone else)."""
    today = runtime.engine.clock().date()
    wanted = checked(body.start, body.end, body.k, body.quasi, body.format, today)
    found, export_id = wired_exports(runtime).make(wanted, by=user.name)
    mark_of(request).detail = {"export": str(export_id), **found.report()}
    return Response(
        found.content, media_type=MEDIA[wanted.format], headers=_headers(found, export_id)
    )


def _headers(found: HtcdsExport, export_id: object) -> dict[str, str]:
    r = found.request
    name = f"htcds-{r.start.isoformat()}-{r.end.isoformat()}.{r.format}"
    return {
        "Content-Disposition": f'attachment; filename="{name}"',
        "X-Export-Id": str(export_id),
        "X-Export-As-Of": found.as_of.isoformat(),
        "X-Export-Considered": str(found.considered),
        "X-Export-Exported": str(len(found.rows)),
        "X-Export-Suppressed": str(found.suppressed),
        "X-Export-Generalisations": json.dumps(found.generalisations, separators=(",", ":")),
        "X-Export-Digest": found.digest,
    }
