"""The recorder of the case and agency streams: eventsourcing's PostgreSQL recorder with each
command's transaction sent in one round trip, and its statements written once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple
from uuid import UUID

import psycopg
from eventsourcing.persistence import IntegrityError, InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.utils import retry
from psycopg import sql
from psycopg.rows import tuple_row

from referral_engine.adapters import audit as audit_log
from referral_engine.adapters import audit_chain
from referral_engine.adapters import documents as case_documents
from referral_engine.adapters import snapshots as case_snapshots
from referral_engine.adapters.case_keys import destroy_keys
from referral_engine.adapters.crypto import ERASURE
from referral_engine.application.ports import AuditNote

APPEND_VERSION = 1
"""Part of the append function's name: a change of its parameters or body takes a new number,
so that a process of the version before, restarting during a rolling deploy, recreates its own
function and not this one (`create or replace` runs at every start)."""


class Statements(NamedTuple):
    """A recorder's statements as text, composed once (composing the library's `sql.Composed`
    statements again for every command took 8 % of a client's time at 4 clients, measured)."""

    lock: tuple[str, ...]
    """The library's lock timeout and table lock, unchanged."""
    insert_one: str
    """One event (most commands): four parameters, where the library builds an array of a
    composite type even for one row."""
    insert_many: str
    """Several events: four arrays of plain types."""
    select: dict[tuple[bool, bool, bool, bool], str]
    """A stream's events, by which of gt, lte, desc and limit are given."""
    append: str
    """A command's events and audit entry through the append function (`append_function`)."""


class Replayed(NamedTuple):
    """A stream read for a replay (`OneTripRecorder.select_for_replay`)."""

    events: list[StoredEvent]
    """The events after `kept` (from the first without it) up to the version asked."""
    kept: tuple[int, bytes] | None
    """The last fold kept at or below the version asked: its version and sealed bytes."""
    last: int
    """The stream's last version (0: no stream)."""
    erased: bool
    """Whether the stream records an erasure."""


