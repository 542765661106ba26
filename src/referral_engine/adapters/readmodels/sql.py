"""Writing a folded batch of row changes in bulk: deletes pipelined, upserts through COPY."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import psycopg
from psycopg import sql

from referral_engine.application.readmodel import Changes, Pending

COPY_THRESHOLD = 64
"""Below this many rows an upsert group is pipelined with executemany; above, staged by COPY."""

MERGE = {
    "set": "excluded.{c}",
    "add": "coalesce(t.{c}, 0) + excluded.{c}",
    "least": "least(t.{c}, excluded.{c})",
    "greatest": "greatest(t.{c}, excluded.{c})",
    "first": "coalesce(t.{c}, excluded.{c})",
}


class TableInfo:
    """A read-model table's column types and primary key, read once from the catalog."""

    def __init__(self, conn: psycopg.Connection[Any], schema: str, table: str) -> None:
        relation = f"{_quote(schema)}.{_quote(table)}"
        rows = conn.execute(
            "select a.attname, format_type(a.atttypid, a.atttypmod), "
            "coalesce(a.attnum = any(i.indkey), false) "
            "from pg_attribute a left join pg_index i "
            "on i.indrelid = a.attrelid and i.indisprimary "
            "where a.attrelid = %s::regclass and a.attnum > 0 and not a.attisdropped "
            "order by a.attnum",
            [relation],
        ).fetchall()
        if not rows:
            raise LookupError(f"read model table {schema}.{table} does not exist")
        self.types = {name: type_ for name, type_, _ in rows}
        self.key = tuple(name for name, _, is_key in rows if is_key)


def summary_triggers(table: str, function: str) -> sql.Composed:
    """Keep a summary in step with `table`: after each write statement, the rows it removed
    (old) are folded in with -1 and the rows it wrote (new) with +1, through `function`.

    Per statement, not per row: the transition tables are folded in one go, which keeps bulk
    writes (rebuilds) fast. Runs in the caller's search_path (the read model's schema)."""
    t, f = sql.Identifier(table), sql.Identifier(function)
    trigger = sql.Identifier(f"{table}_summarise")
    body = sql.SQL(
        "create function {trigger}() returns trigger language plpgsql "
        "set search_path from current as $$ begin "
        "if tg_op in ('UPDATE', 'DELETE') then "
        "perform {f}(array(select row(r.*)::{t} from old_rows r), -1); end if; "
        "if tg_op in ('INSERT', 'UPDATE') then "
        "perform {f}(array(select row(r.*)::{t} from new_rows r), 1); end if; "
        "return null; end $$;"
    ).format(trigger=trigger, f=f, t=t)
    transition = (
        ("insert", "inserted", "new table as new_rows"),
        ("update", "updated", "old table as old_rows new table as new_rows"),
        ("delete", "deleted", "old table as old_rows"),
    )
    statements = [body]
    for op, done, referencing in transition:
        statements.append(
            sql.SQL(
                "create trigger {name} after {op} on {t} referencing {ref} "
                "for each statement execute function {trigger}();"
            ).format(
                name=sql.Identifier(f"{table}_{done}"),
                op=sql.SQL(op),
                t=t,
                ref=sql.SQL(referencing),
                trigger=trigger,
            )
        )
    return sql.SQL(" ").join(statements)


def write(
    conn: psycopg.Connection[Any],
    schema: str,
    changes: Changes,
    info: dict[str, TableInfo],
    known: dict[str, set[tuple[Any, ...]]] | None = None,
) -> None:
    """Apply every folded change of the batch inside the caller's transaction.

    `known`, given only by a rebuild that started from empty tables, holds every key written so
    far: rows with a key not in it cannot exist yet, so they are copied straight into the table
    (no staging, no conflict check, nothing to delete) and their keys added."""
    for table, key_columns, rows in changes.tables():
        meta = info.get(table) or info.setdefault(table, TableInfo(conn, schema, table))
        if set(key_columns) != set(meta.key):
            raise ValueError(f"{table}: handler keys {key_columns} are not the primary key")
        target = sql.Identifier(schema, table)
        fresh: list[Pending] = []
        if known is not None:
            seen = known.setdefault(table, set())
            fresh = [p for p in rows if p.key not in seen]
            if fresh:
                rows = [p for p in rows if p.key in seen]
                seen.update(p.key for p in fresh)
                _copy_new(conn, target, key_columns, [p for p in fresh if not p.delete])
        doomed = [p.key for p in rows if p.delete or p.replace]
        if doomed:
            _delete(conn, target, meta, key_columns, doomed)
        for signature, group in _by_signature(rows).items():
            _upsert(conn, target, meta, key_columns, signature, group)


