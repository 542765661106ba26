"""A step taken from a posted form, as the case page and the inbox post it: the trigger, the
referral it moves (if any), the case version it was decided on, an idempotency key and the
step's fields, handed to the same engine command the JSON API's route for that step calls."""

from __future__ import annotations

from typing import NamedTuple
from uuid import UUID

from fastapi import Request
from starlette.datastructures import FormData

from referral_engine.adapters.security import User
from referral_engine.application.engine import Engine
from referral_engine.application.ports import AuditNote
from referral_engine.domain.commands import IDEMPOTENCY_KEY_MAX
from referral_engine.domain.fields import FieldSpec
from referral_engine.domain.views import StepResult
from referral_engine.domain.workflow import WorkflowDefinition
from referral_engine.entrypoints.http.audit import done, mark_of
from referral_engine.entrypoints.http.metrics import count_command
from referral_engine.entrypoints.web import forms
from referral_engine.entrypoints.web.deps import Refused

NAME_MAX = 100
"""The longest step name or referral id a form may post, as the API's step bodies take: no
workflow names one longer, and a longer one is refused before it is echoed or logged."""


def posted_step(form: FormData) -> tuple[str, str | None]:
    """The trigger a form posts, and the referral it moves (None: the case)."""
    trigger, referral_id = str(form.get("trigger", "")), str(form.get("referral_id", ""))
    if max(len(trigger), len(referral_id)) > NAME_MAX:
        raise Refused(422, "error.too_long_name", limit=NAME_MAX)
    return trigger, referral_id or None


def step_data(workflow: WorkflowDefinition, trigger: str, form: FormData) -> dict[str, object]:
    """The step's declared fields as the form posted them."""
    return forms.read(fields_of(workflow, trigger), form)


class PostedStep(NamedTuple):
    workflow: WorkflowDefinition
    trigger: str
    referral_id: str | None
    data: dict[str, object]


def posted(
    request: Request, engine: Engine, user: User, case_id: UUID, form: FormData
) -> PostedStep:
    """What a step form posted, read against the case's workflow (within the user's reach);
    the request's audit entry names the trigger."""
    workflow = engine.workflow_of(case_id, scope=user.reach)
    trigger, referral_id = posted_step(form)
    data = step_data(workflow, trigger, form)
    mark_of(request).detail = {"trigger": trigger}
    return PostedStep(workflow, trigger, referral_id, data)


def take(
    engine: Engine,
    user: User,
    case_id: UUID,
    workflow: WorkflowDefinition,
    form: FormData,
    data: dict[str, object],
    audit: AuditNote,
) -> StepResult:
    """The same engine command the JSON API's route for this kind of step calls (the trigger
    and the referral it concerns, if any), with the request's audit entry."""
    trigger, referral_id = posted_step(form)
    try:
        version = int(str(form.get("expected_version", "")))
    except ValueError:
        version = 0
    actor, key, scope = user.actor, key_of(form), user.reach
    if referral_id is not None:
        return engine.take_referral_step(
            case_id,
            referral_id,
            trigger,
            data,
            actor=actor,
            expected_version=version,
            idempotency_key=key,
            scope=scope,
            audit=audit,
        )
    if workflow.referrals is not None and trigger == workflow.referrals.send.trigger:
        return engine.send_referral(
            case_id,
            data,
            actor=actor,
            expected_version=version,
            idempotency_key=key,
            scope=scope,
            audit=audit,
        )
    return engine.take_step(
        case_id,
        trigger,
        data,
        actor=actor,
        expected_version=version,
        idempotency_key=key,
        scope=scope,
        audit=audit,
    )


def recorded(request: Request, result: StepResult) -> None:
    """The command is done: its audit entry names the case, and it counts as a command."""
    mark_of(request).concerns(result.case_id, result.region)
    done(request, result)
    count_command()


def fields_of(workflow: WorkflowDefinition, trigger: str) -> tuple[FieldSpec, ...]:
    spec = next((t for t in workflow.all_transitions() if t.trigger == trigger), None)
    return spec.fields if spec is not None else ()


def ends(workflow: WorkflowDefinition, trigger: str, referral_id: str | None) -> bool:
    """Whether the step ends or undoes something (`ends`: the case page asks to confirm it)."""
    referrals = workflow.referrals
    if referral_id is not None:
        steps = referrals.transitions if referrals is not None else ()
    else:
        steps = workflow.transitions
    return any(t.ends for t in steps if t.trigger == trigger)


def unconfirmed(
    workflow: WorkflowDefinition, trigger: str, referral_id: str | None, form: FormData
) -> bool:
    """A step that ends or undoes something posted without its box ticked: not recorded."""
    return ends(workflow, trigger, referral_id) and form.get("confirm") != "yes"


def key_of(form: FormData) -> str | None:
    key = form.get("idempotency_key")
    return key[:IDEMPOTENCY_KEY_MAX] if isinstance(key, str) and key else None
