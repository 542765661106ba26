"""Blue/green rebuilds: a read model is built afresh in a new schema while the old one serves,
then switched in one transaction (and the old schema dropped)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager, ExitStack
from typing import Any, NamedTuple, Protocol

import psycopg
from psycopg import sql

from referral_engine.adapters.readmodels import parking
from referral_engine.adapters.readmodels.connections import ReadModelDatabase
from referral_engine.adapters.readmodels.decoding import Decoder, unseen
from referral_engine.adapters.readmodels.discovery import ReadModel
from referral_engine.adapters.readmodels.parking import Failure
from referral_engine.adapters.readmodels.sql import TableInfo, summary_triggers, write
from referral_engine.application.ports import paused_gc
from referral_engine.application.readmodel import Changes, Event

KNOWN_KEYS_LIMIT = 5_000_000
"""Keys a rebuild remembers per read model to copy new rows straight in (about 0.5 GB)."""


class Source(Protocol):
    """What a rebuild uses of the read-model engine (`engine.Projections`), named here so that
    the engine and its rebuilds do not import each other."""

    db: ReadModelDatabase
    models: dict[str, ReadModel]
    rebuild_batch: int
    decode: Decoder
    _info: dict[str, dict[str, TableInfo]]

    @property
    def schema(self) -> str: ...

    def head(self) -> int: ...

    def _connect(self) -> AbstractContextManager[psycopg.Connection[Any]]: ...

    def _batch(
        self,
        conn: psycopg.Connection[Any],
        model: ReadModel,
        schema: str,
        limit: int,
        *,
        careful: bool = False,
    ) -> int: ...

    def _decoded(self, rows: list[Any], models: list[ReadModel]) -> list[Event]: ...

    def decoder(self, models: list[ReadModel]) -> Decoder: ...

    def _fetch(self, conn: psycopg.Connection[Any], after: int, limit: int) -> list[Any]: ...

    def _lock_key(self, name: str) -> int: ...


class BlueGreen:
    """One rebuild of several read models in one pass over the log."""

    def __init__(self, projections: Source) -> None:
        self.p = projections

    def run(
        self, names: list[str], progress: Callable[[int, int], None] | None = None
    ) -> dict[str, str]:
        """Rebuild several read models in one pass over the log, then switch each of them.

        A pipeline keeps both cores busy: a reader thread fetches the next batch while this thread
        decodes the batch once and folds it into every model, and each model's writer thread
        writes its folded rows with their position on its own connection (one transaction per
        batch, so an interrupted rebuild resumes where its models stopped)."""
        p = self.p
        models = [p.models[n] for n in names]
        head = p.head()
        with p._connect() as conn:
            schemas = {m.name: self._building_schema(conn, m, unlogged=head > 0) for m in models}
        # No cyclic garbage collection while the pipeline runs: its threads keep large batches
        # and key sets alive, and the collector's rescans of them cost up to a third of a
        # rebuild (measured: 1.5-4.2 s of 10-12 s for 500k events). Reference counting still
        # frees everything the rebuild drops; the collector runs again at the end.
        with ExitStack() as stack:
            stack.enter_context(paused_gc())
            writers = {
                m.name: _Writer(stack.enter_context(p.db.dedicated()), schemas[m.name], m)
                for m in models
            }
            # Where each model resumes is what its writer read: a batch another rebuild had in
            # flight then is either counted there or makes this rebuild's first write conflict.
            positions = {name: writer.position for name, writer in writers.items()}
            # entered after the connections, so on the way out (even on an error) the batches
            # already handed over are written before the connections close
            pool = stack.enter_context(ThreadPoolExecutor(len(models), "rebuild-writer"))
            pending: dict[str, Future[None]] = {}
            for rows in self._prefetched(stack, min(positions.values())):
                with paused_gc():
                    for m, batch in self._folded(rows, models, positions):
                        if m.name in pending:
                            pending[m.name].result()  # one write in flight per model
                        pending[m.name] = pool.submit(writers[m.name].write, batch, p._info)
                if progress is not None:
                    progress(rows[-1][0], max(head, rows[-1][0]))
            for future in pending.values():
                future.result()
        with p._connect() as conn:
            for m in models:
                self._activate(conn, m, schemas[m.name])
        if progress is not None:
            progress(p.head(), p.head())
        return schemas

    def _folded(
        self, rows: list[Any], models: list[ReadModel], positions: dict[str, int]
    ) -> Iterator[tuple[ReadModel, _Batch]]:
        """The batch decoded once and folded into each model that does not hold it yet (a
        resumed one may hold some of it); each model's position moves to the batch's end.
        Events that cannot be decoded or folded go with the batch, to be parked."""
        try:
            events, undecoded = self.p._decoded(rows, models), list[Failure]()
        except Exception:
            events, undecoded = parking.decoded(self.p.decoder(models), rows)
        last = rows[-1][0]
        for m in models:
            after = positions[m.name]
            if after >= last:
                continue
            mine = unseen(events, rows[0][0], after)
            changes, kept, unfolded = parking.folded(m.handle, m.seen(mine))
            lost = [f for f in undecoded if f.position > after]
            positions[m.name] = last
            yield m, _Batch(rows, kept, changes, lost + unfolded)

    def _prefetched(self, stack: ExitStack, after: int) -> Iterator[list[Any]]:
        """Batches of rows after `after` up to the head, each fetched while the previous one is
        being processed (the last events are caught up under the lock when switching)."""
        conn = stack.enter_context(self.p.db.dedicated())
        fetcher = stack.enter_context(ThreadPoolExecutor(1, "rebuild-reader"))
        batch = self.p.rebuild_batch
        ahead = fetcher.submit(self._fetch_committed, conn, after, batch)
        while rows := ahead.result():
            if len(rows) == batch:
                ahead = fetcher.submit(self._fetch_committed, conn, rows[-1][0], batch)
                yield rows
            else:
                yield rows
                return

    def _fetch_committed(self, conn: psycopg.Connection[Any], after: int, limit: int) -> list[Any]:
        rows = self.p._fetch(conn, after, limit)
        conn.commit()
        return rows

    def _activate(self, conn: psycopg.Connection[Any], model: ReadModel, schema: str) -> None:
        old = self._switch(conn, model, schema)
        if old is not None:
            conn.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(old)))
            conn.commit()
            self.p._info.pop(old, None)

    def _finish(self, conn: psycopg.Connection[Any], model: ReadModel, schema: str) -> None:
        """The summaries computed in one pass over the written facts, then kept by their
        triggers: once (a rebuild resumed after this committed finds the triggers there)."""
        assert model.rebuilt is not None
        with conn.transaction():
            conn.execute(sql.SQL("set local search_path = {}").format(sql.Identifier(schema)))
            done = conn.execute(
                "select exists (select from pg_trigger t join pg_class c on c.oid = t.tgrelid "
                "join pg_namespace n on n.oid = c.relnamespace where n.nspname = %s "
                "and not t.tgisinternal)",
                [schema],
            ).fetchone()
            if done is None or not done[0]:
                conn.execute(sql.SQL("select {}()").format(sql.Identifier(model.rebuilt)))
                for fact, function in model.summaries.items():
                    conn.execute(summary_triggers(fact, function))

    def _building_schema(
        self, conn: psycopg.Connection[Any], model: ReadModel, *, unlogged: bool
    ) -> str:
        """The schema an interrupted rebuild left (resumed), or a new one with empty tables
        (unlogged if asked: there are rows to write)."""
        with conn.transaction():
            conn.execute("select pg_advisory_xact_lock(%s)", [self.p._lock_key(model.name)])
            conn.execute(
                "insert into projection_registry (name) values (%s) on conflict do nothing",
                [model.name],
            )
            row = conn.execute(
                "select building_schema, building_version from projection_registry "
                "where name = %s for update",
                [model.name],
            ).fetchone()
            assert row is not None
            if row[0] is not None and row[1] == model.version and _exists(conn, row[0]):
                # a server crash empties unlogged tables, _tracking included: start again at 0
                conn.execute(
                    sql.SQL("insert into {} select 0 where not exists (select from {})").format(
                        *[sql.Identifier(row[0], "_tracking")] * 2
                    )
                )
                return str(row[0])
            schema = self._create_schema(conn, model, unlogged=unlogged)
            conn.execute(
                "update projection_registry set building_schema = %s, building_version = %s, "
                "building_started_at = now() where name = %s",
                [schema, model.version, model.name],
            )
            if row[0] is not None and row[0] != schema:
                conn.execute(
                    sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(row[0]))
                )
        return schema

    def _create_schema(
        self, conn: psycopg.Connection[Any], model: ReadModel, *, unlogged: bool
    ) -> str:
        """A new schema with the read model's empty tables (caller's transaction)."""
        (seq,) = conn.execute("select nextval('projection_schema_seq')").fetchone()  # type: ignore[misc]
        prefix = "rm" if self.p.schema == "public" else self.p.schema
        schema = f"{prefix}__{model.name}__{seq}"
        ident = sql.Identifier(schema)
        conn.execute(sql.SQL("create schema {}").format(ident))
        conn.execute(sql.SQL("set local search_path = {}").format(ident))
        conn.execute(model.schema_sql)
        if model.rebuilt is None:  # else created once the facts are written (_finish)
            for fact, function in model.summaries.items():
                conn.execute(summary_triggers(fact, function))
        conn.execute("create table _tracking (position bigint not null)")
        conn.execute("insert into _tracking values (0)")
        # Built unlogged (no WAL for millions of row writes), made logged before the switch.
        # A crash of the server empties them all together, which a resume detects. For an
        # empty log that would only cost two rewrites of each table: built logged.
        for table in _tables(conn, schema) if unlogged else ():
            conn.execute(sql.SQL("alter table {} set unlogged").format(table))
        conn.execute(sql.SQL("set local search_path = {}").format(sql.Identifier(self.p.schema)))
        return schema

    def _switch(self, conn: psycopg.Connection[Any], model: ReadModel, schema: str) -> str | None:
        """Under the live lock: catch up the last events, then point readers at the new schema."""
        p = self.p
        if model.rebuilt is not None:
            self._finish(conn, model, schema)
        with conn.transaction():
            for table in _tables(conn, schema, unlogged=True):
                conn.execute(sql.SQL("alter table {} set logged").format(table))
            # statistics before the first reader: without them the planner guesses, and a query
            # of a few rows was planned as a scan of the whole table, JIT-compiled (70 ms)
            for table in _tables(conn, schema):
                conn.execute(sql.SQL("analyze {}").format(table))
        with conn.transaction():
            conn.execute("select pg_advisory_xact_lock(%s)", [p._lock_key(model.name)])
            while p._batch(conn, model, schema, p.rebuild_batch, careful=True):
                pass
            parking.forget(conn, model.name, keep=schema)  # what the old version had parked
            old = conn.execute(
                "select active_schema from projection_registry where name = %s", [model.name]
            ).fetchone()
            conn.execute(
                "update projection_registry set active_schema = %s, active_version = %s, "
                "building_schema = null, building_version = null, building_started_at = null, "
                "switched_at = now() where name = %s",
                [schema, model.version, model.name],
            )
        return None if old is None or old[0] in (None, schema) else str(old[0])


def _tables(
    conn: psycopg.Connection[Any], schema: str, *, unlogged: bool = False
) -> list[sql.Identifier]:
    """The schema's tables (only the unlogged ones if asked)."""
    rows = conn.execute(
        "select relname from pg_class where relnamespace = %s::regnamespace "
        "and relkind = 'r' and (not %s or relpersistence = 'u') order by relname",
        [schema, unlogged],
    ).fetchall()
    return [sql.Identifier(schema, name) for (name,) in rows]