class OneTripRecorder(PostgresApplicationRecorder):
    """eventsourcing's recorder, with the commit sent in the same round trip as the insert.

    The recorder locks the events table from the insert to the commit, so that notification ids
    commit in order (tailing readers rely on it). The stock recorder syncs after the insert and
    only then sends COMMIT: the lock was held while the client thread got the result back and
    waited for the GIL to answer (measured: at 16 clients, 13 sessions waiting for the lock
    while its holder sat idle in transaction). Here BEGIN, the lock, the insert and COMMIT go
    in one pipeline, so the server releases the lock as soon as the commit is durable. Live
    workers are woken by the events table's own NOTIFY trigger, so the stock NOTIFY is left out.
    """

    _composed: Statements | None = None
    _replay_query: str | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # created with the library's tables, under the same migration lock, at every start
        self.sql_create_statements.append(self.append_function())

    @property
    def append_name(self) -> sql.Identifier:
        """The append function of this recorder's events table (cases and agencies each have
        one), in the table's schema."""
        name = f"re_append_v{APPEND_VERSION}_{self.events_table_name}"
        self.check_identifier_length(name)  # PostgreSQL would cut it: two could then clash
        return sql.Identifier(self.datastore.schema, name)

    def append_function(self) -> sql.Composed:
        """A command's transaction as one server-side function: the library's table lock, the
        events' insert, then the audit entry (if given) chained under the chain's lock.

        Called alone in autocommit, it is one statement, sent and committed in one message:
        the lock is held for the server's work and the flush only. Sent as statements, even in
        one pipeline, the lock could wait for the client between them (its thread waiting for
        the GIL), and each statement cost the client 30-40 us of processor time (measured).
        Each statement of the function takes its own snapshot (a volatile PL/pgSQL function
        does), so the entry's insert sees the head the chain's lock waited for."""
        audit_params = sql.SQL(", ").join(
            sql.SQL("{} {}").format(sql.Identifier(f"a_{c}"), sql.SQL(t))
            for c, t in audit_chain.TYPES.items()
        )
        entry = audit_chain.insert(
            self.datastore.schema,
            [sql.Identifier(f"a_{c}") for c in audit_chain.COLUMNS],
            sql.Identifier("a_content"),
            sql.Identifier("a_detail"),
            sql.Literal(audit_chain.GENESIS),
        )
        return sql.SQL(
            "create or replace function {name}(ids {id_type}[], versions int8[], topics text[], "
            "states bytea[], audit_lock int8, {audit_params}, a_content bytea, a_detail jsonb) "
            "returns setof int8 language plpgsql as $body$ begin {lock}; "
            "return query insert into {table} (originator_id, originator_version, topic, state) "
            "select * from unnest(ids, versions, topics, states) returning notification_id; "
            "if a_detail is not null then perform pg_advisory_xact_lock(audit_lock); {entry}; "
            "end if; end $body$"
        ).format(
            name=self.append_name,
            id_type=sql.SQL(self.datastore.originator_id_type),
            audit_params=audit_params,
            lock=sql.SQL("; ").join(self.lock_table_statements),
            table=sql.Identifier(self.datastore.schema, self.events_table_name),
            entry=entry,
        )

    def _statements(self, conn: psycopg.Connection[Any]) -> Statements:
        """The statements as text (the first connection's quoting: every one of the pool's
        connections has the same encoding and server)."""
        if self._composed is None:
            table = sql.Identifier(self.datastore.schema, self.events_table_name)
            id_type = sql.SQL(self.datastore.originator_id_type)  # "uuid" or "text": checked
            columns = sql.SQL("(originator_id, originator_version, topic, state)")
            insert_one = sql.SQL(
                "insert into {} {} values (%b::{}, %b, %b, %b) returning notification_id"
            ).format(table, columns, id_type)
            insert_many = sql.SQL(
                "insert into {} {} select * from unnest(%b::{}[], %b::int8[], %b::text[], "
                "%b::bytea[]) returning notification_id"
            ).format(table, columns, id_type)
            select = {
                (gt, lte, desc, limit): sql.SQL(
                    "select originator_id, originator_version, topic, state from {} "
                    "where originator_id = %b::{}{}{} order by originator_version {}{}"
                )
                .format(
                    table,
                    id_type,
                    sql.SQL(" and originator_version > %b" if gt else ""),
                    sql.SQL(" and originator_version <= %b" if lte else ""),
                    sql.SQL("desc" if desc else "asc"),
                    sql.SQL(" limit %b" if limit else ""),
                )
                .as_string(conn)
                for gt in (False, True)
                for lte in (False, True)
                for desc in (False, True)
                for limit in (False, True)
            }
            audit_values = sql.SQL(", ").join(
                sql.SQL(f"%b::{t}") for t in audit_chain.TYPES.values()
            )
            append = sql.SQL(
                "select * from {}(%b::{}[], %b::int8[], %b::text[], %b::bytea[], %b::int8, {}, "
                "%b::bytea, %b::jsonb)"
            ).format(self.append_name, id_type, audit_values)
            self._composed = Statements(
                tuple(_text(s, conn) for s in self.lock_table_statements),
                insert_one.as_string(conn),
                insert_many.as_string(conn),
                select,
                append.as_string(conn),
            )
        return self._composed

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def select_events(
        self,
        originator_id: UUID | str,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> Sequence[StoredEvent]:
        """The library's select of a stream, with rows as tuples in binary: a replay of 200
        events spent a third of its time in the library's select (dict rows, the statement
        composed again, the state's hex text decoded)."""
        params: list[Any] = [originator_id]
        params += [v for v in (gt, lte, limit) if v is not None]
        with self.datastore.get_connection() as conn:
            query = self._statements(conn).select[
                (gt is not None, lte is not None, desc, limit is not None)
            ]
            with conn.cursor(row_factory=tuple_row, binary=True) as curs:
                curs.execute(query, params, prepare=True)
                return [
                    StoredEvent(
                        originator_id=row[0], originator_version=row[1], topic=row[2], state=row[3]
                    )
                    for row in curs.fetchall()
                ]

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def select_for_replay(self, originator_id: UUID, upto: int) -> Replayed:
        """A stream's events up to `upto` after its last fold kept at or below it, in one
        round trip (`snapshots.read_query`)."""
        params = case_snapshots.read_params(originator_id, upto, ERASURE)
        with self.datastore.get_connection() as conn:
            if self._replay_query is None:
                self._replay_query = case_snapshots.read_query(
                    self.datastore.schema, self.events_table_name
                ).as_string(conn)
            with conn.cursor(row_factory=tuple_row, binary=True) as curs:
                curs.execute(self._replay_query, params, prepare=True)
                rows = curs.fetchall()
        events: list[StoredEvent] = []
        kept: tuple[int, bytes] | None = None
        last, erased = 0, False
        for version, topic, state in rows:
            if topic == case_snapshots.KEPT:
                kept = (version, state)
            elif topic == case_snapshots.LAST:
                last, erased = version or 0, state == b"1"
            else:
                events.append(StoredEvent(originator_id, version, topic, state))
        events.sort(key=lambda e: e.originator_version)
        return Replayed(events, kept, last, erased)

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(
        self,
        stored_events: Any,
        *,
        audit: AuditNote | None = None,
        documents: Sequence[case_documents.Sealed] = (),
        **kwargs: Any,
    ) -> list[int] | None:
        """Insert the events, and the command's audit entry (if given) and its uploaded
        documents' sealed bytes in their transaction."""
        if not stored_events:
            return []
        # A refused insert leaves the transaction aborted; leaving the pool's connection block
        # rolls it back (psycopg's Connection.__exit__), so the connection is reusable.
        with self.datastore.get_connection() as conn:
            if documents or any(e.topic == ERASURE for e in stored_events):
                return self._insert_in_one_trip(conn, stored_events, audit, documents)
            return self._append(conn, stored_events, audit)

    def _append(
        self,
        conn: psycopg.Connection[Any],
        stored_events: list[StoredEvent],
        audit: AuditNote | None,
    ) -> list[int]:
        """The events and the audit entry in one statement, its own transaction."""
        params: list[Any] = [
            [e.originator_id for e in stored_events],
            [e.originator_version for e in stored_events],
            [e.topic for e in stored_events],
            [e.state for e in stored_events],
        ]
        if audit is None:
            params += [None] * (len(audit_chain.COLUMNS) + 3)  # the lock, the row, content, detail
        else:
            row, detail = audit_log.entry(audit)
            lock = audit_chain.chain_lock(self.datastore.schema)
            params += [lock, *row, audit_chain.content(row), detail]
        query = self._statements(conn).append
        # the library's connections are in autocommit (its `after_connect`; the contract test
        # checks it): the statement is its own transaction
        with conn.cursor(row_factory=tuple_row, binary=True) as curs:
            curs.execute(query, params, prepare=True)
            return [row[0] for row in curs.fetchall()]

    def _insert_in_one_trip(
        self,
        conn: psycopg.Connection[Any],
        stored_events: list[StoredEvent],
        audit: AuditNote | None,
        documents: Sequence[case_documents.Sealed] = (),
    ) -> list[int]:
        schema = self.datastore.schema
        with conn.pipeline() as pipeline, conn.cursor() as curs:
            curs.execute("begin")
            statements = self._statements(conn)
            for lock in statements.lock:
                curs.execute(lock, prepare=True)
            if len(stored_events) == 1:
                (e,) = stored_events
                params: list[Any] = [e.originator_id, e.originator_version, e.topic, e.state]
                curs.execute(statements.insert_one, params)
            else:
                columns = zip(
                    *(
                        (e.originator_id, e.originator_version, e.topic, e.state)
                        for e in stored_events
                    ),
                    strict=True,
                )
                curs.execute(statements.insert_many, [list(c) for c in columns])
            if erased := [UUID(str(e.originator_id)) for e in stored_events if e.topic == ERASURE]:
                destroy_keys(conn, schema, erased)  # with the event, or not at all
            if documents:  # an upload's bytes with its event, or neither
                case_documents.insert(conn, schema, documents)
            if audit is not None:
                # After the events (the chain's lock is only ever taken under the table's), on a
                # cursor of its own: `curs` keeps the insert's result, the new ids.
                with conn.cursor() as audit_curs:
                    audit_log.append(audit_curs, self.datastore.schema, audit)
            conn.execute("commit")
            pipeline.sync()
            return list(self._fetch_ids_after_insert_events(curs, stored_events))  # type: ignore[arg-type]

    def copy_events(self, stored_events: list[StoredEvent]) -> None:
        """Insert many new streams' events with COPY, under the same table lock as commands:
        an import's batch spent most of its database time building the composite array the
        stock insert sends (78 us an event). A stream already there refuses the whole batch
        (IntegrityError); a broken connection is retried like any insert."""
        table = sql.Identifier(self.datastore.schema, self.events_table_name)
        copy = sql.SQL(
            "copy {} (originator_id, originator_version, topic, state) from stdin (format binary)"
        ).format(table)
        try:
            with self.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as cur:
                for lock in self._statements(conn).lock:
                    cur.execute(lock, prepare=True)
                with cur.copy(copy) as writer:
                    writer.set_types(["uuid", "int8", "text", "bytea"])
                    for e in stored_events:
                        writer.write_row((e.originator_id, e.originator_version, e.topic, e.state))
        except psycopg.errors.UniqueViolation as exc:
            raise IntegrityError(str(exc)) from exc


def _text(statement: object, conn: psycopg.Connection[Any]) -> str:
    """A library statement as text (the library composes all of them)."""
    assert isinstance(statement, sql.Composable), type(statement)
    return statement.as_string(conn)
