"""The append-only audit log: who read or changed which case, when, and from where."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg.types.json import Jsonb

from referral_engine.adapters.database import Database

SCHEMA = (
    """create table if not exists audit_log (
        id bigint generated always as identity primary key,
        at timestamptz not null default now(),
        user_name text,
        role text,
        agency text,
        action text not null,
        method text not null,
        path text not null,
        status int not null,
        case_id uuid,
        region text,
        address text,
        detail jsonb not null default '{}')""",
    "create index if not exists audit_log_case on audit_log (case_id, at)",
    "create index if not exists audit_log_user on audit_log (user_name, at)",
    """create or replace function audit_log_is_append_only() returns trigger
        language plpgsql as $$ begin raise exception 'the audit log is append-only'; end $$""",
    "drop trigger if exists audit_log_append_only on audit_log",
    """create trigger audit_log_append_only before update or delete or truncate on audit_log
        for each statement execute function audit_log_is_append_only()""",
)


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
    ) -> None:
        with self.db.pool.connection() as conn:
            conn.execute(
                "insert into audit_log (user_name, role, agency, action, method, path, status, "
                "case_id, region, address, detail) values (%s, %s, %s, %s, %s, %s, %s, %s, %s, "
                "%s, %s)",
                [
                    getattr(user, "name", None),
                    getattr(user, "role", None),
                    getattr(user, "agency", None),
                    action,
                    _storable(method),
                    _storable(path),
                    status,
                    case_id,
                    _storable(region),
                    _storable(address),
                    Jsonb(_storable(detail or {})),
                ],
            )

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
                "region, address, detail from audit_log where "
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
