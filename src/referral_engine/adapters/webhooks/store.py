"""Webhook subscriptions and deliveries in PostgreSQL; each secret sealed with the master key as
case keys are (crypto.py), re-wrapped with them when the master key is rotated. The log of case
events as the feed reads it (`PostgresEventLog`)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import psycopg
from psycopg import sql
from psycopg.rows import class_row

from referral_engine.adapters.crypto import MasterKey, MasterKeyRotated
from referral_engine.adapters.database import Database
from referral_engine.domain.webhooks import PARKED, PENDING, Delivery, Subscription

CHANNEL = "referral_engine_webhooks"
"""NOTIFY'd when a subscription is added or a delivery is to be sent again: wakes the workers."""
SCHEMA = (
    """create table if not exists webhook_subscriptions (
        id uuid primary key,
        kind text not null,
        name text not null,
        role text,
        regions text[],
        url text not null,
        events text[] not null,
        secret bytea not null,
        master_id text not null,
        from_position bigint not null,
        created_at timestamptz not null,
        created_by text not null,
        ended_at timestamptz)""",
    """create table if not exists webhook_deliveries (
        subscription_id uuid not null references webhook_subscriptions (id),
        position bigint not null,
        message_id text not null unique,
        case_id uuid not null,
        case_version int not null,
        event_type text not null,
        state text not null default 'pending',
        attempts int not null default 0,
        next_attempt_at timestamptz not null default now(),
        last_status int,
        last_error text,
        disclosed text[],
        created_at timestamptz not null default now(),
        delivered_at timestamptz,
        primary key (subscription_id, position))""",
    # A rotated secret's predecessor, signing too until `previous_until` (sealed as `secret`).
    "alter table webhook_subscriptions add column if not exists previous_secret bytea, "
    "add column if not exists previous_until timestamptz",
    "create index if not exists webhook_deliveries_due on webhook_deliveries (next_attempt_at) "
    "where state = 'pending'",
    """create table if not exists webhook_outbox (
        singleton boolean primary key default true check (singleton),
        position bigint not null)""",
    "insert into webhook_outbox (position) values (0) on conflict do nothing",
)
_COLUMNS = (
    "id, kind, name, role, regions, url, events, created_at, created_by, ended_at, "
    "case when previous_until > now() then previous_until end"
)
_SUBSCRIPTION = f"select {_COLUMNS} from webhook_subscriptions"
_DELIVERY = (
    "select message_id as id, subscription_id, position, case_id, case_version, event_type, "
    "state, attempts, case when state = 'pending' then next_attempt_at end as next_attempt_at, "
    "last_status, last_error, created_at, delivered_at from webhook_deliveries"
)


