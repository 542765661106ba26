"""The append-only audit log: who read or changed which case, when, and from where."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from uuid import UUID

import psycopg
from psycopg.types.json import Jsonb

from referral_engine.adapters import audit_chain, audit_query
from referral_engine.adapters.audit_chain import ChainReport
from referral_engine.adapters.audit_query import AuditFilter, Cursor
from referral_engine.adapters.database import Database
from referral_engine.application.ports import AuditNote


@dataclass(frozen=True)
class AuditEntry:
    id: int
    """Increasing in the order recorded: the cursor of a page of entries."""
    at: datetime
    user_name: str | None
    role: str | None
    agency: str | None
    action: str
    method: str
    path: str
    status: int
    case_id: UUID | None
    region: str | None
    address: str | None
    detail: dict[str, Any]
    channel: str | None = None
    """`http` (the API and the pages) or `cli` (the command line)."""
    os_user: str | None = None
    """The operating system user who ran a command-line action."""


class AuditLog:
    """Records and lists audit entries; nothing here updates or deletes."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def record(
        self,
        *,
        user: Any,
        action: str,
        method: str,
        path: str,
        status: int,
        case_id: UUID | None,
        region: str | None,
        address: str | None,
        detail: dict[str, Any] | None = None,
        channel: str = "http",
        os_user: str | None = None,
        cases: Sequence[tuple[UUID, str, dict[str, Any]]] = (),
    ) -> None:
        """Append one entry to the chain, in a transaction (one round trip) of its own, with
        one more for each of `cases` (case, region, detail): a read of many cases' personal
        data is filed under each of them."""
        note = AuditNote(
            action,
            method,
            path,
            status,
            getattr(user, "name", None),
            getattr(user, "role", None),
            getattr(user, "agency", None),
            address,
            detail,
            channel,
            os_user,
            case_id,
            region,
        )
        self.write(note, *(replace(note, case_id=c, region=r, detail=d) for c, r, d in cases))

    def write(self, note: AuditNote, *more: AuditNote) -> None:
        """Append entries to the chain, in a transaction (one round trip) of their own."""
        with self.db.pool.connection() as conn, conn.pipeline():
            with conn.cursor() as cursor:
                for one in (note, *more):
                    append(cursor, self.db.schema, one)
            conn.commit()

    def verify(self) -> ChainReport:
        """Walk the chain from the oldest entry and report the first broken link, if any."""
        with self.db.pool.connection() as conn:
            return audit_chain.verify(conn, self.db.schema)

    def entries(
        self,
        wanted: AuditFilter,
        *,
        limit: int,
        past: Cursor | None = None,
        newest_first: bool = True,
    ) -> list[AuditEntry]:
        """Up to `limit` entries matching `wanted`, newest first (or oldest first), after the
        entry `past` in that order: the log a page at a time (adapters/audit_query.py)."""
        if wanted.user_name is not None:
            wanted = replace(wanted, user_name=_storable(wanted.user_name))
        if wanted.action is not None:
            wanted = replace(wanted, action=_storable(wanted.action))
        statement, params = audit_query.select(
            self.db.schema, wanted, past=past, newest_first=newest_first, limit=limit
        )
        with self.db.pool.connection() as conn:
            rows = conn.execute(statement, params, prepare=False).fetchall()
        return [AuditEntry(*row) for row in rows]

    def query(
        self,
        *,
        case_id: UUID | None = None,
        user_name: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        regions: frozenset[str] | None = None,
        personal_only: bool = False,
        limit: int = 500,
        newest_first: bool = False,
        before: int | None = None,
    ) -> list[AuditEntry]:
        """Entries matching every given filter, oldest first (or newest first); `regions` None
        means all; `before` keeps only entries recorded before the one with that id."""
        with self.db.pool.connection() as conn:
            rows = conn.execute(
                "select id, at, user_name, role, agency, action, method, path, status, case_id, "
                "region, address, detail, channel, os_user from audit_log where "
                "(%(before)s::bigint is null or id < %(before)s) and "
                "(%(case)s::uuid is null or case_id = %(case)s) and "
                "(%(user)s::text is null or user_name = %(user)s) and "
                "(%(since)s::timestamptz is null or at >= %(since)s) and "
                "(%(until)s::timestamptz is null or at <= %(until)s) and "
                "(%(regions)s::text[] is null or region = any(%(regions)s)) and "
                "(not %(personal)s or detail ? 'personal_fields') "
                f"order by id {'desc' if newest_first else 'asc'} limit %(limit)s",
                {
                    "case": case_id,
                    "user": _storable(user_name),
                    "since": since,
                    "until": until,
                    "regions": None if regions is None else sorted(regions),
                    "personal": personal_only,
                    "limit": limit,
                    "before": before,
                },
            ).fetchall()
        return [AuditEntry(*row) for row in rows]


def append(cursor: psycopg.Cursor[Any], schema: str, note: AuditNote) -> None:
    """Queue `note` as the next entry of the chain on `cursor`'s transaction (the store calls
    this inside a command's transaction, the log inside one of its own)."""
    row, detail = entry(note)
    audit_chain.append(cursor, schema, row, detail)


def entry(note: AuditNote) -> tuple[list[Any], Jsonb]:
    """The entry of `note`: its columns' values (audit_chain.COLUMNS order), and its detail."""
    row = [
        audit_chain.now(),
        _storable(note.user_name),
        _storable(note.role),
        _storable(note.agency),
        note.action,
        _storable(note.method),
        _storable(note.path),
        note.status,
        note.case_id,
        _storable(note.region),
        _storable(note.address),
        note.channel,
        _storable(note.os_user),
    ]
    return row, Jsonb(_storable(dict(note.detail or {})))


def migrate(db: Database) -> None:
    """Create or upgrade the audit log (one process at a time), unless another role owns it."""
    with db.pool.connection() as conn, conn.transaction():
        conn.execute("select pg_advisory_xact_lock(hashtext('referral_engine.migrate'))")
        audit_chain.migrate(conn, db.schema)


def _storable(value: Any) -> Any:
    """What a client sent, made storable: PostgreSQL text refuses NUL and lone surrogates.

    Both are kept visible as escapes, so the entry still shows what was attempted.
    """
    if isinstance(value, str):
        return value.replace("\x00", "\\x00").encode("utf-8", "backslashreplace").decode()
    if isinstance(value, dict):
        return {_storable(k): _storable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_storable(v) for v in value]
    return value
