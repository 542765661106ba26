"""The outbox: the event log fanned out into deliveries, with a position of its own.

One batch at a time (under the outbox's advisory lock, so several workers take turns): the
events after the outbox's position are read and decoded as the read models read them (the
store's transcoder and upcasters, `readmodels/decoding.py`), each event becomes one pending
delivery per subscription that may want it (its type and region), and the position moves past
the batch, in the same transaction. An event that cannot be decoded is parked as a read model
parks one (`readmodels/parking.py`, under the name `webhooks`) and the outbox goes on. Whether a
subscription sees the event is decided when it is delivered (delivery.py), on the case read then.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple, Protocol
from uuid import UUID

import psycopg

from referral_engine.adapters.readmodels import parking
from referral_engine.adapters.readmodels.decoding import PROJECTED, Decoder
from referral_engine.adapters.webhooks.store import outbox_lock
from referral_engine.domain.webhooks import Subscription, event_id, message_id

NAME = "webhooks"
"""The outbox's name where it parks an event (`projection_parked`)."""
BATCH = 2_000


class Log(Protocol):
    """What the outbox uses of the read-model engine (`engine.Projections`)."""

    decode: Decoder

    def _fetch(self, conn: psycopg.Connection[Any], after: int, limit: int) -> list[Any]: ...


class Fact(NamedTuple):
    """What the fan-out needs of one event."""

    position: int
    case_id: UUID
    version: int
    type: str
    region: str | None


class Outbox:
    """Fans the event log out into pending deliveries."""

    def __init__(self, log: Log, schema: str, batch: int = BATCH) -> None:
        self.log = log
        self.lock = outbox_lock(schema)
        self.batch = batch

    def fan_out(
        self,
        conn: psycopg.Connection[Any],
        active: Callable[[], list[tuple[Subscription, int]]],
    ) -> int:
        """One batch after the outbox's position, for the `active` subscriptions (each with the
        position after which it gets events), read once the batch holds the lock: how many
        events it read (0: none, or another worker's turn)."""
        with conn.transaction():
            turn = conn.execute("select pg_try_advisory_xact_lock(%s)", [self.lock]).fetchone()
            if not turn or not turn[0]:
                return 0
            subscriptions = active()
            if not subscriptions:
                return 0
            row = conn.execute("select position from webhook_outbox").fetchone()
            # no subscription wants an event before the earliest one's start: skip them
            start = min(since for _, since in subscriptions)
            position = max(int(row[0]) if row else 0, start)
            rows = self.log._fetch(conn, position, self.batch)
            if not rows:
                return 0
            facts, failures = parking.decoded(self._fact, rows)
            if failures:
                parking.park(conn, NAME, 1, NAME, failures, rows)
                parking.log_parked(NAME, failures)
            self._enqueue(conn, facts, subscriptions)
            conn.execute("update webhook_outbox set position = %s", [rows[-1][0]])
        return len(rows)

    def _fact(self, row: tuple[Any, ...]) -> Fact:
        position, case_id, version, topic, _ = row
        decode = self.log.decode
        if topic.endswith(PROJECTED):
            event = decode(row)
            assert event is not None
            return Fact(position, case_id, version, event.name, event.region)
        state = decode.upcast(row)  # an erasure, a confirmed date, an import: no region kept
        return Fact(position, case_id, version, state.get("name") or topic.rpartition(".")[2], None)

    def _enqueue(
        self,
        conn: psycopg.Connection[Any],
        facts: list[Fact],
        subscriptions: list[tuple[Subscription, int]],
    ) -> None:
        copy = (
            "copy webhook_deliveries (subscription_id, position, message_id, case_id, "
            "case_version, event_type) from stdin"
        )
        with conn.cursor().copy(copy) as writer:
            for fact in facts:
                public = event_id(fact.case_id, fact.version)
                for subscription, since in subscriptions:
                    if fact.position > since and subscription.wants(fact.type, fact.region):
                        writer.write_row(
                            (
                                subscription.id,
                                fact.position,
                                message_id(subscription.id, public),
                                fact.case_id,
                                fact.version,
                                fact.type,
                            )
                        )
