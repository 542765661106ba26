"""The inbox page of a user's agency (the `inbox` read model through application/inbox.py),
and the page answering one of its items: the item in a few words and a form per step the
user may take on it, posted back here and then back to the inbox."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from uuid import UUID, uuid4

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from referral_engine.adapters.security import User
from referral_engine.application.engine import Engine
from referral_engine.application.inbox import case_reference, inbox
from referral_engine.bootstrap import Runtime
from referral_engine.domain.errors import (
    AgencyNotFound,
    DomainError,
    InvalidData,
    ReferralNotFound,
    VersionConflict,
)
from referral_engine.domain.views import AllowedStep, CaseView, HistoryEntry
from referral_engine.domain.workflow import WorkflowDefinition
from referral_engine.entrypoints.http.audit import audited, command, mark_of
from referral_engine.entrypoints.http.deps import RuntimeDep
from referral_engine.entrypoints.http.problems import status_of
from referral_engine.entrypoints.web import forms, stepping
from referral_engine.entrypoints.web.case_page import Problem
from referral_engine.entrypoints.web.deps import InboxPageUser, PageRoute, Posted
from referral_engine.entrypoints.web.render import page, words_of, workflow_words

router = APIRouter(route_class=PageRoute, include_in_schema=False)
ReferralId = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")]
Failed = tuple[str, dict[str, object], DomainError | None]
"""A refused answer: its step, what it posted, why (None: an ending step posted unconfirmed)."""


@dataclass(frozen=True)
class StepForm:
    """One step's form on an item's page; one that ends or undoes something (a refusal) is set
    apart and recorded only once its box confirms it."""

    step: AllowedStep
    title: str
    widgets: list[forms.Widget]
    error: DomainError | None
    key: UUID
    confirm_error: str | None = None

    @property
    def ends(self) -> bool:
        return self.step.kind == "end"


@router.get("/inbox", response_class=HTMLResponse, dependencies=[audited("inbox.list")])
def inbox_page(
    request: Request, user: InboxPageUser, runtime: RuntimeDep, answered: UUID | None = None
) -> HTMLResponse:
    """What waits for the answer of the user's agency, overdue first, and what it accepted."""
    engine = runtime.engine
    if answered is not None:  # just answered here: show the inbox with that answer folded in
        runtime.projections.caught_up("inbox")
    found = inbox(runtime.projections, engine.workflows, user.reach, engine.clock().date())
    return page(
        request,
        "inbox.html",
        inbox=found,
        words_of=lambda item: workflow_words(
            request, engine.workflows.get(item.workflow_id, item.workflow_version)
        ),
        answered=case_reference(answered) if answered else None,
        agency=_agency_name(runtime, user, words_of(request).lang),
    )


def _agency_name(runtime: Runtime, user: User, lang: str) -> str | None:
    """The user's agency as the registry names it in `lang` (None: not registered)."""
    try:
        names = runtime.agencies.get(user.agency).names
    except AgencyNotFound:
        return None
    return names.get(lang) or names.get("en")


@router.get(
    "/inbox/cases/{case_id}", response_class=HTMLResponse, dependencies=[audited("case.read")]
)
def request_page(
    case_id: UUID, request: Request, user: InboxPageUser, runtime: RuntimeDep
) -> HTMLResponse:
    """Answer a case sent to the user's agency (e.g. a police verification request)."""
    return _item_page(request, user, runtime.engine, case_id, None)


@router.get(
    "/inbox/cases/{case_id}/referrals/{referral_id}",
    response_class=HTMLResponse,
    dependencies=[audited("case.read")],
)
def referral_page(
    case_id: UUID,
    referral_id: ReferralId,
    request: Request,
    user: InboxPageUser,
    runtime: RuntimeDep,
) -> HTMLResponse:
    """Answer a referral sent to the user's agency: accept, reject, record assistance."""
    return _item_page(request, user, runtime.engine, case_id, referral_id)


