"""One live round for every read model at once: the new events fetched and decoded once, each
model folding its share, all of it committed in one transaction.

Before, each read model took its own batch in turn: its own transaction, lock, registry read,
position, fetch and decoding of the same new events (nine models: nine of each). The live worker
spent most of its time on those round trips and on decoding again (docs/benchmarks.md, #22
fourth pass). A round holds the live lock of each model it folds, so two workers (or a rebuild
switching one model) never interleave within a model's batch; it takes only the locks that are
free, so it never waits for one model while holding the others.

A round is all or nothing. When it fails (an event one model cannot fold or write, or that
model's table refusing every write), it is rolled back and the models go through their own
batches instead (engine.py): those park the event for that model and fold the rest, and a model
that fails all the same leaves the others going."""

from __future__ import annotations

from typing import Any, Protocol

import psycopg
from psycopg import sql

from referral_engine.adapters.readmodels.decoding import unseen
from referral_engine.adapters.readmodels.discovery import ReadModel
from referral_engine.application.ports import paused_gc
from referral_engine.application.readmodel import Event

LOCKS = (
    "select set_config('synchronous_commit', 'off', true), "
    "array(select k from unnest(%s::bigint[]) as k where pg_try_advisory_xact_lock(k))"
)
"""The live locks that are free, taken without waiting (a model whose lock is held is being
folded by its holder: another worker's round, or a rebuild switching it, which catches it up),
and no wait for the disk at commit, as a model's own live batch (engine.UNFLUSHED_LOCK)."""


class Live(Protocol):
    """What a live round uses of the read-model engine (`engine.Projections`)."""

    live_batch: int

    def _lock_key(self, name: str) -> int: ...

    def _fetch(self, conn: psycopg.Connection[Any], after: int, limit: int) -> list[Any]: ...

    def _decoded(self, rows: list[Any], models: list[ReadModel]) -> list[Event]: ...

    def _live_batch(self, conn: psycopg.Connection[Any], model: ReadModel) -> int: ...

    def _fold(
        self,
        conn: psycopg.Connection[Any],
        model: ReadModel,
        schema: str,
        events: list[Event],
        position: int,
    ) -> None: ...


def caught_up(p: Live, conn: psycopg.Connection[Any], models: list[ReadModel]) -> int:
    """Rounds until one moves nothing; how many events were folded in all (each model counting
    its own). A model whose batch fails leaves the others going, and its error is raised once
    they are caught up (the worker logs it and tries again)."""
    done, failed = 0, dict[str, Exception]()
    while models and (moved := _round(p, conn, models, failed)):
        done += sum(moved.values())
        models = [m for m in models if m.name not in failed]
    if failed:
        raise next(iter(failed.values()))
    return done


def _round(
    p: Live, conn: psycopg.Connection[Any], models: list[ReadModel], failed: dict[str, Exception]
) -> dict[str, int]:
    """One live round for all `models`; if it failed, a batch of each in turn, which parks an
    event that cannot be folded: a model whose batch fails all the same (its table changed, a
    lock timeout) goes into `failed`."""
    try:
        return live_round(p, conn, models)
    except Exception:
        if conn.broken:
            raise
    moved = {}
    for m in models:
        try:
            if n := p._live_batch(conn, m):
                moved[m.name] = n
        except Exception as exc:
            if conn.broken:
                raise
            failed[m.name] = exc
    return moved


def live_round(p: Live, conn: psycopg.Connection[Any], models: list[ReadModel]) -> dict[str, int]:
    """One batch for every model in one transaction; how many events each one folded (a model
    without an active schema, or already at the head, folds none)."""
    with conn.transaction():
        keys = {p._lock_key(m.name): m for m in models}
        row = conn.execute(LOCKS, [list(keys)]).fetchone()
        models = [keys[k] for k in (row[1] if row else [])]
        if not models:
            return {}
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
                p._fold(conn, m, schemas[m.name], unseen(events, rows[0][0], after), last)
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
