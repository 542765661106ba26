"""The audit log's table and its hash chain: each entry holds the hash of the entry before it.

An entry's hash is SHA-256 over the previous entry's hash, the entry's content in a canonical
form (a JSON array of its columns, built here) and its detail as PostgreSQL's own text of the
stored jsonb (deterministic for a stored value). Appends are serialised by a transaction-level
advisory lock taken before the insert, so each insert reads the head the previous one committed.
Rewriting, removing, inserting or reordering entries breaks the chain at the first one touched;
`verify` walks it and names that entry.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
import psycopg
from psycopg import sql

GENESIS = bytes(32)
"""The `prev_hash` of the first entry."""
CHAIN_FORMAT = 1
"""Part of every hashed content: a change of the canonical form must change this number."""

TYPES = {
    "at": "timestamptz",
    "user_name": "text",
    "role": "text",
    "agency": "text",
    "action": "text",
    "method": "text",
    "path": "text",
    "status": "int",
    "case_id": "uuid",
    "region": "text",
    "address": "text",
    "channel": "text",
    "os_user": "text",
}
COLUMNS = tuple(TYPES)
"""The hashed columns, in their canonical order (then the detail)."""

TABLE = (
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
    "alter table audit_log add column if not exists channel text",
    "alter table audit_log add column if not exists os_user text",
    "alter table audit_log add column if not exists prev_hash bytea",
    "alter table audit_log add column if not exists hash bytea",
    """create or replace function audit_log_is_append_only() returns trigger
        language plpgsql as $$ begin raise exception 'the audit log is append-only'; end $$""",
    "drop trigger if exists audit_log_append_only on audit_log",
    """create trigger audit_log_append_only before update or delete or truncate on audit_log
        for each statement execute function audit_log_is_append_only()""",
    # entries still to chain (written before the chain): found at each start without a scan
    "create index if not exists audit_log_unchained on audit_log (id) where hash is null",
    # the log read a page at a time, newest first, by every filter (adapters/audit_query.py)
    "create index if not exists audit_log_at on audit_log (at, id)",
    "create index if not exists audit_log_region_at on audit_log (region, at, id)",
    "create index if not exists audit_log_action_at on audit_log (action, at, id)",
)
INDEXES = ("audit_log_unchained", "audit_log_at", "audit_log_region_at", "audit_log_action_at")
"""The indexes of `TABLE` made since its first version: a log lacking one is upgraded."""


class AuditSchemaOutdated(Exception):
    """The audit log belongs to another role and has not been upgraded by it."""


@functools.cache
def chain_lock(schema: str) -> int:
    """The advisory lock key serialising appends to one schema's chain."""
    digest = hashlib.sha256(f"referral_engine.audit_chain:{schema}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def content(row: Sequence[Any]) -> bytes:
    """The canonical form of an entry's columns (in COLUMNS order), as hashed."""
    at, *rest = row
    values = [str(v) if v is not None and not isinstance(v, str | int) else v for v in rest]
    return orjson.dumps([CHAIN_FORMAT, at.astimezone(UTC).isoformat(), *values])


def link(prev_hash: bytes, row: Sequence[Any], detail_text: str) -> bytes:
    """The hash of an entry given the previous entry's hash."""
    return hashlib.sha256(prev_hash + content(row) + detail_text.encode()).digest()


def append(cursor: psycopg.Cursor[Any], schema: str, row: Sequence[Any], detail: Any) -> None:
    """Queue one entry on `cursor`'s transaction: the chain lock, then the insert computing
    its hash from the head (two statements, so the insert sees the head the lock waited for)."""
    cursor.execute("select pg_advisory_xact_lock(%s)", [chain_lock(schema)])
    cursor.execute(_insert(schema), [*row, content(row), detail, GENESIS])


@functools.cache
def _insert(schema: str) -> str:
    """The insert of an entry into `schema`'s log, composed once per schema (it ran for every
    command: composing it took a tenth of the API's time on a step)."""
    typed = [sql.SQL(f"%s::{t}") for t in TYPES.values()]
    bytea, jsonb = sql.SQL("%s::bytea"), sql.SQL("%s::jsonb")
    return insert(schema, typed, bytea, jsonb, bytea).as_string()


def insert(
    schema: str,
    values: Sequence[sql.Composable],
    content: sql.Composable,
    detail: sql.Composable,
    genesis: sql.Composable,
) -> sql.Composed:
    """The insert of an entry computing its hash from the head, given where its values come
    from (a statement's parameters, or a function's): `values` in COLUMNS order, the hashed
    `content`, the `detail` and the hash to chain the first entry to."""
    table = sql.Identifier(schema, "audit_log")
    return sql.SQL(
        "insert into {t} ({columns}, detail, prev_hash, hash) "
        "select {values}, v.detail, p.hash, "
        "sha256(p.hash || {content} || convert_to(v.detail::text, 'UTF8')) "
        "from (select {detail} as detail) v, (select coalesce((select hash from {t} "
        "order by id desc limit 1), {genesis}) as hash) p"
    ).format(
        t=table,
        columns=sql.SQL(", ").join(map(sql.Identifier, COLUMNS)),
        values=sql.SQL(", ").join(values),
        content=content,
        detail=detail,
        genesis=genesis,
    )


def now() -> datetime:
    """An entry's time: stated by the writer, so that it is part of the hashed content."""
    return datetime.now(UTC)


# -- schema, upgrade and the separate owner -------------------------------------------------------


def migrate(conn: psycopg.Connection[Any], schema: str) -> None:
    """Create or upgrade the audit log, chaining the entries written before the chain, unless
    another role owns it (then only check that its owner has upgraded it)."""
    owner = conn.execute(
        "select pg_get_userbyid(relowner) = current_user from pg_class where oid = to_regclass(%s)",
        [f"{schema}.audit_log"],
    ).fetchone()
    if owner is not None and not owner[0]:
        upgraded = conn.execute(
            "select 1 from information_schema.columns where table_schema = %s "
            "and table_name = 'audit_log' and column_name = 'hash'",
            [schema],
        ).fetchone()
        if upgraded is None:
            raise AuditSchemaOutdated(
                "the audit log belongs to another role and lacks its hash chain: run "
                "`referral-engine maintenance audit-owner` as that role (see docs/operations.md)"
            )
        return
    # The chain's lock first, as every append takes it before it writes to the log: taken after
    # the table's (as a start's DDL did), a start and a running command could deadlock.
    conn.execute("select pg_advisory_xact_lock(%s)", [chain_lock(schema)])
    if not _current(conn, schema):  # a start on an upgraded log takes no table lock at all
        for statement in TABLE:
            conn.execute(statement)
    chain_unchained(conn, schema)


def _current(conn: psycopg.Connection[Any], schema: str) -> bool:
    """Whether the log has every column, index and the append-only trigger `TABLE` makes."""
    found = conn.execute(
        "select (select count(*) from information_schema.columns where table_schema = %(s)s "
        "and table_name = 'audit_log' and column_name = any(%(c)s)) = cardinality(%(c)s) "
        "and exists (select from pg_trigger where tgrelid = to_regclass(%(t)s) "
        "and tgname = 'audit_log_append_only') "
        "and (select bool_and(to_regclass(i) is not null) from unnest(%(i)s::text[]) i)",
        {
            "s": schema,
            "c": ["detail", "prev_hash", "hash", *COLUMNS],
            "t": f"{schema}.audit_log",
            "i": [f"{schema}.{index}" for index in INDEXES],
        },
    ).fetchone()
    return bool(found and found[0])


def chain_unchained(conn: psycopg.Connection[Any], schema: str) -> int:
    """Bring the entries written before the chain existed into it, oldest first (the trigger
    is set aside for this one transaction, which only its owner may do). Returns how many."""
    conn.execute("select pg_advisory_xact_lock(%s)", [chain_lock(schema)])
    columns = sql.SQL(", ").join(map(sql.Identifier, COLUMNS))
    rows = conn.execute(
        sql.SQL(
            "select id, {columns}, detail::text from audit_log where hash is null order by id"
        ).format(columns=columns)
    ).fetchall()
    if not rows:
        return 0
    before = conn.execute(
        "select hash from audit_log where id < %s and hash is not null order by id desc limit 1",
        [rows[0][0]],
    ).fetchone()
    prev = before[0] if before is not None else GENESIS
    conn.execute("alter table audit_log disable trigger audit_log_append_only")
    for entry_id, *row, detail_text in rows:
        channel_at = COLUMNS.index("channel")
        if row[channel_at] is None:  # written before channels: the command line wrote "CLI"
            row[channel_at] = "cli" if row[COLUMNS.index("method")] == "CLI" else "http"
        hashed = link(prev, row, detail_text)
        conn.execute(
            "update audit_log set channel = %s, prev_hash = %s, hash = %s where id = %s",
            [row[channel_at], prev, hashed, entry_id],
        )
        prev = hashed
    conn.execute("alter table audit_log enable trigger audit_log_append_only")
    return len(rows)


def hand_over(conn: psycopg.Connection[Any], schema: str, owner: str, app_role: str) -> None:
    """Make `owner` own the schema and the audit log (table, trigger function), and leave the
    application's role only what it needs on the log: select and insert."""
    ident = sql.Identifier
    conn.execute(sql.SQL("create schema if not exists {}").format(ident(schema)))
    conn.execute(sql.SQL("set local search_path = {}").format(ident(schema)))
    conn.execute("select pg_advisory_xact_lock(%s)", [chain_lock(schema)])  # as `migrate`
    for statement in TABLE:
        conn.execute(statement)
    chain_unchained(conn, schema)
    statements = (
        "alter schema {schema} owner to {owner}",
        "alter table {schema}.audit_log owner to {owner}",
        "alter function {schema}.audit_log_is_append_only() owner to {owner}",
        "grant usage, create on schema {schema} to {app}",
        "revoke all on {schema}.audit_log from public, {app}",
        "grant select, insert on {schema}.audit_log to {app}",
    )
    for statement in statements:
        conn.execute(
            sql.SQL(statement).format(schema=ident(schema), owner=ident(owner), app=ident(app_role))
        )


# -- verification ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class BrokenLink:
    """The first entry at which the chain no longer holds."""

    position: int
    """1 for the oldest entry."""
    entry_id: int
    problem: str


@dataclass(frozen=True)
class ChainReport:
    entries: int
    head: bytes | None
    """The newest entry's hash: note it elsewhere to detect later removal of the newest ones."""
    broken: BrokenLink | None


def verify(conn: psycopg.Connection[Any], schema: str) -> ChainReport:
    """Walk the chain from the oldest entry; stop at the first broken link."""
    columns = sql.SQL(", ").join(map(sql.Identifier, COLUMNS))
    query = sql.SQL(
        "select id, {columns}, detail::text, prev_hash, hash from {t} order by id"
    ).format(columns=columns, t=sql.Identifier(schema, "audit_log"))
    with conn.transaction(), conn.cursor(name="audit_verify") as cursor:
        cursor.itersize = 5000
        cursor.execute(query)
        return walk(cursor)


def walk(rows: Iterable[Sequence[Any]]) -> ChainReport:
    expected_prev, position = GENESIS, 0
    for entry_id, *row, detail_text, prev_hash, stored in rows:
        position += 1
        problem = _problem(expected_prev, row, detail_text, prev_hash, stored)
        if problem is not None:
            return ChainReport(position - 1, expected_prev, BrokenLink(position, entry_id, problem))
        expected_prev = stored
    return ChainReport(position, expected_prev if position else None, None)


def _problem(
    expected_prev: bytes, row: list[Any], detail_text: str, prev_hash: Any, stored: Any
) -> str | None:
    if stored is None or prev_hash is None:
        return "it is not in the chain (no hash): written around the chain"
    if bytes(prev_hash) != expected_prev:
        return (
            "it does not follow the entry before it (its previous hash differs): an entry was "
            "removed, inserted or moved before it"
        )
    if link(bytes(prev_hash), row, detail_text) != bytes(stored):
        return "its content differs from what was written (its hash does not match)"
    return None
