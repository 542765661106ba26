"""Notifications on PostgreSQL: what each user was told (read or not), the worker's position in
the event log, the deadline occurrences already looked at, and the e-mail outbox.

Each notice is written once: `(source, kind, recipient)` is unique, and the rows are written in
the transaction that moves the worker's position (events) or marks the occurrence looked at
(deadlines), so a worker restarted at any point neither loses nor repeats one. An e-mail is
queued in the outbox in that same transaction, when e-mail is configured and the user has an
address; adapters/notifications/mail.py sends it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

import psycopg
from psycopg.rows import class_row

from referral_engine.adapters.database import Database
from referral_engine.application.notifications import Notice

EVENTS = "events"
"""The tracking row of the worker that reads the event log."""
SCHEMA = (
    """create table if not exists notifications (
        id bigserial primary key,
        source text not null,
        kind text not null,
        recipient uuid not null references users(id),
        case_id uuid not null,
        referral_id text,
        workflow_id text not null,
        workflow_version int not null,
        subject text,
        due_on date,
        created_at timestamptz not null default now(),
        read_at timestamptz,
        unique (source, kind, recipient))""",
    "create index if not exists notifications_unread on notifications (recipient, id) "
    "where read_at is null",
    "create index if not exists notifications_recipient on notifications (recipient, id)",
    """create table if not exists notification_tracking (
        name text primary key,
        position bigint not null,
        started_on date not null default current_date)""",
    # the head of the log when notifications began: events up to it tell nobody, even read
    # again after the position was set back (0 where the table came before the column)
    "alter table notification_tracking add column if not exists began_after bigint not null "
    "default 0",
    """create table if not exists notification_marks (
        source text not null,
        kind text not null,
        marked_at timestamptz not null default now(),
        primary key (source, kind))""",
    """create table if not exists mail_outbox (
        notification_id bigint primary key references notifications(id) on delete cascade,
        address text not null,
        message_id text not null,
        status text not null default 'pending'
            check (status in ('pending', 'sent', 'failed')),
        attempts int not null default 0,
        next_attempt_at timestamptz not null default now(),
        last_error text,
        sent_at timestamptz)""",
    "create index if not exists mail_outbox_due on mail_outbox (next_attempt_at) "
    "where status = 'pending'",
)

INSERT = """
with given as (
    select * from unnest(%(source)s::text[], %(kind)s::text[], %(recipient)s::uuid[],
        %(case_id)s::uuid[], %(referral_id)s::text[], %(workflow_id)s::text[],
        %(workflow_version)s::int[], %(subject)s::text[], %(due_on)s::date[])
        as g(source, kind, recipient, case_id, referral_id, workflow_id, workflow_version,
             subject, due_on)
), new as (
    insert into notifications (source, kind, recipient, case_id, referral_id, workflow_id,
        workflow_version, subject, due_on)
    select * from given
    on conflict (source, kind, recipient) do nothing
    returning id, source, kind, recipient
), mailed as (
    insert into mail_outbox (notification_id, address, message_id)
    select new.id, u.email, '<' || encode(sha256(convert_to(
               new.source || '|' || new.kind || '|' || new.recipient::text, 'UTF8')), 'hex')
           || '@' || %(domain)s || '>'
    from new join users u on u.id = new.recipient
    where %(mail)s and u.email is not null
    returning 1
)
select (select count(*) from new), (select count(*) from mailed)
"""


@dataclass(frozen=True)
class Notification:
    """One notice as its recipient reads it (codes: the pages word them)."""

    id: int
    kind: str
    case_id: UUID
    referral_id: str | None
    workflow_id: str
    workflow_version: int
    subject: str | None
    due_on: date | None
    created_at: datetime
    read_at: datetime | None


def write(
    conn: psycopg.Connection[Any], notices: Sequence[Notice], *, mail_domain: str | None
) -> tuple[int, int]:
    """Write notices not written before (caller's transaction); queue their e-mail when
    `mail_domain` is given (e-mail configured). Returns (notices new, e-mails queued)."""
    if not notices:
        return 0, 0
    columns: dict[str, list[Any]] = {
        "source": [n.source for n in notices],
        "kind": [n.kind for n in notices],
        "recipient": [n.recipient.id for n in notices],
        "case_id": [n.case_id for n in notices],
        "referral_id": [n.referral_id for n in notices],
        "workflow_id": [n.workflow_id for n in notices],
        "workflow_version": [n.workflow_version for n in notices],
        "subject": [n.subject for n in notices],
        "due_on": [n.due_on for n in notices],
    }
    row = conn.execute(
        INSERT, {**columns, "mail": mail_domain is not None, "domain": mail_domain or ""}
    ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


class NotificationStore:
    """What a user reads and marks read: their own notices only."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def listed(
        self, user_id: UUID, *, unread: bool = False, before: int | None = None, limit: int = 50
    ) -> list[Notification]:
        """The user's notices, newest first (those before id `before`; only unread ones)."""
        with (
            self.db.pool.connection() as conn,
            conn.cursor(row_factory=class_row(Notification)) as c,
        ):
            return c.execute(
                "select id, kind, case_id, referral_id, workflow_id, workflow_version, subject, "
                "due_on, created_at, read_at from notifications where recipient = %s "
                "and (not %s or read_at is null) and (%s::bigint is null or id < %s) "
                "order by id desc limit %s",
                [user_id, unread, before, before, limit],
            ).fetchall()

    def unread(self, user_id: UUID, *, at_most: int | None = None) -> int:
        """How many of the user's notices are unread; counted only up to `at_most` if given
        (the header's count on every page: a few index entries, never all of them)."""
        with self.db.pool.connection() as conn:
            row = conn.execute(
                "select count(*) from (select 1 from notifications where recipient = %s "
                "and read_at is null limit %s) as unread",
                [user_id, at_most],
            ).fetchone()
        return int(row[0]) if row else 0

    def newest_unread(self, user_id: UUID) -> int | None:
        """The id of the user's newest unread notice, if any."""
        with self.db.pool.connection() as conn:
            row = conn.execute(
                "select max(id) from notifications where recipient = %s and read_at is null",
                [user_id],
            ).fetchone()
        return None if row is None or row[0] is None else int(row[0])

    def mark_read(
        self, user_id: UUID, ids: Sequence[int] | None = None, *, up_to: int | None = None
    ) -> list[int]:
        """Mark the user's notices read (the given ones, or every one; only those up to id
        `up_to` if given, so that one arriving meanwhile stays unread); returns those marked
        now. Another user's id is left alone, as one that does not exist."""
        given = None if ids is None else list(ids)
        with self.db.pool.connection() as conn:
            rows = conn.execute(
                "update notifications set read_at = now() where recipient = %s "
                "and read_at is null and (%s::bigint[] is null or id = any(%s)) "
                "and (%s::bigint is null or id <= %s) returning id",
                [user_id, given, given, up_to, up_to],
            ).fetchall()
        return sorted(int(r[0]) for r in rows)

    def owns(self, user_id: UUID, notification_id: int) -> bool:
        """Whether the notice is the user's."""
        with self.db.pool.connection() as conn:
            row = conn.execute(
                "select 1 from notifications where id = %s and recipient = %s",
                [notification_id, user_id],
            ).fetchone()
        return row is not None


@dataclass(frozen=True)
class WorkerStatus:
    """How far the notification worker has read, what it set aside, what e-mail waits."""

    position: int
    head: int
    parked: int
    notices: int
    mail: dict[str, int]
    """E-mail in the outbox by status: pending, sent, failed."""


def worker_status(conn: psycopg.Connection[Any], parked: int) -> WorkerStatus:
    """The worker's position against the head of the log, its notices and its outbox."""
    row = conn.execute(
        "select (select position from notification_tracking where name = %s), "
        "(select coalesce(max(notification_id), 0) from cases_events), "
        "(select count(*) from notifications)",
        [EVENTS],
    ).fetchone()
    assert row is not None
    mail = dict.fromkeys(("pending", "sent", "failed"), 0)
    for status, n in conn.execute("select status, count(*) from mail_outbox group by 1"):
        mail[status] = int(n)
    return WorkerStatus(int(row[0] or 0), int(row[1]), parked, int(row[2]), mail)
