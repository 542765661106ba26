"""The referral sub-workflow: which step a referral may take, and what each step makes of it."""

from __future__ import annotations

from collections.abc import Container, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from referral_engine.domain.commands import Actor
from referral_engine.domain.errors import IllegalTransition, ReferralNotFound
from referral_engine.domain.markers import erase
from referral_engine.domain.records import CaseFacts, Referral
from referral_engine.domain.rules import allowed_referral_steps
from referral_engine.domain.workflow import ReferralSpec, TransitionSpec, WorkflowDefinition


def sending(workflow: WorkflowDefinition, case: CaseFacts, role: str) -> ReferralSpec:
    """The workflow's referral block, if a referral may be sent from the case's state."""
    referrals = workflow.referrals
    if referrals is None or case.state not in referrals.allowed_in:
        # sending is the only step this command takes, and it is not legal here
        trigger = referrals.send.trigger if referrals else "send_referral"
        raise IllegalTransition(trigger, case.state, [])
    return referrals


def named(referrals: ReferralSpec, data: Mapping[str, Any]) -> tuple[str, str]:
    """The agency and the service a referral's send data names (by the workflow's fields)."""
    return text(data, referrals.agency_field), text(data, referrals.service_field)


def step_on(
    workflow: WorkflowDefinition, case: CaseFacts, referral_id: str, trigger: str, actor: Actor
) -> tuple[Referral, TransitionSpec]:
    """The referral and the declaration of `trigger` from its state, if legal there now."""
    referral = case.referrals.get(referral_id)
    if referral is None or workflow.referrals is None:
        raise ReferralNotFound(referral_id)
    if not workflow.referrals.active(case.state):
        raise IllegalTransition(trigger, case.state, [])
    spec = workflow.referrals.guard.step(referral.state, trigger)
    if spec is None:
        legal = allowed_referral_steps(workflow, case, referral_id, actor)
        raise IllegalTransition(trigger, referral.state, [s.trigger for s in legal])
    return referral, spec


def sent(
    referral_id: str, agency: str, service: str, state: str, data: dict[str, Any], at: datetime
) -> Referral:
    """A referral as its sending records it."""
    return Referral(referral_id, agency, service, state, dict(data), (), at)


def moved(
    referral: Referral, name: str, state: str, data: dict[str, Any], at: datetime
) -> Referral:
    """The referral after a step of its own (sending included)."""
    step = {"name": name, "occurred_at": at.isoformat(), "data": data}
    return replace(referral, state=state, steps=(*referral.steps, step))


def erased(referral: Referral, names: Container[str]) -> Referral:
    """The referral with the personal fields `names` erased from its data and its steps."""
    steps = tuple({**s, "data": erase(s["data"], names)} for s in referral.steps)
    return replace(referral, data=erase(referral.data, names), steps=steps)


def text(data: Mapping[str, Any], field: str) -> str:
    """The text recorded in `field` ("" when none, or not text)."""
    value = data.get(field)
    return value if isinstance(value, str) else ""
