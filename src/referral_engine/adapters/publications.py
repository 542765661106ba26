"""Published reports on PostgreSQL: kept for good (they are the official record)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from psycopg.rows import dict_row

from referral_engine.adapters.database import Database
from referral_engine.application.publications import Publication

SCHEMA = (
    """create table if not exists report_publications (
        id uuid primary key,
        report text not null,
        period_start date not null,
        period_end date not null,
        by_dimensions text[] not null,
        region text,
        as_of timestamptz not null,
        upto bigint not null,
        digest text not null,
        figures text not null,
        published_by text not null,
        published_at timestamptz not null)""",
    "create index if not exists report_publications_report "
    "on report_publications (report, published_at)",
)
_COLUMNS = (
    "id, report, period_start, period_end, by_dimensions, region, as_of, upto, digest, "
    "figures, published_by, published_at"
)


class PostgresPublications:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, p: Publication) -> None:
        with self.db.pool.connection() as conn:
            conn.execute(
                f"insert into report_publications ({_COLUMNS}) values "
                "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                [
                    p.id,
                    p.report,
                    p.start,
                    p.end,
                    list(p.by),
                    p.region,
                    p.as_of,
                    p.upto,
                    p.digest,
                    p.figures,
                    p.published_by,
                    p.published_at,
                ],
            )

    def get(self, id: UUID) -> Publication | None:
        rows = self._select("where id = %s", [id])
        return rows[0] if rows else None

    def listed(self, report: str | None = None) -> list[Publication]:
        return self._select(
            "where %s::text is null or report = %s order by published_at desc", [report, report]
        )

    def _select(self, where: str, params: list[Any]) -> list[Publication]:
        with self.db.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            rows = cur.execute(
                f"select {_COLUMNS} from report_publications {where}", params
            ).fetchall()
        return [
            Publication(
                r["id"],
                r["report"],
                r["period_start"],
                r["period_end"],
                tuple(r["by_dimensions"]),
                r["region"],
                r["as_of"],
                r["upto"],
                r["digest"],
                r["figures"],
                r["published_by"],
                r["published_at"],
            )
            for r in rows
        ]