def _exists(conn: psycopg.Connection[Any], schema: str) -> bool:
    return (
        conn.execute("select 1 from pg_namespace where nspname = %s", [schema]).fetchone()
        is not None
    )


class _Batch(NamedTuple):
    """One model's share of a rebuild batch: the rows read, the events folded into `changes`,
    and the events that could not be decoded or folded."""

    rows: list[Any]
    events: list[Event]
    changes: Changes
    failures: list[Failure]


class _Writer:
    """Writes one read model's folded batches during a rebuild, on its own connection."""

    def __init__(self, conn: psycopg.Connection[Any], schema: str, model: ReadModel) -> None:
        self.conn, self.schema, self.model = conn, schema, model
        row = conn.execute(
            sql.SQL("select position from {}").format(sql.Identifier(schema, "_tracking"))
        ).fetchone()
        conn.commit()
        self.position = int(row[0]) if row else 0
        fresh = self.position == 0
        # From empty tables every key written is remembered, so new rows skip the upsert; a
        # resumed rebuild (or one with too many keys to remember) upserts every row.
        self.known: dict[str, set[tuple[Any, ...]]] | None = {} if fresh else None

    def write(self, batch: _Batch, info: dict[str, dict[str, TableInfo]]) -> None:
        """Write the batch with its position; if the database refused it for one of its
        events, write it again, parking that event."""
        try:
            self._commit(batch, info.setdefault(self.schema, {}), careful=False)
        except RebuildConflict:
            raise
        except Exception as exc:
            if not parking.refused(exc):
                raise
            self._commit(batch, info.setdefault(self.schema, {}), careful=True)

    def _commit(self, batch: _Batch, tables: dict[str, TableInfo], *, careful: bool) -> None:
        conn, schema, model = self.conn, self.schema, self.model
        position = batch.rows[-1][0]
        with conn.transaction():
            failures = batch.failures
            if careful:
                failures = failures + parking.written(
                    conn,
                    model.handle,
                    batch.events,
                    batch.changes,
                    lambda c: write(conn, schema, c, tables, self.known),
                )
            else:
                write(conn, schema, batch.changes, tables, self.known)
            if failures:
                parking.park(conn, model.name, model.version, schema, failures, batch.rows)
                parking.log_parked(model.name, failures)
            moved = conn.execute(
                sql.SQL("update {} set position = %s where position = %s").format(
                    sql.Identifier(schema, "_tracking")
                ),
                [position, self.position],
            ).rowcount
            if moved != 1:  # rolls the batch back: never write a batch twice
                raise RebuildConflict(model.name)
        self.position = position
        if self.known is not None and sum(map(len, self.known.values())) > KNOWN_KEYS_LIMIT:
            self.known = None


class RebuildConflict(RuntimeError):
    """Another process is rebuilding the same read model into the same schema."""

    def __init__(self, name: str) -> None:
        super().__init__(f"another process is rebuilding read model {name}; this rebuild stopped")