def outbox_lock(schema: str) -> int:
    """The advisory lock of the schema's outbox: one fan-out at a time, and a subscription is
    added between two of them (so that it starts where the next one does)."""
    digest = hashlib.blake2b(f"{schema}:webhook-outbox".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class PostgresWebhooks:
    """The `WebhookStore` port on PostgreSQL (tables created by bootstrap with the others)."""

    def __init__(self, db: Database, master: Callable[[], MasterKey]) -> None:
        self.db = db
        self.master = master

    def add(self, subscription: Subscription, secret: bytes) -> Subscription:
        """Store it to get the events after the head of the log, sealed secret and all."""
        s, key = subscription, self.master()
        with self.db.pool.connection() as conn, conn.transaction():
            conn.execute("select pg_advisory_xact_lock(%s)", [outbox_lock(self.db.schema)])
            conn.execute(
                "insert into webhook_subscriptions (id, kind, name, role, regions, url, events, "
                "secret, master_id, from_position, created_at, created_by) values (%s, %s, %s, "
                "%s, %s, %s, %s, %s, %s, (select coalesce(max(notification_id), 0) from "
                "cases_events), %s, %s)",
                [
                    *(s.id, s.kind, s.name, s.role, _list(s.regions), s.url, list(s.events)),
                    *(key.wrap(s.id, secret), key.id, s.created_at, s.created_by),
                ],
            )
            conn.execute("select pg_notify(%s, '')", [CHANNEL])
        return subscription

    def listed(self) -> list[Subscription]:
        with self.db.pool.connection() as conn:
            return [
                _subscription(r) for r in conn.execute(_SUBSCRIPTION + " order by created_at, id")
            ]

    def get(self, subscription_id: UUID) -> Subscription | None:
        with self.db.pool.connection() as conn:
            row = conn.execute(_SUBSCRIPTION + " where id = %s", [subscription_id]).fetchone()
        return None if row is None else _subscription(row)

    def end(self, subscription_id: UUID, at: datetime) -> Subscription | None:
        """Waits for a batch of its deliveries being sent (the worker holds the row shared)."""
        with self.db.pool.connection() as conn:
            conn.execute(
                "update webhook_subscriptions set ended_at = coalesce(ended_at, %s) where id = %s",
                [at, subscription_id],
            )
        return self.get(subscription_id)

    def rotate(
        self, subscription_id: UUID, secret: bytes, overlap: timedelta
    ) -> Subscription | None:
        """Its new secret; the one before it signs too for `overlap`, then no longer."""
        key = self.master()
        with self.db.pool.connection() as conn, conn.transaction():
            row = conn.execute(
                "select secret, master_id from webhook_subscriptions where id = %s for update",
                [subscription_id],
            ).fetchone()
            if row is None:
                return None
            if row[1] != key.id:
                raise MasterKeyRotated(row[1], key.id)
            conn.execute(
                "update webhook_subscriptions set secret = %s, previous_secret = %s, "
                "previous_until = now() + %s where id = %s",
                [key.wrap(subscription_id, secret), row[0], overlap, subscription_id],
            )
            conn.execute("select pg_notify(%s, '')", [CHANNEL])
        return self.get(subscription_id)

    def active(self) -> list[tuple[Subscription, tuple[bytes, ...], int]]:
        """The subscriptions not ended, each with its secrets opened (the current one first,
        then the one before it while it still signs) and the position after which it gets
        events."""
        with self.db.pool.connection() as conn:
            rows = conn.execute(
                f"select {_COLUMNS}, master_id, from_position, secret, "
                "case when previous_until > now() then previous_secret end "
                "from webhook_subscriptions where ended_at is null order by created_at"
            ).fetchall()
        key = self.master()
        found = []
        for row in rows:
            subscription, (master_id, since, *sealed) = _subscription(row[:11]), row[11:]
            if master_id != key.id:
                raise MasterKeyRotated(master_id, key.id)
            secrets = tuple(key.unwrap(subscription.id, bytes(s)) for s in sealed if s is not None)
            found.append((subscription, secrets, since))
        return found

    def deliveries(self, subscription_id: UUID, state: str | None, limit: int) -> list[Delivery]:
        with self.db.pool.connection() as conn, conn.cursor(row_factory=class_row(Delivery)) as c:
            return c.execute(
                _DELIVERY + " where subscription_id = %s and (%s::text is null or state = %s) "
                "order by position desc limit %s",
                [subscription_id, state, state, limit],
            ).fetchall()

    def counts(self, subscription_id: UUID) -> dict[str, int]:
        with self.db.pool.connection() as conn:
            rows = conn.execute(
                "select state, count(*) from webhook_deliveries where subscription_id = %s "
                "group by state",
                [subscription_id],
            ).fetchall()
        return {state: int(n) for state, n in rows}

    def redeliver(self, subscription_id: UUID, delivery: str | None) -> int:
        """The delivery (any state), or every parked one, pending again from a first attempt."""
        with self.db.pool.connection() as conn, conn.transaction():
            done = conn.execute(
                "update webhook_deliveries set state = %s, attempts = 0, next_attempt_at = now(), "
                "last_error = null, last_status = null where subscription_id = %s and "
                "(message_id = %s or (%s::text is null and state = %s))",
                [PENDING, subscription_id, delivery, delivery, PARKED],
            ).rowcount
            conn.execute("select pg_notify(%s, '')", [CHANNEL])
        return done


def rewrap_secrets(conn: psycopg.Connection[Any], old: MasterKey, new: MasterKey) -> int:
    """Re-wrap every subscription's secret under `new`, in the rotation's transaction."""
    rows = conn.execute(
        "select id, secret, previous_secret, master_id from webhook_subscriptions for update"
    ).fetchall()
    for subscription_id, secret, previous, master_id in rows:
        if master_id != old.id:
            raise MasterKeyRotated(master_id, old.id)
        rewrapped = [
            None if s is None else new.wrap(subscription_id, old.unwrap(subscription_id, bytes(s)))
            for s in (secret, previous)
        ]
        conn.execute(
            "update webhook_subscriptions set secret = %s, previous_secret = %s, master_id = %s "
            "where id = %s",
            [*rewrapped, new.id, subscription_id],
        )
    return len(rows)


class PostgresEventLog:
    """The `EventLog` port: the case events table, in notification order."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.events = sql.Identifier(db.schema, "cases_events")

    def after(self, position: int, limit: int) -> list[tuple[int, UUID, int]]:
        with self.db.pool.connection() as conn:
            rows = conn.execute(
                sql.SQL(
                    "select notification_id, originator_id, originator_version from {} "
                    "where notification_id > %s order by notification_id limit %s"
                ).format(self.events),
                [position, limit],
            ).fetchall()
        return [(int(p), c, int(v)) for p, c, v in rows]


def _subscription(row: Any) -> Subscription:
    sid, kind, name, role, regions, url, events, created_at, created_by, ended_at, until = row
    return Subscription(
        sid,
        kind,
        name,
        role,
        None if regions is None else tuple(regions),
        url,
        tuple(events),
        created_at,
        created_by,
        ended_at,
        until,
    )


def _list(values: tuple[str, ...] | None) -> list[str] | None:
    return None if values is None else list(values)
