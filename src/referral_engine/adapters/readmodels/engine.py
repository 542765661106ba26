"""The projection engine: one batched path for live tailing and blue/green rebuilds.

Each read model in `projections/<name>/` has `schema.sql`, `projection.py` (`VERSION` and a pure
`handle(event, changes)`) and `queries.sql` (named queries). A batch is read from the events
table, folded in memory, written in bulk and its position recorded in the same transaction.
"""

from __future__ import annotations

import importlib.util
import logging
import re
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import orjson
import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from referral_engine.adapters.readmodels.sql import TableInfo, summary_triggers, write
from referral_engine.application.ports import paused_gc
from referral_engine.application.readmodel import Changes, Event
from referral_engine.workflows.loader import WorkflowRegistry

log = logging.getLogger("referral_engine.projections")
CHANNEL = "referral_engine_events"
LIVE_BATCH = 2_000
REBUILD_BATCH = 20_000
KNOWN_KEYS_LIMIT = 5_000_000
"""Keys a rebuild remembers per read model to copy new rows straight in (about 0.5 GB)."""
QUERY_NAME = re.compile(r"^--\s*name:\s*([a-z_][a-z0-9_]*)\s*$", re.MULTILINE)

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
)


@dataclass(frozen=True)
class ReadModel:
    """One folder of `projections/`: its tables, its handler and its named queries."""

    name: str
    version: int
    schema_sql: str
    handle: Callable[[Event, Changes], None]
    queries: dict[str, str]
    module: Any
    summaries: dict[str, str]
    """Fact table -> the SQL function `(changed <table>[], n int)` that folds changed rows
    (n = 1 for new rows, -1 for old ones) into a summary; the engine creates the triggers."""