def _by_signature(rows: list[Pending]) -> dict[tuple[tuple[str, str], ...], list[Pending]]:
    """Rows grouped by the columns they change and how (one statement per group)."""
    groups: dict[tuple[tuple[str, str], ...], list[Pending]] = defaultdict(list)
    for p in rows:
        if not p.delete:
            groups[tuple(sorted((c, op) for c, (op, _) in p.columns.items()))].append(p)
    return groups


def _copy_new(
    conn: psycopg.Connection[Any],
    target: sql.Identifier,
    key_columns: tuple[str, ...],
    rows: list[Pending],
) -> None:
    """Rows that cannot exist yet, copied straight in: with no row to merge with, every
    operation (set, add, least, greatest, first) stores its value as it is."""
    groups: dict[tuple[str, ...], list[Pending]] = defaultdict(list)
    for p in rows:
        groups[tuple(p.columns)].append(p)
    for columns, group in groups.items():
        names = sql.SQL(", ").join(map(sql.Identifier, (*key_columns, *columns)))
        with conn.cursor().copy(sql.SQL("copy {} ({}) from stdin").format(target, names)) as copy:
            for p in group:
                values = p.columns
                copy.write_row((*p.key, *(values[c][1] for c in columns)))


def _delete(
    conn: psycopg.Connection[Any],
    target: sql.Identifier,
    meta: TableInfo,
    key_columns: tuple[str, ...],
    keys: list[tuple[Any, ...]],
) -> None:
    if len(keys) < COPY_THRESHOLD:
        where = sql.SQL(" and ").join(
            sql.SQL("{} = %s").format(sql.Identifier(c)) for c in key_columns
        )
        with conn.cursor() as cur:
            cur.executemany(sql.SQL("delete from {} where {}").format(target, where), keys)
        return
    stage = _stage(conn, meta, key_columns, keys)
    matches = sql.SQL(" and ").join(
        sql.SQL("t.{c} = s.{c}").format(c=sql.Identifier(c)) for c in key_columns
    )
    conn.execute(
        sql.SQL("delete from {} as t using {} as s where {}").format(target, stage, matches)
    )
    conn.execute(sql.SQL("drop table {}").format(stage))


def _stage(
    conn: psycopg.Connection[Any],
    meta: TableInfo,
    columns: tuple[str, ...] | list[str],
    rows: list[tuple[Any, ...]],
) -> sql.Identifier:
    """A temporary table holding `rows`, loaded with COPY (dropped by the caller)."""
    stage = sql.Identifier("_stage")
    conn.execute(
        sql.SQL("create temp table {} ({}) on commit drop").format(
            stage,
            sql.SQL(", ").join(
                sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(meta.types[c])) for c in columns
            ),
        )
    )
    names = sql.SQL(", ").join(map(sql.Identifier, columns))
    with conn.cursor().copy(sql.SQL("copy {} ({}) from stdin").format(stage, names)) as copy:
        for row in rows:
            copy.write_row(row)
    return stage


def _upsert(
    conn: psycopg.Connection[Any],
    target: sql.Identifier,
    meta: TableInfo,
    key_columns: tuple[str, ...],
    signature: tuple[tuple[str, str], ...],
    group: list[Pending],
) -> None:
    columns = [*key_columns, *(c for c, _ in signature)]
    values = [(*p.key, *(p.columns[c][1] for c, _ in signature)) for p in group]
    names = sql.SQL(", ").join(map(sql.Identifier, columns))
    conflict = sql.SQL(", ").join(map(sql.Identifier, key_columns))
    if signature:
        updates = sql.SQL(", ").join(
            sql.SQL("{} = ").format(sql.Identifier(c)) + sql.SQL(MERGE[op].format(c=_quote(c)))
            for c, op in signature
        )
        on_conflict = sql.SQL("on conflict ({}) do update set {}").format(conflict, updates)
    else:
        on_conflict = sql.SQL("on conflict ({}) do nothing").format(conflict)
    if len(values) < COPY_THRESHOLD:
        placeholders = sql.SQL(", ").join(sql.Placeholder() * len(columns))
        statement = sql.SQL("insert into {} as t ({}) values ({}) {}").format(
            target, names, placeholders, on_conflict
        )
        with conn.cursor() as cur:
            cur.executemany(statement, values)
        return
    stage = _stage(conn, meta, columns, values)
    conn.execute(
        sql.SQL("insert into {} as t ({}) select {} from {} {}").format(
            target, names, names, stage, on_conflict
        )
    )
    conn.execute(sql.SQL("drop table {}").format(stage))


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
