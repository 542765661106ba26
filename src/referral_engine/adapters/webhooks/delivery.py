"""Deliveries: due ones claimed, their payloads built as the subscriber may see them, signed
(Standard Webhooks, the `standardwebhooks` package) and POSTed concurrently, the outcome
recorded.

At least once: a batch of due deliveries is claimed with `for update skip locked` and its
outcome written in the same transaction, after the requests. A worker killed mid-batch leaves
the rows as they were (its connection's end releases them), so the next worker sends them again
under the same `webhook-id`; several workers share the work without sending a row twice at once.
A failed attempt (a connection error, a timeout, any answer but 2xx) is tried again after an
exponential backoff with jitter and a cap, and parked after the configured number of attempts.
The payload is built when it is sent, never stored: a case erased meanwhile is sent erased.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import orjson
import psycopg

from referral_engine.adapters.webhooks.sender import Outcome, Sender
from referral_engine.application.event_feed import FeedEvent, shown
from referral_engine.application.ports import CaseStore, paused_gc
from referral_engine.domain.webhooks import (
    DELIVERED,
    NOT_SHOWN,
    PARKED,
    PENDING,
    Subscription,
    retry_delay,
)
from referral_engine.workflows.loader import WorkflowRegistry

log = logging.getLogger("referral_engine.webhooks")


@dataclass(frozen=True)
class Claimed:
    subscription_id: UUID
    position: int
    message_id: str
    case_id: UUID
    case_version: int
    attempts: int


class Deliverer:
    """One round of due deliveries: claim, build, send, record."""

    def __init__(
        self,
        store: CaseStore,
        workflows: WorkflowRegistry,
        sender: Sender,
        draw: Callable[[], float] = random.random,
    ) -> None:
        self.store = store
        self.workflows = workflows
        self.sender = sender
        self.policy = sender.policy
        self.draw = draw

    def deliver(
        self,
        conn: psycopg.Connection[Any],
        active: dict[UUID, tuple[Subscription, tuple[bytes, ...]]],
    ) -> int:
        """Send a batch of due deliveries of the `active` subscriptions (with the secrets that
        sign for them):
        how many were claimed."""
        # The subscriptions' rows are held too (shared), until the outcomes are recorded: ending
        # one waits for the batch being sent, so that nothing is sent once it answers.
        with conn.transaction():
            claimed = [
                Claimed(*row)
                for row in conn.execute(
                    "select d.subscription_id, d.position, d.message_id, d.case_id, "
                    "d.case_version, d.attempts from webhook_deliveries d join "
                    "webhook_subscriptions s on s.id = d.subscription_id "
                    "where d.state = 'pending' and d.next_attempt_at <= now() "
                    "and s.ended_at is null and s.id = any(%s) "
                    "order by d.next_attempt_at, d.position limit %s "
                    "for update of d skip locked for share of s",
                    [list(active), self.policy.batch],
                ).fetchall()
            ]
            if not claimed:
                return 0
            events, broken = self._events(claimed, active)
            sendable: list[tuple[Claimed, FeedEvent, bytes]] = []
            for c in claimed:
                if (e := events.get(c.message_id)) is not None:
                    try:
                        sendable.append((c, e, orjson.dumps(e.payload())))
                    except (TypeError, ValueError) as exc:  # a value JSON cannot carry
                        broken[c.message_id] = f"the event could not be written as JSON: {exc}"
            outcomes = self.sender.send_all(
                [
                    (
                        c.subscription_id,
                        active[c.subscription_id][0].url,
                        c.message_id,
                        active[c.subscription_id][1],
                        body,
                    )
                    for c, _, body in sendable
                ]
            )
            sent = dict(zip((c for c, _, _ in sendable), outcomes, strict=True))
            sent.update(
                (c, Outcome(None, broken[c.message_id])) for c in claimed if c.message_id in broken
            )
            self._record(conn, claimed, events, sent)
        return len(claimed)

    def _events(
        self, claimed: list[Claimed], active: dict[UUID, tuple[Subscription, tuple[bytes, ...]]]
    ) -> tuple[dict[str, FeedEvent | None], dict[str, str]]:
        """Each claimed delivery's event as its subscriber sees it (None: it does not), the
        cases read once, in one query, each folded once per subscription; and the deliveries
        whose event could not be read or folded, with why (they fail, and are parked in the
        end: one broken case holds up no other delivery)."""
        with paused_gc():
            streams, unreadable = self.store.readable_streams(list({c.case_id for c in claimed}))
        wanted: dict[tuple[UUID, UUID], dict[int, Claimed]] = {}
        for c in claimed:
            wanted.setdefault((c.subscription_id, c.case_id), {})[c.case_version] = c
        found: dict[str, FeedEvent | None] = {c.message_id: None for c in claimed}
        broken: dict[str, str] = {}
        for (subscription_id, case_id), versions in wanted.items():
            why = unreadable.get(case_id)
            why = None if why is None else f"the case's {why} could not be read"
            if why is None:
                audience = active[subscription_id][0].audience
                try:
                    seen = shown(streams[case_id], versions, audience, self.workflows)
                except Exception as exc:
                    log.exception("case %s cannot be folded for webhook deliveries", case_id)
                    why = f"the case could not be folded ({type(exc).__name__})"
            if why is not None:
                broken.update((c.message_id, f"not sent: {why}") for c in versions.values())
                continue
            for version, one in seen.items():
                c = versions[version]
                found[c.message_id] = replace(one, position=c.position)
        return found, broken

    def _record(
        self,
        conn: psycopg.Connection[Any],
        claimed: list[Claimed],
        events: dict[str, FeedEvent | None],
        outcomes: dict[Claimed, Outcome],
    ) -> None:
        """Each claimed delivery's new state: delivered (with the personal fields it showed),
        due again after a backoff, parked, or not shown (nothing sent)."""
        now = datetime.now(UTC)
        rows: list[tuple[Any, ...]] = []
        for c in claimed:
            event, outcome = events.get(c.message_id), outcomes.get(c)
            key = (c.subscription_id, c.position)
            if outcome is None:
                rows.append((NOT_SHOWN, c.attempts, None, None, None, None, None, *key))
                continue
            attempts = c.attempts + 1
            if outcome.ok and event is not None:
                shown_fields = sorted(event.disclosed)
                rows.append(
                    (DELIVERED, attempts, outcome.status, None, None, now, shown_fields, *key)
                )
            elif attempts >= self.policy.attempts:
                rows.append(
                    (PARKED, attempts, outcome.status, outcome.error, None, None, None, *key)
                )
                log.warning("webhook %s parked after %d attempts", c.message_id, attempts)
            else:
                wait = retry_delay(
                    attempts, self.policy.first_retry, self.policy.max_retry, self.draw()
                )
                due = now + timedelta(seconds=wait)
                rows.append(
                    (PENDING, attempts, outcome.status, outcome.error, due, None, None, *key)
                )
        with conn.cursor() as cur:
            cur.executemany(
                "update webhook_deliveries set state = %s, attempts = %s, last_status = %s, "
                "last_error = %s, next_attempt_at = coalesce(%s, next_attempt_at), "
                "delivered_at = %s, disclosed = %s where subscription_id = %s and position = %s",
                rows,
            )
