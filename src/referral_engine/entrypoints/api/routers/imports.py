"""`POST /api/imports`: an admin uploads a past register and its mapping and gets the import's
report, as `referral-engine import` prints it (docs/import.md)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field

from referral_engine.application.importing import ImportReport, report_csv
from referral_engine.entrypoints.api.deps import Importer
from referral_engine.entrypoints.http.audit import audited
from referral_engine.entrypoints.http.deps import RuntimeDep
from referral_engine.entrypoints.http.imports import Upload, run_import
from referral_engine.entrypoints.http.problems import problem_responses
from referral_engine.entrypoints.http.text import NAME_CHECK

router = APIRouter(tags=["imports"])
PROBLEMS = problem_responses(
    {
        401: "No valid bearer token",
        403: "Only admins may import registers",
        404: "No such workflow or version",
        413: "The upload is larger than the import's limit (`max_import_bytes`)",
        422: "The file, the mapping, the workflow's version or the region cannot be used",
        503: "The database is unavailable",
    }
)
ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The report (JSON), or with format=csv every row not imported as CSV",
        "content": {"text/csv": {"schema": {"type": "string"}}},
    }
}
WorkflowId = Annotated[str, Form(min_length=1, max_length=100), NAME_CHECK]
RegionCode = Annotated[str | None, Form(max_length=100), NAME_CHECK]


class ProblemOut(BaseModel):
    column: str | None
    """The register's column, or None where the row as a whole is concerned."""
    problem: str


class RowOut(BaseModel):
    row: int
    """The row's number as a spreadsheet shows it (the header is row 1)."""
    row_id: str | None
    outcome: Literal["changed", "erased", "refused"]
    problems: list[ProblemOut]


class ReportOut(BaseModel):
    register_name: str = Field(alias="register")
    """The register as the mapping names it (`register:`)."""
    workflow: str
    """The workflow and version the cases run under (`ukraine-nrm@4`)."""
    file: str
    file_digest: str
    mapping_digest: str
    dry_run: bool
    rows: int
    done: int
    stopped: bool
    counts: dict[str, int] = Field(
        description="Rows imported, unchanged (already there as the row says), changed (there, "
        "but the row now says otherwise: left as it is), erased (its personal data erased "
        "since: never imported again) and refused (nothing written)."
    )
    rows_listed: list[RowOut]
    """Every row changed, erased or refused, in file order, with its problems."""


@router.post(
    "/api/imports",
    response_model=ReportOut,
    responses={**PROBLEMS, **ANSWERS},
    dependencies=[audited("register.import")],
)
def import_register(
    request: Request,
    user: Importer,
    runtime: RuntimeDep,
    file: Annotated[UploadFile, File(description="The register: a .csv or .xlsx file")],
    mapping: Annotated[
        UploadFile | str, File(description="The mapping (docs/import.md): a YAML file or text")
    ],
    workflow: WorkflowId,
    version: Annotated[int | None, Form(ge=1, le=10_000)] = None,
    region: RegionCode = None,
    dry_run: Annotated[bool, Form(description="Check every row, write nothing")] = False,
    format: Annotated[Literal["json", "csv"], Form()] = "json",
) -> ReportOut | Response:
    """Import a past register: each row a backdated case (imported now, dated by its columns),
    refused rows reported with their column and nothing written for them; a dry run writes
    nothing and reports the same. Importing the same file again adds nothing. The import runs
    within the request (about ten seconds for 10,000 rows)."""
    text = mapping if isinstance(mapping, str) else mapping.file.read()
    upload = Upload(
        file.filename or "",
        file.file.read(),
        text.encode() if isinstance(text, str) else text,
        workflow,
        version,
        region or None,
        dry_run,
    )
    report = run_import(request, runtime, user, upload)
    if format == "csv":
        name = upload.file_name.rsplit(".", 1)[0] or "register"
        return Response(
            report_csv(report),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{_ascii(name)}-report.csv"'},
        )
    return _out(report)


def _out(report: ImportReport) -> ReportOut:
    return ReportOut.model_validate(report.as_dict())


def _ascii(name: str) -> str:
    """A file name safe in a header: letters, digits, dot, dash, underscore."""
    kept = "".join(c if c.isascii() and (c.isalnum() or c in "._-") else "_" for c in name)
    return kept[:80] or "register"
