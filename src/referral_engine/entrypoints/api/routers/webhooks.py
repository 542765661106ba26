"""Webhook subscriptions (admins only, each change audited): register one for a registered
agency or an integration, list them, rotate one's secret, end one, read its deliveries, send
parked ones again.
Payloads, signatures and retries: docs/webhooks.md."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from referral_engine.domain.webhooks import Delivery, Subscription
from referral_engine.entrypoints.api.deps import Admin
from referral_engine.entrypoints.api.models import Request as Body
from referral_engine.entrypoints.http.audit import audited, mark_of
from referral_engine.entrypoints.http.deps import RuntimeDep
from referral_engine.entrypoints.http.problems import problem_responses
from referral_engine.entrypoints.http.text import Name

router = APIRouter(prefix="/api/webhooks", tags=["webhooks"])
State = Literal["pending", "delivered", "parked", "not_shown"]
Code = Annotated[Name, Field(min_length=1, max_length=100)]
PROBLEMS = problem_responses(
    {
        400: "The body is not UTF-8 text or not JSON",
        401: "No valid bearer token",
        403: "Not an admin",
        404: "No such subscription or delivery",
        422: "Invalid input (an unknown agency, role or event type, a URL or secret refused)",
        503: "The database or the audit log is unavailable",
    }
)


class SubscriptionIn(Body):
    kind: Literal["agency", "integration"] = Field(
        description="agency: a registered agency, seeing what its users of `role` see; "
        "integration: another system, seeing the events of its regions without personal data"
    )
    name: Annotated[Name, Field(min_length=2, max_length=64)] = Field(
        description="The registered agency's id, or the integration's name (a-z, 0-9, '-')"
    )
    url: Annotated[Name, Field(min_length=1, max_length=2000)] = Field(
        description="Where to POST: http:// or https://, no user name or password in it"
    )
    role: Code | None = Field(
        default=None, description="agency: the role whose need-to-know it gets; integration: none"
    )
    regions: Annotated[list[Code], Field(min_length=1, max_length=200)] | None = Field(
        default=None,
        description="ISO 3166-2 codes; agency: regions it serves (default: all of them); "
        "integration: default every region",
    )
    events: Annotated[list[Code], Field(max_length=200)] = Field(
        default_factory=list, description="Event types (docs/webhooks.md); empty: every type"
    )
    secret: Annotated[Name, Field(max_length=200)] | None = Field(
        default=None, description="whsec_ and 24-64 bytes in base64; omitted: one is generated"
    )


class SubscriptionOut(BaseModel):
    id: UUID
    kind: Literal["agency", "integration"]
    name: str
    role: str | None
    regions: list[str] | None
    url: str
    events: list[str]
    created_at: datetime
    created_by: str
    ended_at: datetime | None
    previous_secret_until: datetime | None = Field(
        description="After a rotation: until when the secret before the current one also signs"
    )
    deliveries: dict[str, int] = Field(description="How many deliveries are in each state")

    @classmethod
    def of(cls, s: Subscription, counts: dict[str, int]) -> SubscriptionOut:
        return cls(
            **{**vars(s), "regions": None if s.regions is None else list(s.regions)},
            deliveries=counts,
        )


class SubscriptionCreated(SubscriptionOut):
    secret: str = Field(description="The signing secret (whsec_...): shown this once only")


class DeliveryOut(BaseModel):
    id: str = Field(description="The `webhook-id` every attempt carries")
    position: int
    case_id: UUID
    case_version: int
    event_type: str
    state: State
    attempts: int
    next_attempt_at: datetime | None
    last_status: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None

    @classmethod
    def of(cls, d: Delivery) -> DeliveryOut:
        fields = {k: v for k, v in vars(d).items() if k != "subscription_id"}
        return cls(**fields)


class SecretIn(Body):
    secret: Annotated[Name, Field(max_length=200)] | None = Field(
        default=None, description="whsec_ and 24-64 bytes in base64; omitted: one is generated"
    )


class RedeliverIn(Body):
    delivery: Code | None = Field(
        default=None, description="The delivery's id (msg_...); omitted: every parked one"
    )


class Redelivered(BaseModel):
    redelivered: int = Field(description="How many deliveries will be sent again")


@router.post(
    "",
    response_model=SubscriptionCreated,
    status_code=201,
    responses=PROBLEMS,
    dependencies=[audited("webhook.subscribe")],
)
def subscribe(
    body: SubscriptionIn, user: Admin, runtime: RuntimeDep, request: Request, response: Response
) -> SubscriptionCreated:
    """Register a subscription; its secret is in this answer only."""
    found, secret = runtime.webhooks.subscribe(
        body.kind,
        body.name,
        body.url,
        role=body.role,
        regions=body.regions,
        events=body.events,
        secret=body.secret,
        actor=user.actor,
    )
    mark_of(request).detail = {
        "subscription": str(found.id),
        "kind": found.kind,
        "name": found.name,
        "url": found.url,
    }
    response.headers["Location"] = f"/api/webhooks/{found.id}"
    return SubscriptionCreated(**SubscriptionOut.of(found, {}).model_dump(), secret=secret)


@router.get("", response_model=list[SubscriptionOut], responses=PROBLEMS)
def list_subscriptions(user: Admin, runtime: RuntimeDep) -> list[SubscriptionOut]:
    """Every subscription, ended ones too, with its deliveries counted by state."""
    hooks = runtime.webhooks
    return [SubscriptionOut.of(s, hooks.counts(s.id)) for s in hooks.listed()]


@router.delete(
    "/{subscription_id}",
    response_model=SubscriptionOut,
    responses=PROBLEMS,
    dependencies=[audited("webhook.end")],
)
def end(
    subscription_id: UUID, user: Admin, runtime: RuntimeDep, request: Request
) -> SubscriptionOut:
    """End a subscription: nothing more is sent to it (its deliveries stay listed)."""
    mark_of(request).detail = {"subscription": str(subscription_id)}
    found = runtime.webhooks.end(subscription_id)
    return SubscriptionOut.of(found, runtime.webhooks.counts(subscription_id))


@router.post(
    "/{subscription_id}/secret",
    response_model=SubscriptionCreated,
    responses=PROBLEMS,
    dependencies=[audited("webhook.rotate-secret")],
)
def rotate_secret(
    subscription_id: UUID, body: SecretIn, user: Admin, runtime: RuntimeDep, request: Request
) -> SubscriptionCreated:
    """A new signing secret, in this answer only; the one before it also signs for a while."""
    mark_of(request).detail = {"subscription": str(subscription_id)}
    found, secret = runtime.webhooks.rotate_secret(subscription_id, body.secret)
    counts = runtime.webhooks.counts(subscription_id)
    return SubscriptionCreated(**SubscriptionOut.of(found, counts).model_dump(), secret=secret)


@router.get("/{subscription_id}/deliveries", response_model=list[DeliveryOut], responses=PROBLEMS)
def deliveries(
    subscription_id: UUID,
    user: Admin,
    runtime: RuntimeDep,
    state: State | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[DeliveryOut]:
    """A subscription's deliveries, newest event first (in a state, if given)."""
    found = runtime.webhooks.deliveries(subscription_id, state, limit)
    return [DeliveryOut.of(d) for d in found]


@router.post(
    "/{subscription_id}/redeliver",
    response_model=Redelivered,
    status_code=202,
    responses=PROBLEMS,
    dependencies=[audited("webhook.redeliver")],
)
def redeliver(
    subscription_id: UUID, body: RedeliverIn, user: Admin, runtime: RuntimeDep, request: Request
) -> Redelivered:
    """Send one delivery, or every parked one, again from a first attempt (same webhook-id)."""
    mark_of(request).detail = {"subscription": str(subscription_id), "delivery": body.delivery}
    return Redelivered(redelivered=runtime.webhooks.redeliver(subscription_id, body.delivery))
