"""Where each step is taken: the route, method and body a legal step is posted with.

A case's legal steps are taken at three routes (case steps, sending a referral, one referral's
steps). A client that follows the API's own offers must be told which route takes which step
(a refusal lists only what its own command takes, to be posted to the route that refused it).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote
from uuid import UUID

from referral_engine.domain.views import AllowedStep
from referral_engine.domain.workflow import ReferralSpec

CASES = "/api/cases"
METHOD = "POST"


def case_steps_path(case_id: UUID) -> str:
    """The route that takes the case's own (case-level) steps."""
    return f"{CASES}/{case_id}/steps"


def referrals_path(case_id: UUID) -> str:
    """The route that sends a referral."""
    return f"{CASES}/{case_id}/referrals"


def referral_steps_path(case_id: UUID, referral_id: str) -> str:
    """The route that takes one referral's steps."""
    return f"{CASES}/{case_id}/referrals/{quote(referral_id, safe='')}/steps"


@dataclass(frozen=True)
class StepLink:
    """How one legal step is taken: `method` to `href`, with `trigger` as the body's trigger
    (None: the route takes none) and each declared field at its place in the body."""

    method: str
    href: str
    trigger: str | None
    field_paths: dict[str, str]


def is_sending(step: AllowedStep, referrals: ReferralSpec | None) -> bool:
    """Whether the step is the sending of a referral (taken at its own route, not as a trigger)."""
    send = referrals.send if referrals is not None else None
    return (
        send is not None
        and step.referral_id is None
        and (step.trigger, step.event) == (send.trigger, send.event)
    )


def link(case_id: UUID, step: AllowedStep, referrals: ReferralSpec | None) -> StepLink:
    """Where and with which body `step` is taken on the case."""
    in_data = {f.name: f"data.{f.name}" for f in step.fields}
    if referrals is not None and is_sending(step, referrals):
        # the referral route takes the agency and the service as members of their own
        top = {referrals.agency_field: "agency", referrals.service_field: "service"}
        return StepLink(METHOD, referrals_path(case_id), None, {**in_data, **top})
    if step.referral_id is not None:
        href = referral_steps_path(case_id, step.referral_id)
    else:
        href = case_steps_path(case_id)
    return StepLink(METHOD, href, step.trigger, in_data)
