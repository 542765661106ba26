"""Rules read from the workflow: which steps a role may take now on a case and its referrals, and
what waits for a receiving agency's answer."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Literal

from referral_engine.domain import conditions
from referral_engine.domain.access import NAMED, REFERRED
from referral_engine.domain.clocks import too_early
from referral_engine.domain.commands import Actor
from referral_engine.domain.conditions import ConditionSpec
from referral_engine.domain.records import CaseFacts
from referral_engine.domain.windows import too_late
from referral_engine.domain.workflow import ReferralSpec, TransitionSpec, WorkflowDefinition


def allowed_steps(
    workflow: WorkflowDefinition,
    case: CaseFacts,
    role: str,
    today: date | None = None,
    agency: str | None = None,
) -> list[TransitionSpec]:
    """Case-level steps (and sending a referral) that `role` may take in the case's state now
    (on `today`, when given: steps whose earliest date lies later, or whose window has closed,
    are left out); a step only the agency addressed may take is offered to a user of `agency`
    alone."""
    steps = [
        spec
        for spec in workflow.guard.steps_from(case.state)
        if role in spec.roles
        and (not spec.named_agency_only or addressed_agency(spec, case) == agency)
        and flags_hold(spec, case)
        and not unmet_conditions(spec, case, today)
        and (today is None or too_early(case, spec, today) is None)
        and (today is None or too_late(case, spec, today) is None)
    ]
    referrals = workflow.referrals
    if (
        referrals is not None
        and case.state in referrals.allowed_in
        and not unmet_sending(referrals, case, today)
        and role in referrals.send.roles
        and flags_hold(referrals.send, case)
    ):
        steps.append(referrals.send)
    return steps


def unmet_sending(
    referrals: ReferralSpec, case: CaseFacts, on: date | None = None
) -> list[ConditionSpec]:
    """The conditions under which a referral may be sent from the case's state that do not
    hold (`allowed_in` with `when`: a child referred from the screening)."""
    return conditions.unmet(referrals.allowed_when.get(case.state, ()), case.data, on)


def allowed_referral_steps(
    workflow: WorkflowDefinition, case: CaseFacts, referral_id: str, actor: Actor
) -> list[TransitionSpec]:
    """Steps `actor` may take on one referral now (receiving-agency steps need that agency)."""
    referral = case.referrals.get(referral_id)
    if referral is None or workflow.referrals is None or not workflow.referrals.active(case.state):
        return []
    return [
        spec
        for spec in workflow.referrals.guard.steps_from(referral.state)
        if actor.role in spec.roles
        and (not spec.receiving_agency_only or referral.agency == actor.agency)
        and flags_hold(spec, case)
        and not unmet_conditions(spec, case, data={**case.data, **referral.data})
    ]


StepKind = Literal["next", "change", "end"]
"""How a page offers an allowed step: as a next step, as a change of what the case already
holds (`repeats`, its flags set), or set apart as one that ends or undoes something (`ends`)."""
NEXT: StepKind = "next"
CHANGE: StepKind = "change"
END: StepKind = "end"


def step_kind(spec: TransitionSpec, case: CaseFacts) -> StepKind:
    """The kind of an allowed step on this case now (STEP_KINDS)."""
    if spec.ends:
        return END
    if spec.repeats and all(flag in case.flags for flag in spec.sets):
        return CHANGE
    return NEXT


def addressed_agency(spec: TransitionSpec, case: CaseFacts) -> str:
    """The agency the case was sent to by the step `spec` answers (`named_agency_only`): the
    addressee of that trigger's latest step ("" when none was taken)."""
    if spec.named_agency_only is None:
        return ""
    return case.addressed.get(spec.named_agency_only, ("", ""))[1]


def unmet_conditions(
    spec: TransitionSpec,
    case: CaseFacts,
    on: date | None = None,
    data: Mapping[str, object] | None = None,
) -> list[ConditionSpec]:
    """The step's conditions on the case's recorded data (or `data`: a referral step reads its
    referral's too) that do not hold, an age judged on `on` (None: not judged)."""
    return conditions.unmet(spec.when, case.data if data is None else data, on)


def flags_hold(spec: TransitionSpec, case: CaseFacts) -> bool:
    """Whether every flag the step requires is set on the case."""
    return all(flag in case.flags for flag in spec.requires)


def answers_referral(
    workflow: WorkflowDefinition, case_state: str, referral_state: str, role: str
) -> bool:
    """Whether the receiving agency's users of `role` have a step on a referral in
    `referral_state` while its case is in `case_state` (what puts it in their inbox)."""
    referrals = workflow.referrals
    return (
        referrals is not None
        and referrals.active(case_state)
        and answers_referral_in(workflow, referral_state, role)
    )


def answers_referral_in(workflow: WorkflowDefinition, referral_state: str, role: str) -> bool:
    """Whether the receiving agency's users of `role` have a step from `referral_state` (while
    its case lets referrals move)."""
    referrals = workflow.referrals
    return referrals is not None and any(
        spec.receiving_agency_only and role in spec.roles
        for spec in referrals.guard.steps_from(referral_state)
    )


def answers_case(workflow: WorkflowDefinition, case_state: str, role: str) -> bool:
    """Whether `role` has a step on a case in `case_state` (a case sent to its agency)."""
    return any(role in spec.roles for spec in workflow.guard.steps_from(case_state))


def receiving_roles(workflow: WorkflowDefinition) -> frozenset[str]:
    """The roles whose users receive work addressed to their agency: the receiving agency's
    referral steps, and the reach of cases sent or referred to their agency."""
    referrals = workflow.referrals
    steps = referrals.transitions if referrals is not None else ()
    answering = {role for spec in steps if spec.receiving_agency_only for role in spec.roles}
    reached = {role for role, reach in workflow.access.items() if reach & {NAMED, REFERRED}}
    return frozenset(answering | reached)
