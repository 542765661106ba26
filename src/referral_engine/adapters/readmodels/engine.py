"""The projection engine: one batched path for live tailing and blue/green rebuilds.

Each read model in `projections/<name>/` (see discovery.py) is fed from the events table in
batches: a batch is read, decoded (decoding.py), folded in memory, written in bulk (sql.py) and
its position recorded in the same transaction. Rebuilds are in rebuild.py; `Projections` is the
facade the rest of the code uses.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any, TypeVar

import psycopg
from eventsourcing.persistence import Transcoder
from psycopg import sql
from psycopg.rows import dict_row

from referral_engine.adapters.blind_index import BlindIndex
from referral_engine.adapters.readmodels import parking
from referral_engine.adapters.readmodels.connections import ReadModelDatabase
from referral_engine.adapters.readmodels.decoding import PROJECTED, Decoder
from referral_engine.adapters.readmodels.discovery import ReadModel, discover
from referral_engine.adapters.readmodels.live import caught_up
from referral_engine.adapters.readmodels.parking import Parked
from referral_engine.adapters.readmodels.rebuild import BlueGreen, RebuildConflict
from referral_engine.adapters.readmodels.retry import Retried, retry
from referral_engine.adapters.readmodels.sql import TableInfo, write
from referral_engine.adapters.readmodels.status import Status, statuses
from referral_engine.application.ports import paused_gc
from referral_engine.application.readmodel import Changes, Event
from referral_engine.workflows.loader import WorkflowRegistry

__all__ = ["CHANNEL", "PROJECTED", "Parked", "Projections", "ReadModel", "ReadModelNotReady",
           "RebuildConflict", "Retried", "Status", "discover"]  # fmt: skip

log = logging.getLogger("referral_engine.projections")
CHANNEL = "referral_engine_events"
LIVE_BATCH = 2_000
REBUILD_BATCH = 20_000

SCHEMA = (
    """create table if not exists projection_registry (
        name text primary key,
        active_schema text,
        active_version int,
        building_schema text,
        building_version int,
        building_started_at timestamptz,
        switched_at timestamptz)""",
    "create sequence if not exists projection_schema_seq",
    *parking.SCHEMA,
)

T = TypeVar("T")
UNFLUSHED_LOCK = "select pg_advisory_xact_lock(%s), set_config('synchronous_commit', 'off', true)"


class Projections:
    """Runs read models on PostgreSQL: catch up, rebuild blue/green, status, named queries."""

    def __init__(
        self,
        db: ReadModelDatabase,
        models: dict[str, ReadModel],
        workflows: WorkflowRegistry,
        transcoder: Transcoder,
        blind: BlindIndex | None = None,
    ) -> None:
        self.db = db
        self.models = models
        self.decode = Decoder(workflows, transcoder, blind)
        self.decode_plain = Decoder(workflows, transcoder)  # for models not reading persons
        self.events = sql.Identifier(db.schema, "cases_events")
        self.live_batch = LIVE_BATCH
        self.rebuild_batch = REBUILD_BATCH
        self._info: dict[str, dict[str, TableInfo]] = {}

    @property
    def url(self) -> str:
        return self.db.url

    @property
    def schema(self) -> str:
        return self.db.schema

    def close(self) -> None:
        """Close the connection pool."""
        self.db.close()

    # -- setup ----------------------------------------------------------------------------------

    def migrate(self) -> None:
        """The registry, and a trigger that wakes live workers when events are committed."""
        with self._connect() as conn, conn.transaction():
            conn.execute("select pg_advisory_xact_lock(hashtext('referral_engine.migrate'))")
            for statement in SCHEMA:
                conn.execute(statement)
            function = sql.Identifier(self.schema, "notify_case_events")
            conn.execute(
                sql.SQL(
                    "create or replace function {}() returns trigger language plpgsql as $$ "
                    "begin perform pg_notify({}, tg_table_schema); return null; end $$"
                ).format(function, sql.Literal(CHANNEL))
            )
            conn.execute(
                sql.SQL("drop trigger if exists notify_case_events on {}").format(self.events)
            )
            conn.execute(
                sql.SQL(
                    "create trigger notify_case_events after insert on {} "
                    "for each statement execute function {}()"
                ).format(self.events, function)
            )

    def ensure_built(self) -> None:
        """While the log is empty, build missing read models at once (there is nothing to wait
        for); otherwise the live worker builds them, blue/green, and readers get 503 till then."""
        if self.head() == 0:
            with self._connect() as conn:
                missing = [
                    name
                    for name, model in self.models.items()
                    if self._registry(name, conn)["active_version"] != model.version
                ]
            if missing:
                self.rebuild_many(missing)  # one pass: 15 connections in all, not 40

    # -- processing -----------------------------------------------------------------------------

    def catch_up(self, names: list[str] | None = None) -> int:
        """Process every read model up to the head of the log; returns events processed."""
        done = 0
        with self._connect() as conn:  # one connection for the round
            live = []  # then rounds of one batch for all of them (live.py)
            for name in names or list(self.models):
                registry = self._registry(name, conn)
                if registry["active_version"] != self.models[name].version:
                    self.rebuild(name)  # first build, or the definition changed: blue/green
                else:
                    live.append(self.models[name])
            done += caught_up(self, conn, live)
        return done

    def rebuild(self, name: str, progress: Callable[[int, int], None] | None = None) -> str:
        """Build the read model afresh in a new schema while the old one serves, then switch."""
        return self.rebuild_many([name], progress)[name]

    def rebuild_many(
        self, names: list[str], progress: Callable[[int, int], None] | None = None
    ) -> dict[str, str]:
        """Rebuild several read models in one pass over the log, then switch each of them."""
        return BlueGreen(self).run(names, progress)

    def _live_batch(self, conn: psycopg.Connection[Any], model: ReadModel) -> int:
        """One batch; a batch that failed for one of its events is done again, parking it."""
        try:
            return self._locked_batch(conn, model, careful=False)
        except Exception as exc:
            if not parking.refused(exc):
                raise
        return self._locked_batch(conn, model, careful=True)

    def _locked_batch(
        self, conn: psycopg.Connection[Any], model: ReadModel, *, careful: bool
    ) -> int:
        with conn.transaction():
            # no wait for the disk: a model's rows and position commit together, so a crash
            # losing its last batches loses both, folded again (docs/benchmarks.md, live lag)
            conn.execute(UNFLUSHED_LOCK, [self._lock_key(model.name)])
            schema = conn.execute(
                "select active_schema from projection_registry where name = %s", [model.name]
            ).fetchone()
            if schema is None or schema[0] is None:
                return 0
            return self._batch(conn, model, schema[0], self.live_batch, careful=careful)

    def _batch(
        self,
        conn: psycopg.Connection[Any],
        model: ReadModel,
        schema: str,
        limit: int,
        *,
        careful: bool = False,
    ) -> int:
        """Read, fold and write one batch after the schema's position (caller's transaction);
        `careful` parks the events that cannot be folded instead of failing the batch."""
        tracking = sql.Identifier(schema, "_tracking")
        row = conn.execute(sql.SQL("select position from {}").format(tracking)).fetchone()
        rows = self._fetch(conn, int(row[0]) if row else 0, limit)
        if rows:
            with paused_gc():
                if careful:
                    info = self._info.setdefault(schema, {})
                    parking.fold_carefully(
                        conn, model, schema, rows, self.decoder([model]),
                        lambda changes: write(conn, schema, changes, info),
                    )  # fmt: skip
                else:
                    self._fold(conn, model, schema, self._decoded(rows, [model]), rows[-1][0])
        return len(rows)

    def decoder(self, models: list[ReadModel]) -> Decoder:
        """The decoder for a batch these read models fold: with the blind values of the
        person fields only if one of them reads them."""
        return self.decode if any(m.persons for m in models) else self.decode_plain

    def _decoded(self, rows: list[Any], models: list[ReadModel]) -> list[Event]:
        decode = self.decoder(models)
        decode.prepare(rows)
        return [e for e in map(decode, rows) if e is not None]

    def _fetch(self, conn: psycopg.Connection[Any], after: int, limit: int) -> list[Any]:
        with conn.cursor(binary=True) as cur:
            return cur.execute(
                sql.SQL(
                    "select notification_id, originator_id, originator_version, topic, state "
                    "from {} where notification_id > %s order by notification_id limit %s"
                ).format(self.events),
                [after, limit],
            ).fetchall()

    def _fold(
        self,
        conn: psycopg.Connection[Any],
        model: ReadModel,
        schema: str,
        events: list[Event],
        position: int,
    ) -> None:
        """Fold decoded events into one batch of changes, write it, record the position."""
        changes = self._changes(model, events)
        write(conn, schema, changes, self._info.setdefault(schema, {}))
        conn.execute(
            sql.SQL("update {} set position = %s").format(sql.Identifier(schema, "_tracking")),
            [position],
        )

    def _changes(self, model: ReadModel, events: list[Event]) -> Changes:
        changes = Changes()
        handle = model.handle
        for event in model.seen(events):
            handle(event, changes)
        return changes

    # -- reading --------------------------------------------------------------------------------

    def query(self, name: str, query: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        """Run a read model's named query against its active schema."""
        text = self.models[name].queries[query]

        def run(conn: psycopg.Connection[Any], schema: str) -> list[dict[str, Any]]:
            with conn.cursor(row_factory=dict_row) as cur:
                cur.execute("set local jit = off")  # JIT cost more than these small reads
                return cur.execute(text, params).fetchall()

        return self.reading(name, run)

    def reading(
        self,
        name: str,
        work: Callable[[psycopg.Connection[Any], str], T],
        *,
        snapshot: bool = False,
    ) -> T:
        """`work(conn, schema)` in one transaction reading the read model's active schema (its
        search_path), read only in one snapshot if asked; once more if a switch dropped the
        schema meanwhile."""
        for attempt in range(2):
            try:
                with self._connect() as conn, conn.transaction():
                    if snapshot:
                        conn.execute("set transaction isolation level repeatable read, read only")
                    schema = self.active_schema(conn, name)
                    conn.execute(
                        sql.SQL("set local search_path = {}").format(sql.Identifier(schema))
                    )
                    return work(conn, schema)
            except psycopg.errors.UndefinedTable:
                if attempt:
                    raise  # switched twice while we read: let the caller retry
        raise AssertionError("unreachable")

    def dashboards(self) -> dict[str, Any]:
        """The read models that publish a dashboard, with its declaration."""
        return {
            name: model.module.DASHBOARD
            for name, model in self.models.items()
            if hasattr(model.module, "DASHBOARD") and "dashboard" in model.queries
        }

    def active_schema(self, conn: psycopg.Connection[Any], name: str) -> str:
        """The schema readers of read model `name` read now."""
        row = conn.execute(
            "select active_schema from projection_registry where name = %s", [name]
        ).fetchone()
        if row is None or row[0] is None:
            raise ReadModelNotReady(name)
        return str(row[0])

    def parked(self, name: str | None = None, position: int | None = None) -> list[Parked]:
        """The events parked in the active version of one read model (or of every one)."""
        with self._connect() as conn:
            schemas = {}
            for n in [name] if name else list(self.models):
                schema = self._registry(n, conn)["active_schema"]
                if schema is not None:
                    schemas[n] = schema
            return parking.listed(conn, schemas, position)

    def retry(self, name: str, position: int | None = None) -> Retried:
        """Fold the parked events again after a fix: by a blue/green rebuild, in log order,
        run only if a parked event (the one at `position`, if given) now folds."""
        return retry(self, name, position)

    def head(self) -> int:
        """The position of the newest event in the log."""
        with self._connect() as conn:
            row = conn.execute(
                sql.SQL("select max(notification_id) from {}").format(self.events)
            ).fetchone()
        return int(row[0] or 0) if row else 0

    def caught_up(self, name: str, timeout: float = 2.0) -> bool:
        """Whether read model `name` folds every event committed before the call within
        `timeout` s (a page shown right after a command then shows it: read your writes)."""
        head, give_up = self.head(), time.monotonic() + timeout
        while True:
            with self._connect() as conn:
                schema = self._registry(name, conn)["active_schema"]
                if schema is not None and self._position(conn, schema) >= head:
                    return True
            if time.monotonic() > give_up:
                return False
            time.sleep(0.02)  # the live worker, woken by the commit, folds it meanwhile

    def status(self) -> list[Status]:
        """Each read model's version, position, lag (events and seconds), parked events and
        rebuild progress."""
        return statuses(self)

    # -- plumbing -------------------------------------------------------------------------------

    def _registry(self, name: str, conn: psycopg.Connection[Any] | None = None) -> dict[str, Any]:
        with self._maybe(conn) as c, c.cursor(row_factory=dict_row) as cur:
            row = cur.execute(
                "select * from projection_registry where name = %s", [name]
            ).fetchone()
        return row or {"active_schema": None, "active_version": None, "building_schema": None}

    def _position(self, conn: psycopg.Connection[Any], schema: str) -> int:
        row = conn.execute(
            sql.SQL("select position from {}").format(sql.Identifier(schema, "_tracking"))
        ).fetchone()
        conn.commit()
        return int(row[0]) if row else 0

    def _lock_key(self, name: str) -> int:
        """A 63-bit key for pg_advisory_xact_lock that every process computes alike."""
        digest = hashlib.blake2b(f"{self.schema}:{name}".encode(), digest_size=8).digest()
        return int.from_bytes(digest, "big") >> 1

    def _connect(self) -> AbstractContextManager[psycopg.Connection[Any]]:
        return self.db.connection()

    @contextmanager
    def _maybe(self, conn: psycopg.Connection[Any] | None) -> Iterator[psycopg.Connection[Any]]:
        if conn is not None:
            yield conn
            conn.commit()
            return
        with self._connect() as own:
            yield own


class ReadModelNotReady(LookupError):
    """A read model has no active version yet (its first build is still running)."""
