"""Webhook subscriptions: admins register them for a registered agency or for an integration,
end them, read their deliveries and send parked ones again (docs/webhooks.md). Delivering is the
outbox worker's (adapters/webhooks/)."""

from __future__ import annotations

import difflib
import secrets
from collections.abc import Callable, Collection, Sequence
from datetime import timedelta
from uuid import UUID, uuid4

from referral_engine.application.agencies import Agencies
from referral_engine.application.event_feed import event_types
from referral_engine.application.ports import WebhookStore
from referral_engine.application.reading import Clock, utc_now
from referral_engine.domain.agencies import SLUG
from referral_engine.domain.commands import Actor
from referral_engine.domain.errors import (
    AgencyNotFound,
    DeliveryNotFound,
    FieldProblem,
    InvalidData,
    SubscriptionNotFound,
)
from referral_engine.domain.regions import CODE
from referral_engine.domain.webhooks import (
    AGENCY,
    INTEGRATION,
    MESSAGE_ID,
    SECRET_BYTES,
    Delivery,
    Network,
    Subscription,
    check_secret,
    check_types,
    check_url,
    secret_text,
)
from referral_engine.workflows.loader import WorkflowRegistry

GENERATED_BYTES = 32
"""A generated secret's length (Standard Webhooks: 24 to 64 bytes)."""
assert SECRET_BYTES[0] <= GENERATED_BYTES <= SECRET_BYTES[1]


