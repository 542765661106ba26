"""The import page: an admin uploads a past register and its mapping, chooses the workflow (and
the one region of every row, if the file has none), checks it in a dry run or imports it, and
reads the report: the counts, then the rows not imported with their problems (docs/import.md).
The same run and audit entry as `POST /api/imports` (entrypoints/http/imports.py)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData, UploadFile

from referral_engine.bootstrap import Runtime
from referral_engine.domain.errors import DomainError
from referral_engine.domain.workflow import WorkflowDefinition
from referral_engine.entrypoints.http.audit import audited
from referral_engine.entrypoints.http.deps import RuntimeDep
from referral_engine.entrypoints.http.imports import PAGE_PATH, Upload, run_import
from referral_engine.entrypoints.http.problems import status_of
from referral_engine.entrypoints.web import explain
from referral_engine.entrypoints.web.deps import ImporterPageUser, PageRoute, Posted
from referral_engine.entrypoints.web.import_view import report_view
from referral_engine.entrypoints.web.render import page, region_names, words_of
from referral_engine.entrypoints.web.report_view import alphabetical

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get(PAGE_PATH, response_class=HTMLResponse)
def import_form(request: Request, user: ImporterPageUser, runtime: RuntimeDep) -> HTMLResponse:
    """The form: the register, its mapping, the workflow, the region, check only (by default)."""
    return _page(request, runtime, {"workflow": "", "region": "", "dry_run": True})


@router.post(PAGE_PATH, response_class=HTMLResponse, dependencies=[audited("register.import")])
def import_register(
    request: Request, user: ImporterPageUser, runtime: RuntimeDep, form: Posted
) -> HTMLResponse:
    """Check or import the register, then show the form again with the report (or with what
    stopped the import: an unreadable file, a mapping that does not fit, an unknown region)."""
    chosen = {
        "workflow": _text(form, "workflow"),
        "region": _text(form, "region"),
        "dry_run": form.get("dry_run") is not None,
    }
    try:
        workflow = runtime.engine.workflows.get(str(chosen["workflow"]))
        report = run_import(request, runtime, user, _upload(form, workflow, chosen))
    except DomainError as exc:
        said = explain.error(exc, words_of(request))
        return _page(request, runtime, chosen, error=said, status=status_of(exc))
    view = report_view(report, workflow, words_of(request))
    return _page(request, runtime, chosen, report=report, view=view)


def _upload(form: FormData, workflow: WorkflowDefinition, chosen: dict[str, object]) -> Upload:
    file, mapping = form.get("file"), form.get("mapping")
    return Upload(
        file.filename or "" if isinstance(file, UploadFile) else "",
        file.file.read() if isinstance(file, UploadFile) else b"",
        mapping.file.read() if isinstance(mapping, UploadFile) else b"",
        workflow.id,
        None,
        str(chosen["region"]) or None,
        bool(chosen["dry_run"]),
    )


def _page(
    request: Request,
    runtime: Runtime,
    chosen: dict[str, object],
    *,
    status: int = 200,
    error: str | None = None,
    **report: object,
) -> HTMLResponse:
    t = words_of(request)
    name = region_names(request, t)
    newest: dict[str, WorkflowDefinition] = {w.id: w for w in runtime.engine.workflows}
    regions = [  # each workflow's regions under its title (a Ukrainian register has no England)
        (w, sorted(((c, name(c)) for c in w.regions), key=lambda item: alphabetical(item[1])))
        for w in newest.values()
    ]
    return page(
        request,
        "imports.html",
        status=status,
        workflows=list(newest.values()),
        regions=regions,
        chosen=chosen,
        error=error,
        report=report.get("report"),
        view=report.get("view"),
    )


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""
