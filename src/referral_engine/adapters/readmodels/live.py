"""One live round for every read model at once: the new events fetched and decoded once, each
model folding its share, all of it committed in one transaction.

Before, each read model took its own batch in turn: its own transaction, lock, registry read,
position, fetch and decoding of the same new events (nine models: nine of each). The live worker
spent most of its time on those round trips and on decoding again (docs/benchmarks.md, #22
fourth pass). A round holds every model's live lock, taken in one order by every process, so two
workers (or a rebuild switching one model) never interleave within a model's batch.

A round is all or nothing. When an event cannot be folded or written for one model, the round
is rolled back and the models go through their own batches instead (engine.py), which park that
event for that model and fold the rest."""

from __future__ import annotations

from typing import Any, Protocol

import psycopg
from psycopg import sql

from referral_engine.adapters.readmodels.discovery import ReadModel
from referral_engine.application.ports import paused_gc
from referral_engine.application.readmodel import Event

LOCKS = (
    "select pg_advisory_xact_lock(k), set_config('synchronous_commit', 'off', true) "
    "from unnest(%s::bigint[]) with ordinality as u(k, i) order by i"
)
"""Every model's live lock in the order given (sorted: one order in every process), and no wait
for the disk at commit, as a model's own live batch (engine.UNFLUSHED_LOCK)."""


class Live(Protocol):
    """What a live round uses of the read-model engine (`engine.Projections`)."""

    live_batch: int

    def _lock_key(self, name: str) -> int: ...

    def _fetch(self, conn: psycopg.Connection[Any], after: int, limit: int) -> list[Any]: ...

    def _decoded(self, rows: list[Any], models: list[ReadModel]) -> list[Event]: ...

    def _fold(
        self,
        conn: psycopg.Connection[Any],
        model: ReadModel,
        schema: str,
        events: list[Event],
        position: int,
    ) -> None: ...


def live_round(p: Live, conn: psycopg.Connection[Any], models: list[ReadModel]) -> dict[str, int]:
    """One batch for every model in one transaction; how many events each one folded (a model
    without an active schema, or already at the head, folds none)."""
    with conn.transaction():
        conn.execute(LOCKS, [sorted(p._lock_key(m.name) for m in models)])
        schemas = dict(
            conn.execute(
                "select name, active_schema from projection_registry "
                "where name = any(%s) and active_schema is not null",
                [[m.name for m in models]],
            ).fetchall()
        )
        active = [m for m in models if m.name in schemas]
        if not active:
            return {}
        positions = _positions(conn, {m.name: schemas[m.name] for m in active})
        rows = p._fetch(conn, min(positions.values()), p.live_batch)
        if not rows:
            return {}
        last, folded = rows[-1][0], {}
        with paused_gc():
            events = p._decoded(rows, active)
            for m in active:
                after = positions[m.name]
                if after >= last:
                    continue  # ahead of the others (another worker's batch): nothing new
                mine = events if rows[0][0] > after else [e for e in events if e.position > after]
                p._fold(conn, m, schemas[m.name], mine, last)
                folded[m.name] = sum(1 for row in rows if row[0] > after)
        return folded


def _positions(conn: psycopg.Connection[Any], schemas: dict[str, str]) -> dict[str, int]:
    """Each model's position in its active schema, read by one statement."""
    parts = [
        sql.SQL("select {}::text, position from {}").format(
            sql.Literal(name), sql.Identifier(schema, "_tracking")
        )
        for name, schema in schemas.items()
    ]
    rows = conn.execute(sql.SQL(" union all ").join(parts)).fetchall()
    found = {str(name): int(position) for name, position in rows}
    return {name: found.get(name, 0) for name in schemas}