class Webhooks:
    """Subscriptions' commands and queries, on the webhook store."""

    def __init__(
        self,
        store: WebhookStore,
        workflows: WorkflowRegistry,
        agencies: Callable[[], Agencies],
        clock: Clock = utc_now,
        allowed: Collection[Network] = (),
        overlap: timedelta = timedelta(hours=24),
    ) -> None:
        self.store = store
        self.workflows = workflows
        self.agencies = agencies
        self.clock = clock
        self.allowed = allowed
        """Networks whose non-public addresses may receive webhooks (the setting)."""
        self.overlap = overlap
        """How long a rotated secret's predecessor still signs (the setting)."""

    def subscribe(
        self,
        kind: str,
        name: str,
        url: str,
        *,
        role: str | None = None,
        regions: Sequence[str] | None = None,
        events: Sequence[str] = (),
        secret: str | None = None,
        actor: Actor,
    ) -> tuple[Subscription, str]:
        """Register a subscription; returns it and its secret (`whsec_...`), shown this once."""
        raw = check_secret(secret) if secret is not None else secrets.token_bytes(GENERATED_BYTES)
        scope: tuple[str, ...] | None
        if kind == AGENCY:
            role, scope = self._agency_scope(name, role, regions)
        elif kind == INTEGRATION:
            if not SLUG.match(name):
                problem = "must be 2-64 of a-z, 0-9 and '-' (the integration's name)"
                raise InvalidData([FieldProblem("name", problem, "code")])
            scope = self._integration_scope(role, regions)
        else:
            raise InvalidData([FieldProblem("kind", f"must be {AGENCY} or {INTEGRATION}")])
        subscription = Subscription(
            id=uuid4(),
            kind=kind,
            name=name,
            role=role,
            regions=scope,
            url=check_url(url, self.allowed),
            events=check_types(events, event_types(self.workflows)),
            created_at=self.clock(),
            created_by=actor.user_id,
        )
        return self.store.add(subscription, raw), secret_text(raw)

    def listed(self) -> list[Subscription]:
        """Every subscription, ended ones too, oldest first."""
        return list(self.store.listed())

    def get(self, subscription_id: UUID) -> Subscription:
        found: Subscription | None = self.store.get(subscription_id)
        if found is None:
            raise SubscriptionNotFound(subscription_id)
        return found

    def end(self, subscription_id: UUID) -> Subscription:
        """End a subscription: nothing more is sent to it. Ending it again changes nothing."""
        found: Subscription | None = self.store.end(subscription_id, self.clock())
        if found is None:
            raise SubscriptionNotFound(subscription_id)
        return found

    def counts(self, subscription_id: UUID) -> dict[str, int]:
        """How many of a subscription's deliveries are in each state."""
        self.get(subscription_id)
        return self.store.counts(subscription_id)

    def deliveries(
        self, subscription_id: UUID, state: str | None = None, limit: int = 100
    ) -> list[Delivery]:
        """A subscription's deliveries (in a state, if given), newest first."""
        self.get(subscription_id)
        return list(self.store.deliveries(subscription_id, state, limit))

    def rotate_secret(
        self, subscription_id: UUID, secret: str | None = None
    ) -> tuple[Subscription, str]:
        """Give a subscription a new secret (`whsec_...`, shown this once; generated unless
        given): the one before it signs each request too for the overlap, so that the
        receiver can change over without refusing anything."""
        raw = check_secret(secret) if secret is not None else secrets.token_bytes(GENERATED_BYTES)
        if self.get(subscription_id).ended_at is not None:
            raise InvalidData([FieldProblem("subscription", "has ended: nothing is sent to it")])
        found: Subscription | None = self.store.rotate(subscription_id, raw, self.overlap)
        if found is None:
            raise SubscriptionNotFound(subscription_id)
        return found, secret_text(raw)

    def redeliver(self, subscription_id: UUID, delivery: str | None = None) -> int:
        """Send one delivery, or every parked one, again from a first attempt: how many."""
        if self.get(subscription_id).ended_at is not None:
            raise InvalidData([FieldProblem("subscription", "has ended: nothing is sent to it")])
        if delivery is not None and not MESSAGE_ID.match(delivery):
            raise DeliveryNotFound(subscription_id, delivery)
        done = self.store.redeliver(subscription_id, delivery)
        if delivery is not None and done == 0:
            raise DeliveryNotFound(subscription_id, delivery)
        return done

    def _agency_scope(
        self, slug: str, role: str | None, regions: Sequence[str] | None
    ) -> tuple[str, tuple[str, ...]]:
        """An agency's subscription sees as its users of `role` do, in regions it serves."""
        registry = self.agencies()
        try:
            agency = registry.get(slug)
        except AgencyNotFound:
            close = registry.close_matches(slug)
            hint = f"; close: {', '.join(close)}" if close else ""
            refused = FieldProblem("name", f"is not a registered agency{hint}", "unknown_agency")
            raise InvalidData([refused]) from None
        roles = sorted({r for w in self.workflows for r in w.roles})
        if role not in roles:
            close = difflib.get_close_matches(role or "", roles, n=3)
            hint = f" (close: {', '.join(close)})" if close else ""
            problem = f"must be a role of a loaded workflow{hint}: {', '.join(roles)}"
            raise InvalidData([FieldProblem("role", problem)])
        served = tuple(agency.regions)
        chosen = tuple(dict.fromkeys(regions)) if regions else served
        outside = [r for r in chosen if r not in served]
        if outside or not chosen:
            problem = f"must be regions the agency serves: {', '.join(served) or 'none'}"
            raise InvalidData([FieldProblem("regions", problem)])
        return role, tuple(sorted(chosen))

    def _integration_scope(
        self, role: str | None, regions: Sequence[str] | None
    ) -> tuple[str, ...] | None:
        """An integration sees every event of its regions (none given: every region), never a
        personal field: it takes no role."""
        if role is not None:
            problem = "an integration takes no role: it never sees personal data"
            raise InvalidData([FieldProblem("role", problem)])
        if regions is None:
            return None
        bad = [i for i, r in enumerate(regions) if not CODE.match(r)]
        if bad or not regions:
            path = f"regions[{bad[0]}]" if bad else "regions"
            problem = "must be ISO 3166-2 region codes such as UA-32 (omit it: every region)"
            raise InvalidData([FieldProblem(path, problem, "region_code")])
        return tuple(sorted(dict.fromkeys(regions)))
