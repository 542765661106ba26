"""The case page: the case as a person's file with the steps open to the reader as a short list
of actions, or one step's form alone (`/cases/{id}?step=TRIGGER&referral=ID`), shown again
after a refused submission with a summary of its problems at the top, each a link to its field
(web/routes/cases.py routes to it)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any
from uuid import UUID, uuid4

from fastapi import Request
from fastapi.responses import HTMLResponse

from referral_engine.adapters.security import User
from referral_engine.bootstrap import Runtime
from referral_engine.domain.case_file import PAPER_EVENTS
from referral_engine.domain.errors import DomainError, InvalidData, VersionConflict
from referral_engine.domain.views import AllowedStep, CaseView, HistoryEntry
from referral_engine.domain.workflow import WorkflowDefinition
from referral_engine.entrypoints.http import gates
from referral_engine.entrypoints.http.duplicates import duplicates, told
from referral_engine.entrypoints.web import alerts, explain, forms, person_file
from referral_engine.entrypoints.web.case_file import Failed as CaseFileFailed
from referral_engine.entrypoints.web.case_file import case_file
from referral_engine.entrypoints.web.i18n import Translator
from referral_engine.entrypoints.web.moves import FORMS, MOVING_EVENTS, Moves, moves
from referral_engine.entrypoints.web.moves import Failed as MovesFailed
from referral_engine.entrypoints.web.present import case_shown, steps_taken
from referral_engine.entrypoints.web.render import agency_names, page, words_of, workflow_words
from referral_engine.entrypoints.web.routes import papers
from referral_engine.entrypoints.web.workflow_text import WorkflowText

Chosen = tuple[str, str | None]
"""A step as a link or a form names it: its trigger and the referral it moves (None: the case)."""
LATEST = 5
"""How many of the latest steps the case page lists (the history page has them all)."""
FORM_ID = "step0"
"""The prefix of the step form's field ids (one form at a time)."""


@dataclass(frozen=True)
class Failed:
    """A refused step form: what it posted and why (`error` None: a step that ends something
    posted without its confirmation)."""

    trigger: str
    referral_id: str | None
    data: dict[str, object]
    error: DomainError | None


@dataclass(frozen=True)
class StepForm:
    """The one step form the page shows."""

    step: AllowedStep
    title: str
    widgets: list[forms.Widget]
    key: UUID
    confirm_error: str | None = None

    @property
    def ends(self) -> bool:
        return self.step.kind == "end"

    @property
    def id(self) -> str:
        return f"form-{self.step.trigger}" + (
            f"-{self.step.referral_id}" if self.step.referral_id else ""
        )


@dataclass(frozen=True)
class Problem:
    """One line of the error summary: a link to the field to fix, and what to do."""

    href: str
    text: str