def discover(directory: Path) -> dict[str, ReadModel]:
    """Every read model folder in `directory`; adding a read model means adding a folder."""
    found: dict[str, ReadModel] = {}
    for folder in sorted(p for p in directory.iterdir() if (p / "projection.py").is_file()):
        spec = importlib.util.spec_from_file_location(
            f"referral_engine_projection_{folder.name}", folder / "projection.py"
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        queries_file = folder / "queries.sql"
        schema_sql = (folder / "schema.sql").read_text(encoding="utf-8")
        found[folder.name] = ReadModel(
            name=folder.name,
            version=int(module.VERSION),
            schema_sql=schema_sql,
            handle=module.handle,
            queries=_named_queries(queries_file.read_text("utf-8"))
            if queries_file.exists()
            else {},
            module=module,
            summaries=_summaries(folder.name, schema_sql, getattr(module, "SUMMARIES", {})),
        )
    return found


def _summaries(name: str, schema_sql: str, declared: dict[str, str]) -> dict[str, str]:
    """The read model's SUMMARIES, checked against its schema.sql so a typo fails at discovery."""
    for table, function in declared.items():
        for kind, ident in (("table", table), ("function", function)):
            if not re.search(rf"create\s+{kind}\s+{re.escape(ident)}\b", schema_sql, re.I):
                raise ValueError(
                    f"read model {name}: SUMMARIES names {kind} {ident!r}, "
                    "which its schema.sql does not create"
                )
    return dict(declared)


def _named_queries(text: str) -> dict[str, str]:
    parts = QUERY_NAME.split(text)
    return {
        name: body.strip().rstrip(";") for name, body in zip(parts[1::2], parts[2::2], strict=True)
    }


class Decoder:
    """Turns stored rows into read-model Events, keeping only non-personal reporting fields."""

    def __init__(self, workflows: WorkflowRegistry) -> None:
        self.workflows = workflows
        self._cache: dict[tuple[str, int], tuple[Any, ...]] = {}

    def _facts(self, workflow_id: str, version: int) -> tuple[Any, ...]:
        """What decoding needs from a workflow version, looked up once."""
        facts = self._cache.get((workflow_id, version))
        if facts is None:
            w = self.workflows.get(workflow_id, version)
            r = w.referrals
            facts = self._cache[(workflow_id, version)] = (
                w.milestones,
                tuple(w.report_fields.items()),
                r.agency_field if r else None,
                r.service_field if r else None,
            )
        return facts

    def __call__(self, row: tuple[Any, ...]) -> Event | None:
        """The event as read models see it; None for events they do not see (an erasure)."""
        position, case_id, version, topic, state = row
        if not topic.endswith(PROJECTED):
            return None
        d = orjson.loads(state)
        if d.get("class_version", 1) > KNOWN_VERSIONS.get(topic.rpartition(".")[2], 1):
            raise ValueError(f"no upcaster for {topic} version {d['class_version']}")
        workflow = d["workflow_id"], d["workflow_version"]
        facts = self._cache.get(workflow) or self._facts(*workflow)
        milestones, report_fields, agency_field, service_field = facts
        name, data, actor = d["name"], d["data"], d["actor"]
        if topic.endswith(".Opened"):
            trigger = referral_id = from_state = None
            to_state, agency, service = d["state"], None, None
        else:
            trigger, referral_id, from_state = d["trigger"], d["referral_id"], d["from_state"]
            to_state = d["to_state"]
            sends = from_state is None and agency_field is not None
            # StepTaken version 2 names a sent referral's agency and service itself
            agency = d.get("agency", data.get(agency_field)) if sends else None
            service = d.get("service", data.get(service_field)) if sends else None
        return Event(
            position,
            case_id,
            version,
            name,
            trigger,
            referral_id,
            from_state,
            to_state,
            d["region"],
            workflow[0],
            workflow[1],
            date.fromisoformat(d["occurred_at"]["_data_"][:10]),
            datetime.fromisoformat(d["timestamp"]["_data_"]),
            actor["role"],
            actor["agency"],
            milestones.get(name, _NONE),
            {k: data[f] for k, f in report_fields if f in data} if report_fields else {},
            agency,
            service,
            d["deadlines_started"],
            d.get("deadlines_stopped", ()),
        )


_NONE: frozenset[str] = frozenset()
PROJECTED = (".Opened", ".StepTaken", ".WorkflowMigrated")
"""The case events read models see (by topic suffix); others only move their position."""
KNOWN_VERSIONS = {"StepTaken": 2}
"""Event versions read here (StepTaken 2 only added the referral's agency and service)."""


@dataclass(frozen=True)
class Status:
    name: str
    version: int
    active_schema: str | None
    position: int
    head: int
    lag_events: int
    lag_seconds: float
    rebuilding: bool
    rebuild_position: int | None
    stale: bool


class Projections:
    """Runs read models on PostgreSQL: catch up, rebuild blue/green, status, named queries."""

    def __init__(
        self, url: str, schema: str, models: dict[str, ReadModel], workflows: WorkflowRegistry
    ) -> None:
        self.url = url
        self.schema = schema
        self.models = models
        self.decode = Decoder(workflows)
        self.events = sql.Identifier(schema, "cases_events")
        self.live_batch = LIVE_BATCH
        self.rebuild_batch = REBUILD_BATCH
        self._info: dict[str, dict[str, TableInfo]] = {}

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
        with self._connect() as conn:  # one connection for the round: connecting costs ms
            for name in names or list(self.models):
                registry = self._registry(name, conn)
                if registry["active_version"] != self.models[name].version:
                    self.rebuild(name)  # first build, or the definition changed: blue/green
                    continue
                while n := self._live_batch(conn, self.models[name]):
                    done += n
        return done

    def _live_batch(self, conn: psycopg.Connection[Any], model: ReadModel) -> int:
        with conn.transaction():
            conn.execute("select pg_advisory_xact_lock(%s)", [self._lock_key(model.name)])
            schema = conn.execute(
                "select active_schema from projection_registry where name = %s", [model.name]
            ).fetchone()
            if schema is None or schema[0] is None:
                return 0
            return self._batch(conn, model, schema[0], self.live_batch)

    def _batch(
        self, conn: psycopg.Connection[Any], model: ReadModel, schema: str, limit: int
    ) -> int:
        """Read, fold and write one batch after the schema's position (caller's transaction)."""
        position = self._position_in(conn, schema)
        rows = self._fetch(conn, position, limit)
        if rows:
            with paused_gc():
                self._fold(conn, model, schema, self._decoded(rows), rows[-1][0])
        return len(rows)

    def _decoded(self, rows: list[Any]) -> list[Event]:
        decode = self.decode
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

    def _position_in(self, conn: psycopg.Connection[Any], schema: str) -> int:
        tracking = sql.Identifier(schema, "_tracking")
        row = conn.execute(sql.SQL("select position from {}").format(tracking)).fetchone()
        return int(row[0]) if row else 0

    def rebuild(self, name: str, progress: Callable[[int, int], None] | None = None) -> str:
        """Build the read model afresh in a new schema while the old one serves, then switch."""
        return self.rebuild_many([name], progress)[name]

    def rebuild_many(
        self, names: list[str], progress: Callable[[int, int], None] | None = None
    ) -> dict[str, str]:
        """Rebuild several read models in one pass over the log, then switch each of them.

        A pipeline keeps both cores busy: a reader thread fetches the next batch while this thread
        decodes the batch once and folds it into every model, and each model's writer thread
        writes its folded rows with their position on its own connection (one transaction per
        batch, so an interrupted rebuild resumes where its models stopped)."""
        models = [self.models[n] for n in names]
        head = self.head()
        with self._connect() as conn:
            schemas = {m.name: self._building_schema(conn, m, unlogged=head > 0) for m in models}
            positions = {m.name: self._position(conn, schemas[m.name]) for m in models}
        # No cyclic garbage collection while the pipeline runs: its threads keep large batches
        # and key sets alive, and the collector's rescans of them cost up to a third of a
        # rebuild (measured: 1.5-4.2 s of 10-12 s for 500k events). Reference counting still
        # frees everything the rebuild drops; the collector runs again at the end.
        with ExitStack() as stack:
            stack.enter_context(paused_gc())
            writers = {
                m.name: _Writer(stack.enter_context(self._connect()), schemas[m.name], m)
                for m in models
            }
            # entered after the connections, so on the way out (even on an error) the batches
            # already handed over are written before the connections close
            pool = stack.enter_context(ThreadPoolExecutor(len(models), "rebuild-writer"))
            pending: dict[str, Future[None]] = {}
            for rows in self._prefetched(stack, min(positions.values())):
                last = rows[-1][0]
                with paused_gc():
                    events = self._decoded(rows)
                    for m in models:
                        after = positions[m.name]
                        if after >= last:
                            continue  # resumed: this model already holds the batch
                        mine = (
                            events
                            if rows[0][0] > after
                            else [e for e in events if e.position > after]
                        )
                        changes = self._changes(m, mine)
                        if m.name in pending:
                            pending[m.name].result()  # one write in flight per model
                        pending[m.name] = pool.submit(
                            writers[m.name].write, changes, last, self._info
                        )
                        positions[m.name] = last
                if progress is not None:
                    progress(last, max(head, last))
            for future in pending.values():
                future.result()
        with self._connect() as conn:
            for m in models:
                self._activate(conn, m, schemas[m.name])
        if progress is not None:
            progress(self.head(), self.head())
        return schemas

    def _prefetched(self, stack: ExitStack, after: int) -> Iterator[list[Any]]:
        """Batches of rows after `after` up to the head, each fetched while the previous one is
        being processed (the last events are caught up under the lock when switching)."""
        conn = stack.enter_context(self._connect())
        fetcher = stack.enter_context(ThreadPoolExecutor(1, "rebuild-reader"))
        batch = self.rebuild_batch
        ahead = fetcher.submit(self._fetch_committed, conn, after, batch)
        while rows := ahead.result():
            if len(rows) == batch:
                ahead = fetcher.submit(self._fetch_committed, conn, rows[-1][0], batch)
                yield rows
            else:
                yield rows
                return

    def _fetch_committed(self, conn: psycopg.Connection[Any], after: int, limit: int) -> list[Any]:
        rows = self._fetch(conn, after, limit)
        conn.commit()
        return rows

    def _changes(self, model: ReadModel, events: list[Event]) -> Changes:
        changes = Changes()
        handle = model.handle
        for event in events:
            handle(event, changes)
        return changes

    def _activate(self, conn: psycopg.Connection[Any], model: ReadModel, schema: str) -> None:
        old = self._switch(conn, model, schema)
        if old is not None:
            conn.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(old)))
            conn.commit()
            self._info.pop(old, None)

    def _building_schema(
        self, conn: psycopg.Connection[Any], model: ReadModel, *, unlogged: bool
    ) -> str:
        """The schema an interrupted rebuild left (resumed), or a new one with empty tables
        (unlogged if asked: there are rows to write)."""
        with conn.transaction():
            conn.execute("select pg_advisory_xact_lock(%s)", [self._lock_key(model.name)])
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
            if row[0] is not None and row[1] == model.version and self._exists(conn, row[0]):
                # a server crash empties unlogged tables, _tracking included: start again at 0
                conn.execute(
                    sql.SQL("insert into {} select 0 where not exists (select from {})").format(
                        *[sql.Identifier(row[0], "_tracking")] * 2
                    )
                )
                return str(row[0])
            (seq,) = conn.execute("select nextval('projection_schema_seq')").fetchone()  # type: ignore[misc]
            prefix = "rm" if self.schema == "public" else self.schema
            schema = f"{prefix}__{model.name}__{seq}"
            ident = sql.Identifier(schema)
            conn.execute(sql.SQL("create schema {}").format(ident))
            conn.execute(sql.SQL("set local search_path = {}").format(ident))
            conn.execute(model.schema_sql)
            for fact, function in model.summaries.items():
                conn.execute(summary_triggers(fact, function))
            conn.execute("create table _tracking (position bigint not null)")
            conn.execute("insert into _tracking values (0)")
            # Built unlogged (no WAL for millions of row writes), made logged before the switch.
            # A crash of the server empties them all together, which a resume detects. For an
            # empty log that would only cost two rewrites of each table: built logged.
            for table in self._tables(conn, schema) if unlogged else ():
                conn.execute(sql.SQL("alter table {} set unlogged").format(table))
            conn.execute(sql.SQL("set local search_path = {}").format(sql.Identifier(self.schema)))
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

    def _switch(self, conn: psycopg.Connection[Any], model: ReadModel, schema: str) -> str | None:
        """Under the live lock: catch up the last events, then point readers at the new schema."""
        with conn.transaction():
            for table in self._tables(conn, schema, unlogged=True):
                conn.execute(sql.SQL("alter table {} set logged").format(table))
        with conn.transaction():
            conn.execute("select pg_advisory_xact_lock(%s)", [self._lock_key(model.name)])
            while self._batch(conn, model, schema, self.rebuild_batch):
                pass
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

    # -- reading --------------------------------------------------------------------------------

    def query(self, name: str, query: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        """Run a read model's named query against its active schema."""
        text = self.models[name].queries[query]
        for attempt in range(2):
            try:
                with self._connect() as conn, conn.transaction():
                    schema = self.active_schema(conn, name)
                    conn.execute(
                        sql.SQL("set local search_path = {}").format(sql.Identifier(schema))
                    )
                    with conn.cursor(row_factory=dict_row) as cur:
                        return cur.execute(text, params).fetchall()
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
        row = conn.execute(
            "select active_schema from projection_registry where name = %s", [name]
        ).fetchone()
        if row is None or row[0] is None:
            raise ReadModelNotReady(name)
        return str(row[0])

    def head(self) -> int:
        with self._connect() as conn:
            row = conn.execute(
                sql.SQL("select max(notification_id) from {}").format(self.events)
            ).fetchone()
        return int(row[0] or 0) if row else 0

    def status(self) -> list[Status]:
        """Each read model's version, position, lag (events and seconds) and rebuild progress."""
        head = self.head()
        found = []
        with self._connect() as conn:
            for name, model in self.models.items():
                reg = self._registry(name, conn)
                position = self._position(conn, reg["active_schema"]) if reg["active_schema"] else 0
                building = reg["building_schema"]
                found.append(
                    Status(
                        name=name,
                        version=model.version,
                        active_schema=reg["active_schema"],
                        position=position,
                        head=head,
                        lag_events=max(head - position, 0),
                        lag_seconds=self._lag_seconds(conn, position, head),
                        rebuilding=building is not None,
                        rebuild_position=self._position(conn, building) if building else None,
                        stale=reg["active_version"] not in (None, model.version),
                    )
                )
        return found

    def _lag_seconds(self, conn: psycopg.Connection[Any], position: int, head: int) -> float:
        if position >= head:
            return 0.0
        row = conn.execute(
            sql.SQL(
                "select state from {} where notification_id > %s order by notification_id limit 1"
            ).format(self.events),
            [position],
        ).fetchone()
        if row is None:
            return 0.0
        recorded = datetime.fromisoformat(orjson.loads(row[0])["timestamp"]["_data_"])
        return max((datetime.now(UTC) - recorded).total_seconds(), 0.0)

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

    def _tables(
        self, conn: psycopg.Connection[Any], schema: str, *, unlogged: bool = False
    ) -> list[sql.Identifier]:
        """The schema's tables (only the unlogged ones if asked)."""
        rows = conn.execute(
            "select relname from pg_class where relnamespace = %s::regnamespace "
            "and relkind = 'r' and (not %s or relpersistence = 'u') order by relname",
            [schema, unlogged],
        ).fetchall()
        return [sql.Identifier(schema, name) for (name,) in rows]

    def _exists(self, conn: psycopg.Connection[Any], schema: str) -> bool:
        return (
            conn.execute("select 1 from pg_namespace where nspname = %s", [schema]).fetchone()
            is not None
        )

    def _lock_key(self, name: str) -> int:
        return _stable_hash(f"{self.schema}:{name}")

    def _connect(self) -> psycopg.Connection[Any]:
        return psycopg.connect(self.url, options=f"-c search_path={self.schema}")

    @contextmanager
    def _maybe(self, conn: psycopg.Connection[Any] | None) -> Iterator[psycopg.Connection[Any]]:
        if conn is not None:
            yield conn
            conn.commit()
            return
        with self._connect() as own:
            yield own


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

    def write(self, changes: Changes, position: int, info: dict[str, dict[str, TableInfo]]) -> None:
        with self.conn.transaction():
            write(self.conn, self.schema, changes, info.setdefault(self.schema, {}), self.known)
            moved = self.conn.execute(
                sql.SQL("update {} set position = %s where position = %s").format(
                    sql.Identifier(self.schema, "_tracking")
                ),
                [position, self.position],
            ).rowcount
            if moved != 1:  # rolls the batch back: never write a batch twice
                raise RebuildConflict(self.model.name)
        self.position = position
        if self.known is not None and sum(map(len, self.known.values())) > KNOWN_KEYS_LIMIT:
            self.known = None


class RebuildConflict(RuntimeError):
    """Another process is rebuilding the same read model into the same schema."""

    def __init__(self, name: str) -> None:
        super().__init__(f"another process is rebuilding read model {name}; this rebuild stopped")


class ReadModelNotReady(LookupError):
    """A read model has no active version yet (its first build is still running)."""


def _stable_hash(text: str) -> int:
    """A 63-bit key for pg_advisory_xact_lock that every process computes alike."""
    import hashlib

    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big") >> 1
