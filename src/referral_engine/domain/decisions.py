"""Checks every command makes before it records anything: who may act, on what, when, and
whether it is a retry of a command already recorded."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date

from referral_engine.domain.agency_errors import NotAddressedAgency
from referral_engine.domain.clocks import too_early
from referral_engine.domain.commands import Context
from referral_engine.domain.conditions import WithheldSpec, value_problems, withheld_problems
from referral_engine.domain.errors import (
    ConditionNotMet,
    FieldProblem,
    IdempotencyKeyReused,
    InvalidData,
    NotReceivingAgency,
    PersonalDataErased,
    PreconditionMissing,
    RoleNotAllowed,
    TooEarly,
)
from referral_engine.domain.markers import is_marker
from referral_engine.domain.records import CaseFacts, FirstOutcome, StepOutcome
from referral_engine.domain.rules import addressed_agency, unmet_conditions
from referral_engine.domain.text import text_problem
from referral_engine.domain.workflow import TransitionSpec

REGION_MAX = 100
REASON_MAX = 500


def retried(
    idempotency: Mapping[str, FirstOutcome], ctx: Context, print_: str
) -> StepOutcome | None:
    """The first outcome of a retried command, or None when this key is new.

    A command that carried personal data left only a sealed digest, unreadable once the
    case is erased: its retry can no longer be matched, so it is refused, writing nothing."""
    key = ctx.key()
    if key is None or key not in idempotency:
        return None
    first = idempotency[key]
    if is_marker(first.fingerprint):
        raise PersonalDataErased(sorted(first.fields), retry=True)
    if first.fingerprint != print_:
        raise IdempotencyKeyReused(str(ctx.idempotency_key))
    return replace(first.outcome, replayed=True)


def check_actor(
    spec: TransitionSpec,
    case: CaseFacts,
    ctx: Context,
    receiving_agency: str | None = None,
    *,
    on: date | None = None,
    data: Mapping[str, object] | None = None,
) -> None:
    """The actor's role, agency, the case's data and flags allow the step (its conditions on
    `data`, default the case's, with ages judged on `on`, the day the step happens)."""
    if ctx.imported is None and ctx.actor.role not in spec.roles:
        raise RoleNotAllowed(spec.trigger, ctx.actor.role, sorted(spec.roles))
    if spec.receiving_agency_only and receiving_agency != ctx.actor.agency:
        raise NotReceivingAgency(spec.trigger, ctx.actor.agency, str(receiving_agency))
    addressed = addressed_agency(spec, case)
    if spec.named_agency_only and ctx.imported is None and addressed != ctx.actor.agency:
        raise NotAddressedAgency(spec.trigger, ctx.actor.agency, addressed, spec.named_agency_only)
    if unmet := unmet_conditions(spec, case, on, data):
        raise ConditionNotMet(spec.trigger, [c.facts(on) for c in unmet])
    missing = [flag for flag in spec.requires if flag not in case.flags]
    if missing:
        raise PreconditionMissing(spec.trigger, missing)


def check_not_before(case: CaseFacts, spec: TransitionSpec, on: date) -> None:
    """The step's earliest date, if it has one running, has come by `on`."""
    guard = too_early(case, spec, on)
    if guard is not None:
        raise TooEarly(spec.trigger, guard.earliest_on, guard.after, guard.started_on)


def check_values(spec: TransitionSpec, data: Mapping[str, object], case: CaseFacts) -> None:
    """Each value the step records that is allowed only for some cases fits this one."""
    if problems := value_problems(spec.value_conditions, data, case.data):
        raise InvalidData(problems)


def check_withheld(
    rules: Iterable[WithheldSpec],
    state: str,
    flags: set[str],
    case: CaseFacts,
    data: Mapping[str, object],
) -> None:
    """The case, with what the step records (`data`), holds no field withheld from it in the
    `state` the step leaves it in, with the flags it leaves set. A step that leaves the case
    where it stands is not refused for what the case already held there (a case of an earlier
    version, opened before the rule), only for what it records or for lifting what let it hold."""
    problems = withheld_problems(rules, state, flags, {**case.data, **data})
    if problems and state == case.state:
        held = {p.path for p in withheld_problems(rules, case.state, case.flags, case.data)}
        problems = [p for p in problems if p.path not in held or p.path[5:] in data]
    if problems:
        raise InvalidData(problems)


def check_reason(reason: str) -> str:
    """The reason of an erasure: required, at most REASON_MAX characters, free text."""
    if (found := text_problem(reason, free_text=True)) is not None:
        raise InvalidData([FieldProblem("reason", found.message, found.code, found.params)])
    reason = reason.strip()
    if not reason or len(reason) > REASON_MAX:
        problem = f"is required, at most {REASON_MAX} characters"
        raise InvalidData([FieldProblem("reason", problem)])
    return reason
