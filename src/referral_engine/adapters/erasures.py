"""Erasure requests on PostgreSQL (two-person erasure): kept after their decision."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from referral_engine.adapters.database import Database
from referral_engine.application.erasures import PENDING, ErasureRequest

SCHEMA = (
    """create table if not exists erasure_requests (
        id uuid primary key,
        case_id uuid not null,
        region text not null,
        reason text not null,
        requested_by text not null,
        requested_at timestamptz not null,
        state text not null default 'pending'
            check (state in ('pending', 'approved', 'refused')),
        decided_by text,
        decided_at timestamptz)""",
    "create index if not exists erasure_requests_state on erasure_requests (state, requested_at)",
)
_COLUMNS = "id, case_id, region, reason, requested_by, requested_at, state, decided_by, decided_at"


class PostgresErasureRequests:
    """The erasure requests table."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, request: ErasureRequest) -> None:
        with self.db.pool.connection() as conn:
            conn.execute(
                f"insert into erasure_requests ({_COLUMNS}) values "
                "(%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                [
                    request.id,
                    request.case_id,
                    request.region,
                    request.reason,
                    request.requested_by,
                    request.requested_at,
                    request.state,
                    request.decided_by,
                    request.decided_at,
                ],
            )

    def get(self, request_id: UUID) -> ErasureRequest | None:
        with self.db.pool.connection() as conn:
            row = conn.execute(
                f"select {_COLUMNS} from erasure_requests where id = %s", [request_id]
            ).fetchone()
        return None if row is None else ErasureRequest(*row)

    def listed(self, state: str | None, regions: frozenset[str] | None) -> list[ErasureRequest]:
        with self.db.pool.connection() as conn:
            rows = conn.execute(
                f"select {_COLUMNS} from erasure_requests where "
                "(%(state)s::text is null or state = %(state)s) and "
                "(%(regions)s::text[] is null or region = any(%(regions)s)) "
                "order by requested_at, id limit 1000",
                {"state": state, "regions": None if regions is None else sorted(regions)},
            ).fetchall()
        return [ErasureRequest(*row) for row in rows]

    def decide(self, request_id: UUID, state: str, by: str, at: datetime) -> bool:
        """Record the decision on a pending request; False if it was no longer pending."""
        with self.db.pool.connection() as conn:
            cursor = conn.execute(
                "update erasure_requests set state = %s, decided_by = %s, decided_at = %s "
                "where id = %s and state = %s",
                [state, by, at, request_id, PENDING],
            )
            return cursor.rowcount == 1