def render(
    request: Request,
    user: User,
    runtime: Runtime,
    view: CaseView,
    *,
    step: Chosen | None = None,
    failed: Failed | None = None,
    moved: MovesFailed | None = None,
    paper: CaseFileFailed | None = None,
    move: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    """The case page: the chosen step's form alone (a failed one's again), or the chosen form
    moving the case alone (a failed one's again), else the file."""
    engine = runtime.engine
    workflow = engine.workflows.get(view.workflow_id, view.workflow_version)
    wanted = (failed.trigger, failed.referral_id) if failed else step
    picked = person_file.chosen(view.allowed_steps, *wanted) if wanted else None
    t, text = words_of(request), workflow_words(request, workflow)
    moving = None
    if picked is None:
        moving = moves(view, workflow, user, engine, runtime.users, (t, text), moved)
    opened = moved[0] if moved and moved[0] in FORMS else move
    if moving is not None and moving.opens(opened):
        return _move_page(request, user, runtime, view, workflow, moving, str(opened), status)
    # a step's page shows who the case is about, not the file: only that is disclosed
    shown = case_shown(request, user, engine, _named(view, workflow) if picked else view)
    error = failed.error if failed else None
    events = steps_taken(user, engine, view.id)
    context: dict[str, Any] = {
        "case": shown,
        "workflow": workflow,
        "header": person_file.header(shown, workflow, events, engine.clock().date()),
        "error": error,
        "changes": [h for h in events if h.version > error.expected]
        if isinstance(error, VersionConflict)
        else [],
    }
    if picked is not None:
        form = _step_form(request, runtime, shown, workflow, picked, failed)
        problems = _problems(request, workflow, form, error)
        return page(
            request, "case_step.html", status=status, form=form, problems=problems, **context
        )
    unplaced = error is not None and not isinstance(error, VersionConflict)
    return page(
        request,
        "case.html",
        status=status,
        offered=person_file.Offered.of(shown.allowed_steps),
        problems=[Problem("#steps", _explained(request, error, text))] if unplaced else [],
        unavailable=(wanted is not None and error is None) or opened is not None,
        latest=events[-LATEST:][::-1],
        assistance=person_file.assistance_events(workflow),
        done=(done := _done_event(request, workflow)),
        done_step=_done_step(request, events, done),
        moves=moving,
        papers=papers.listed(runtime, user, view.id),
        case_file=case_file(request, user, runtime, view.id, (t, text), paper),
        **_duplicates(request, user, runtime, view.id),
        **context,
    )


def _move_page(
    request: Request,
    user: User,
    runtime: Runtime,
    view: CaseView,
    workflow: WorkflowDefinition,
    moving: Moves,
    opened: str,
    status: int,
) -> HTMLResponse:
    """One form moving the case, alone (`?move=`), with the summary of its problems on top."""
    engine = runtime.engine
    shown = case_shown(request, user, engine, _named(view, workflow))
    events = steps_taken(user, engine, view.id)
    found = moving.failed == opened
    problems = [Problem(f"#{opened}-{name}", said) for name, said in moving.problems.items()]
    if found and moving.confirm_error:
        problems.append(Problem(f"#confirm-{opened}", moving.confirm_error))
    if found and moving.error:
        problems.append(Problem(f"#form-{opened}", moving.error))
    return page(
        request,
        "case_move.html",
        status=status,
        case=shown,
        workflow=workflow,
        header=person_file.header(shown, workflow, events, engine.clock().date()),
        moves=moving,
        move=opened,
        title=words_of(request)(FORMS[opened][1]),
        problems=problems if found else [],
    )


def _named(view: CaseView, workflow: WorkflowDefinition) -> CaseView:
    """The case as a step's page needs it: the fields naming the person, the referrals by
    their service and agency (none of their data)."""
    naming = {*workflow.persons.names, *workflow.persons.numbers}
    return replace(
        view,
        data={k: v for k, v in view.data.items() if k in naming},
        referrals=tuple(replace(r, data={}, steps=()) for r in view.referrals),
    )


def _step_form(
    request: Request,
    runtime: Runtime,
    view: CaseView,
    workflow: WorkflowDefinition,
    step: AllowedStep,
    failed: Failed | None,
) -> StepForm:
    text, t = workflow_words(request, workflow), words_of(request)
    form = forms.Form(text, t, text.step_key(step.trigger, step.referral_id is not None))
    pickers = None
    if any(f.type == "agency" for f in step.fields):  # the registry, only when asked
        pickers = forms.agency_pickers(step.fields, runtime.engine.agencies, view.region, form)
    error = failed.error if failed else None
    problems = error.problems if isinstance(error, InvalidData) else ()
    values = failed.data if failed else None
    widgets = forms.widgets(step.fields, FORM_ID, form, values, problems, pickers)
    title = text.step(step.trigger, step.referral_id)
    unconfirmed = failed is not None and failed.error is None
    confirm_error = t("case.confirm_error", step=title) if unconfirmed else None
    return StepForm(step, title, widgets, uuid4(), confirm_error)


def _problems(
    request: Request, workflow: WorkflowDefinition, form: StepForm, error: DomainError | None
) -> list[Problem]:
    """The error summary: each field's problem linking to it, the confirmation box's, or the
    refusal as a whole linking to the field it names (else the form)."""
    found = [Problem(f"#{w.id}", said) for w in form.widgets for said in w.errors]
    if form.confirm_error:
        found.append(Problem("#confirm", form.confirm_error))
    if error is None or isinstance(error, VersionConflict) or found:
        return found
    named = getattr(error, "field", None)
    target = next((w.id for w in form.widgets if w.spec.name == named), form.id)
    return [Problem(f"#{target}", _explained(request, error, workflow_words(request, workflow)))]


def _explained(request: Request, error: DomainError | None, text: WorkflowText) -> str:
    t: Translator = words_of(request)
    if error is None:
        return ""
    said = explain.error(error, t, text, agency_names(request, t.lang))
    return f"{t('step.not_recorded')} {said}"


def _duplicates(request: Request, user: User, runtime: Runtime, case_id: UUID) -> dict[str, Any]:
    """The opener's notice after the duplicate check (`?duplicates=`), and for a supervisor
    the case's possible duplicates and links (while the persons index is built: none)."""
    said = request.query_params.get("duplicates")
    pairs = []
    if gates.PERSON_ALERTS.admits(user.role):
        try:
            found = duplicates(runtime).of_case(case_id, user.reach)
            pairs = alerts.shown(request, runtime, user, found)
        except LookupError:
            pairs = []
    return {
        "known": told(runtime, user, case_id) if said == "found" else (),
        "pending": said == "pending",
        "pairs": pairs,
    }


def _done_step(
    request: Request, events: list[HistoryEntry], event: str | None
) -> tuple[str, str | None] | None:
    """The step (trigger, referral) that recorded `event` at the page address's `version`:
    several steps may record one event (a waiver for a mental state, or for a child), and the
    notice names the one taken."""
    version = request.query_params.get("version", "")
    if event is None or not version.isdigit():
        return None
    entry = next((h for h in events if h.version == int(version)), None)
    if entry is None or entry.event != event or not entry.trigger:
        return None
    return entry.trigger, entry.referral_id


def _done_event(request: Request, workflow: WorkflowDefinition) -> str | None:
    """The event a command just recorded, named in the page's address (a known one only)."""
    event = request.query_params.get("done")
    return event if event in workflow.event_names() | MOVING_EVENTS | set(PAPER_EVENTS) else None
