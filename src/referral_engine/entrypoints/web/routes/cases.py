"""Caseworkers' pages: opening a case, the case page and its step forms (the queue: queue.py)."""

from __future__ import annotations

from uuid import UUID, uuid4

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from referral_engine.adapters.security import User
from referral_engine.bootstrap import Runtime
from referral_engine.domain.errors import (
    DomainError,
    InvalidData,
    RegionNotAllowed,
)
from referral_engine.domain.views import StepResult
from referral_engine.domain.workflow import WorkflowDefinition
from referral_engine.entrypoints.http.audit import audited, command
from referral_engine.entrypoints.http.deps import RuntimeDep
from referral_engine.entrypoints.http.duplicates import Checked, after_command
from referral_engine.entrypoints.http.problems import status_of
from referral_engine.entrypoints.web import case_page as case_pages
from referral_engine.entrypoints.web import explain, forms, stepping
from referral_engine.entrypoints.web.case_file import Failed as CaseFileFailed
from referral_engine.entrypoints.web.deps import CasePageUser, PageRoute, Posted, Text
from referral_engine.entrypoints.web.moves import Failed as MovesFailed
from referral_engine.entrypoints.web.render import page, words_of, workflow_words
from referral_engine.entrypoints.web.workflow_text import WorkflowText
from referral_engine.workflows.loader import WorkflowRegistry

router = APIRouter(route_class=PageRoute, include_in_schema=False)


def openable(workflows: WorkflowRegistry, user: User) -> list[WorkflowDefinition]:
    """The newest version of each workflow this user's role may open cases under."""
    newest: dict[str, WorkflowDefinition] = {}
    for w in workflows:
        if user.role in w.opening.roles and w.version > getattr(newest.get(w.id), "version", 0):
            newest[w.id] = w
    return list(newest.values())


@router.get("/cases/new", response_class=HTMLResponse)
def new_case(
    request: Request, user: CasePageUser, runtime: RuntimeDep, workflow: Text = None
) -> HTMLResponse:
    """The form that opens a case, generated from the workflow's opening fields."""
    choices = openable(runtime.engine.workflows, user)
    if workflow is None and choices:
        return _new_case_page(request, user, choices[0])
    chosen = runtime.engine.workflows.get(workflow or "")
    return _new_case_page(request, user, chosen)


def _new_case_page(
    request: Request,
    user: User,
    workflow: WorkflowDefinition,
    *,
    values: dict[str, object] | None = None,
    region: str = "",
    error: DomainError | None = None,
    status: int = 200,
) -> HTMLResponse:
    problems = error.problems if isinstance(error, InvalidData) else ()
    form = forms.Form(workflow_words(request, workflow), words_of(request), "opening")
    region_errors = [
        explain.field_problem(p, form.t, form.text) for p in problems if p.path == "region"
    ]
    if isinstance(error, RegionNotAllowed):
        region_errors.append(explain.error(error, form.t))
    widgets = forms.widgets(workflow.opening.fields, "open", form, values, problems)
    summary = [case_pages.Problem("#open-region", said) for said in region_errors]
    summary += [case_pages.Problem(f"#{w.id}", said) for w in widgets for said in w.errors]
    return page(
        request,
        "new_case.html",
        status=status,
        workflow=workflow,
        widgets=widgets,
        regions=_regions(workflow, user, form.text),
        region=region,
        region_errors=region_errors,
        error=error,
        problems=summary,
        key=uuid4(),
    )


def _regions(workflow: WorkflowDefinition, user: User, text: WorkflowText) -> list[tuple[str, str]]:
    """The regions this user may open a case of this workflow in: (code, name), by name."""
    codes = list(workflow.regions) or sorted(user.scope or ())
    mine = [c for c in codes if user.scope is None or c in user.scope]
    return sorted(((c, text.region(c)) for c in mine), key=lambda r: r[1].casefold())


@router.post("/cases/new", response_model=None, dependencies=[audited("case.open")])
def open_case(request: Request, user: CasePageUser, runtime: RuntimeDep, form: Posted) -> Response:
    """Open a case from the submitted form; errors are shown next to their fields."""
    workflow = runtime.engine.workflows.get(str(form.get("workflow", "")))
    data = forms.read(workflow.opening.fields, form)
    region = str(form.get("region", "")).strip()
    try:
        result = runtime.engine.open_case(
            workflow.id,
            region,
            data,
            actor=user.actor,
            idempotency_key=stepping.key_of(form),
            scope=user.reach,
            audit=command(request, 303),
        )
    except DomainError as exc:  # each error its own status: 422, 403 (role, region), ...
        return _new_case_page(
            request, user, workflow, values=data, region=region, error=exc, status=status_of(exc)
        )
    stepping.recorded(request, result)
    return done(result, after_command(runtime, user, result.case_id, data))


@router.get("/cases/{case_id}", response_class=HTMLResponse, dependencies=[audited("case.read")])
def case_page(
    case_id: UUID,
    request: Request,
    user: CasePageUser,
    runtime: RuntimeDep,
    step: Text = None,
    referral: Text = None,
    move: Text = None,
) -> HTMLResponse:
    """The case as a person's file with the steps open to the user, or one step's form, or one
    form moving the case (`move`: request, accept, refuse or withdraw a transfer)."""
    view = runtime.engine.case(case_id, reader=user.actor, scope=user.reach)
    chosen = (step, referral or None) if step else None
    return case_pages.render(request, user, runtime, view, step=chosen, move=move or None)


@router.post("/cases/{case_id}/steps", response_model=None, dependencies=[audited("case.step")])
def take_step(
    case_id: UUID, request: Request, user: CasePageUser, runtime: RuntimeDep, form: Posted
) -> Response:
    """Take one step (case, referral or sending a referral) from its form; one that ends
    something only once its box confirms it."""
    engine = runtime.engine
    workflow, trigger, referral_id, data = stepping.posted(request, engine, user, case_id, form)
    if stepping.unconfirmed(workflow, trigger, referral_id, form):
        view = engine.case(case_id, reader=user.actor, scope=user.reach)
        failed = case_pages.Failed(trigger, referral_id, data, None)
        return case_pages.render(request, user, runtime, view, failed=failed, status=422)
    try:
        result = stepping.take(engine, user, case_id, workflow, form, data, command(request, 303))
    except DomainError as exc:
        view = engine.case(case_id, reader=user.actor, scope=user.reach)
        failed = case_pages.Failed(trigger, referral_id, data, exc)
        return case_pages.render(request, user, runtime, view, failed=failed, status=status_of(exc))
    stepping.recorded(request, result)
    checked = None if result.replayed else after_command(runtime, user, case_id, data)
    return done(result, checked)


def case_page_after(
    request: Request,
    user: User,
    runtime: Runtime,
    case_id: UUID,
    moved: MovesFailed | None,
    status: int,
    paper: CaseFileFailed | None = None,
) -> HTMLResponse:
    """The case page again after a refused form moving the case (web/moves.py) or adding a
    note or a document (web/case_file.py)."""
    view = runtime.engine.case(case_id, reader=user.actor, scope=user.reach)
    return case_pages.render(request, user, runtime, view, moved=moved, paper=paper, status=status)


def done(result: StepResult, checked: Checked | None = None) -> RedirectResponse:
    """After a command, the case page (a reload does not post the form again); after the
    duplicate check, saying whether it found a match (shown) or is to run later."""
    target = f"/cases/{result.case_id}?done={result.event}&version={result.version}"
    if checked is not None and (checked.pending or checked.found):
        target += "&duplicates=" + ("pending" if checked.pending else "found")
    return RedirectResponse(target, status_code=303)
