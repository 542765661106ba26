"""The webhook worker: follows the event log like the live projection worker (`Tailing`: woken
by NOTIFY on every commit, and on a new subscription or a redelivery), fans new events out into
the outbox and sends what is due, then sleeps until the next retry is due or it is woken.
Runs inside `serve` and as `referral-engine webhooks run` (any number of processes)."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from referral_engine.adapters.readmodels.engine import CHANNEL as EVENTS_CHANNEL
from referral_engine.adapters.readmodels.engine import Projections
from referral_engine.adapters.readmodels.worker import Tailing
from referral_engine.adapters.webhooks.delivery import Deliverer
from referral_engine.adapters.webhooks.outbox import Outbox
from referral_engine.adapters.webhooks.sender import Policy, Sender
from referral_engine.adapters.webhooks.store import CHANNEL, PostgresWebhooks
from referral_engine.application.ports import CaseStore
from referral_engine.domain.webhooks import Subscription
from referral_engine.workflows.loader import WorkflowRegistry

BUSY_WAIT = 0.02
"""The shortest wait between rounds while deliveries are due that another worker holds."""


class WebhookWorker(Tailing):
    """Keeps the outbox fed and its due deliveries sent, in a thread of its own."""

    name = "webhooks"
    channels = (EVENTS_CHANNEL, CHANNEL)

    def __init__(
        self,
        projections: Projections,
        store: CaseStore,
        workflows: WorkflowRegistry,
        webhooks: PostgresWebhooks,
        policy: Policy,
        poll_seconds: float = 1.0,
    ) -> None:
        super().__init__(projections.db, poll_seconds)
        self.webhooks = webhooks
        self.outbox = Outbox(projections, projections.schema)
        self.sender = Sender(policy)
        self.deliverer = Deliverer(store, workflows, self.sender)

    def stop(self, timeout: float = 10.0) -> None:
        super().stop(timeout)
        self.sender.close()

    def round(self) -> float | None:
        """Fan out and deliver until neither has a full batch left; then the wait till the
        next delivery is due (None: none is)."""
        if not self.webhooks.active():
            return None  # one query a round while nobody subscribes
        with self.db.connection() as conn:
            while not self.stopping.is_set():
                fanned = self.outbox.fan_out(conn, self._since)
                active = self._active()
                sent = self.deliverer.deliver(conn, active) if active else 0
                if fanned < self.outbox.batch and sent < self.deliverer.policy.batch:
                    break
            row = conn.execute(
                "select min(d.next_attempt_at) from webhook_deliveries d join "
                "webhook_subscriptions s on s.id = d.subscription_id "
                "where d.state = 'pending' and s.ended_at is null"
            ).fetchone()
        due: datetime | None = row[0] if row else None
        if due is None:
            return None
        wait = (due - datetime.now(UTC)).total_seconds()
        return min(self.poll_seconds, max(wait, BUSY_WAIT))

    def _since(self) -> list[tuple[Subscription, int]]:
        return [(s, since) for s, _, since in self.webhooks.active()]

    def _active(self) -> dict[UUID, tuple[Subscription, tuple[bytes, ...]]]:
        return {s.id: (s, secrets) for s, secrets, _ in self.webhooks.active()}