@router.post(
    "/inbox/cases/{case_id}/steps", response_model=None, dependencies=[audited("case.step")]
)
def answer(
    case_id: UUID, request: Request, user: InboxPageUser, runtime: RuntimeDep, form: Posted
) -> Response:
    """Take the step a form of an item's page posts; back to the inbox once it is recorded."""
    engine = runtime.engine
    workflow, trigger, referral_id, data = stepping.posted(request, engine, user, case_id, form)
    if stepping.unconfirmed(workflow, trigger, referral_id, form):
        return _item_page(request, user, engine, case_id, referral_id, (trigger, data, None), 422)
    try:
        result = stepping.take(engine, user, case_id, workflow, form, data, command(request, 303))
    except DomainError as exc:
        failed = (trigger, data, exc)
        return _item_page(request, user, engine, case_id, referral_id, failed, status_of(exc))
    stepping.recorded(request, result)
    return RedirectResponse(f"/inbox?answered={result.case_id}", status_code=303)


def _item_page(
    request: Request,
    user: User,
    engine: Engine,
    case_id: UUID,
    referral_id: str | None,
    failed: Failed | None = None,
    status: int = 200,
) -> HTMLResponse:
    """The item (a referral, or the case itself) and a form per step the user may take on it.
    Shown: the reference, region, service, state and deadlines; no personal data."""
    view = engine.case(case_id, reader=user.actor, scope=user.reach)
    mark_of(request).place(view.region)
    workflow = engine.workflows.get(view.workflow_id, view.workflow_version)
    text, t = workflow_words(request, workflow), words_of(request)
    referral = next((r for r in view.referrals if r.id == referral_id), None)
    if referral_id is not None and referral is None:
        raise ReferralNotFound(referral_id)
    step_forms = []
    for i, step in enumerate(_steps(view, workflow, referral_id)):
        this = failed is not None and failed[0] == step.trigger
        error = failed[2] if failed and this else None
        problems = error.problems if isinstance(error, InvalidData) else ()
        values = failed[1] if failed and this else None
        form = forms.Form(text, t, text.step_key(step.trigger, referral_id is not None))
        widgets = forms.widgets(step.fields, f"step{i}", form, values, problems)
        title = text.step(step.trigger, step.referral_id)
        unconfirmed = t("case.confirm_error", step=title) if this and error is None else None
        step_forms.append(StepForm(step, title, widgets, error, uuid4(), unconfirmed))
    error = failed[2] if failed else None
    return page(
        request,
        "inbox_item.html",
        changes=_since(engine, user, view, error),
        status=status,
        case=view,
        reference=case_reference(view.id),
        referral=referral,
        deadlines=[d for d in view.deadlines if d.referral_id == referral_id],
        workflow=workflow,
        step_forms=[f for f in step_forms if not f.ends],
        ending_forms=[f for f in step_forms if f.ends],
        problems=[
            Problem(f"#confirm-{f.step.trigger}", f.confirm_error)
            for f in step_forms
            if f.confirm_error
        ],
        error=error,
        unplaced=error is not None and not any(f.error is error for f in step_forms),
    )


def _since(
    engine: Engine, user: User, view: CaseView, error: DomainError | None
) -> list[HistoryEntry] | None:
    """After an answer decided on an older version of the case (a colleague answered first):
    what was recorded since, as far as the user sees the case's history (the page names each
    step, who took it and when, never its data). None after any other outcome."""
    if not isinstance(error, VersionConflict):
        return None
    return [h for h in engine.history(view.id, scope=user.reach) if h.version > error.expected]


def _steps(
    view: CaseView, workflow: WorkflowDefinition, referral_id: str | None
) -> list[AllowedStep]:
    """The steps the user may take on the item: the referral's, or the case's own (sending a
    referral is not answering one)."""
    send = workflow.referrals.send.trigger if workflow.referrals is not None else None
    return [
        s
        for s in view.allowed_steps
        if s.referral_id == referral_id and (referral_id is not None or s.trigger != send)
    ]
