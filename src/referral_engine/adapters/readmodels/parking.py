"""Parking: an event a read model cannot fold is set aside, and the read model goes on.

An event is parked when it cannot be decoded, when the read model's handler raises on it, or
when PostgreSQL (or the driver) refuses the rows it folds into (a NUL in a text column, a value
out of range, a broken constraint). It is recorded in `projection_parked` against the schema
being written, in the same transaction as the batch, whose position moves past it.

The fast path costs nothing: a batch is folded and written as before, and only a batch that
failed is done again carefully (see `folded` and `written`). Failures of the connection or the
server (lost connection, lock timeout, a dropped schema) are not the event's fault: they still
fail the batch, which is tried again as before.
"""

from __future__ import annotations

import bisect
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple, TypeVar
from uuid import UUID

import psycopg
from psycopg import sql
from psycopg.rows import class_row

from referral_engine.adapters.readmodels.decoding import Decoder
from referral_engine.adapters.readmodels.discovery import ReadModel
from referral_engine.application.readmodel import Changes, Event

SCHEMA = (
    """create table if not exists projection_parked (
        name text not null,
        version int not null,
        schema_name text not null,
        position bigint not null,
        case_id uuid not null,
        case_version int not null,
        topic text not null,
        kind text,
        error_class text not null,
        error_message text not null,
        first_seen timestamptz not null default now(),
        last_tried timestamptz not null default now(),
        attempts int not null default 1,
        primary key (schema_name, position))""",
)
MESSAGE_LIMIT = 500
T = TypeVar("T")
log = logging.getLogger("referral_engine.projections")


class Failure(NamedTuple):
    """One event that could not be folded: where it is, what it was, what went wrong."""

    position: int
    kind: str | None
    error: Exception


@dataclass(frozen=True)
class Parked:
    """A parked event as `projections parked` lists it."""

    name: str
    version: int
    position: int
    case_id: UUID
    case_version: int
    topic: str
    kind: str | None
    error_class: str
    error_message: str
    first_seen: datetime
    last_tried: datetime
    attempts: int


def refused(exc: Exception) -> bool:
    """Whether a failure is the event's (its rows refused, a handler's error), not the
    connection's or the server's: only those park an event."""
    if isinstance(exc, psycopg.DataError | psycopg.IntegrityError):
        return True
    if isinstance(exc, psycopg.ProgrammingError):
        return exc.sqlstate is None  # the driver could not send a value
    return not isinstance(exc, psycopg.Error)


def decoded(
    decode: Callable[[tuple[Any, ...]], T | None], rows: list[Any]
) -> tuple[list[T], list[Failure]]:
    """Each row decoded on its own: the events, and the rows that could not be."""
    events: list[T] = []
    failed: list[Failure] = []
    for row in rows:
        try:
            event = decode(row)
        except Exception as exc:
            failed.append(Failure(row[0], None, exc))
            continue
        if event is not None:
            events.append(event)
    return events, failed


def decoded_batch(decode: Decoder, rows: list[Any]) -> tuple[list[Event], list[Failure]]:
    """As `decoded`, with what the batch's decoding needs read in one go first (case keys)."""
    decode.prepare(rows)
    return decoded(decode, rows)


def folded(
    handle: Callable[[Event, Changes], None], events: list[Event]
) -> tuple[Changes, list[Event], list[Failure]]:
    """The batch folded: its changes, the events in them, and those the handler failed on.

    A handler's error may leave a half-made change behind, so after one the batch is folded
    again, each event first tried alone (twice the work, only for a batch that failed)."""
    changes = Changes()
    try:
        for event in events:
            handle(event, changes)
        return changes, events, []
    except Exception:
        pass
    failed: dict[int, Failure] = {}
    while True:
        changes, kept = Changes(), []
        for event in events:
            if event.position in failed:
                continue
            try:
                handle(event, Changes())
            except Exception as exc:
                failed[event.position] = Failure(event.position, event.name, exc)
                continue
            try:
                handle(event, changes)
            except Exception as exc:  # failed only in company: fold the batch again without it
                failed[event.position] = Failure(event.position, event.name, exc)
                break
            kept.append(event)
        else:
            return changes, kept, sorted(failed.values())


def written(
    conn: psycopg.Connection[Any],
    handle: Callable[[Event, Changes], None],
    events: Sequence[Event],
    changes: Changes,
    write: Callable[[Changes], None],
) -> list[Failure]:
    """Write folded changes in a savepoint; if the database refuses them, write each half
    of the events on its own (in order: the same rows as one write) down to the one refused."""
    try:
        with conn.transaction():
            write(changes)
        return []
    except Exception as exc:
        if not refused(exc) or not events:
            raise
        if len(events) == 1:
            return [Failure(events[0].position, events[0].name, exc)]
    middle = len(events) // 2
    failed: list[Failure] = []
    for half in (events[:middle], events[middle:]):
        changes, kept, unfolded = folded(handle, list(half))
        failed += unfolded
        failed += written(conn, handle, kept, changes, write)
    return failed


def fold_carefully(
    conn: psycopg.Connection[Any],
    model: ReadModel,
    schema: str,
    rows: list[Any],
    decode: Decoder,
    write: Callable[[Changes], None],
) -> None:
    """Fold and write what can be of a batch, park the rest, record the position past them all
    (the caller's transaction)."""
    events, failures = decoded_batch(decode, rows)
    changes, kept, unfolded = folded(model.handle, model.seen(events))
    failures += unfolded + written(conn, model.handle, kept, changes, write)
    if failures:
        park(conn, model.name, model.version, schema, failures, rows)
        log_parked(model.name, failures)
    conn.execute(
        sql.SQL("update {} set position = %s").format(sql.Identifier(schema, "_tracking")),
        [rows[-1][0]],
    )


def park(
    conn: psycopg.Connection[Any],
    name: str,
    version: int,
    schema: str,
    failures: list[Failure],
    rows: list[Any],
) -> None:
    """Record failures against the schema being written (caller's transaction); an event
    parked before keeps when it was first seen and counts one more attempt."""
    positions = [row[0] for row in rows]
    values = []
    for failure in sorted(failures):
        _, case_id, case_version, topic, _ = rows[bisect.bisect_left(positions, failure.position)]
        values.append(
            {
                "name": name,
                "version": version,
                "schema": schema,
                "position": failure.position,
                "case_id": case_id,
                "case_version": case_version,
                "topic": topic,
                "kind": failure.kind,
                "error_class": _class_name(failure.error),
                "error_message": _printable(str(failure.error))[:MESSAGE_LIMIT],
            }
        )
    with conn.cursor() as cur:
        cur.executemany(
            "insert into projection_parked as p (name, version, schema_name, position, case_id, "
            "case_version, topic, kind, error_class, error_message, first_seen, attempts) "
            "select %(name)s, %(version)s, %(schema)s, %(position)s, %(case_id)s, "
            "%(case_version)s, %(topic)s, %(kind)s, %(error_class)s, %(error_message)s, "
            "coalesce(min(first_seen), now()), coalesce(max(attempts), 0) + 1 "
            "from projection_parked where name = %(name)s and position = %(position)s "
            "on conflict (schema_name, position) do update set "
            "error_class = excluded.error_class, error_message = excluded.error_message, "
            "last_tried = now(), attempts = p.attempts + 1",
            values,
        )


def log_parked(name: str, failures: list[Failure]) -> None:
    for failure in failures:
        log.warning(
            "read model %s parked the event at position %d (%s); it goes on without it",
            name,
            failure.position,
            _class_name(failure.error),
        )


def forget(conn: psycopg.Connection[Any], name: str, *, keep: str | None) -> None:
    """Forget what was parked in the read model's schemas other than `keep` (dropped ones)."""
    conn.execute(
        "delete from projection_parked where name = %s and schema_name is distinct from %s",
        [name, keep],
    )


def listed(
    conn: psycopg.Connection[Any], schemas: dict[str, str], position: int | None = None
) -> list[Parked]:
    """What is parked in the given schemas (read model name -> schema), in log order."""
    with conn.cursor(row_factory=class_row(Parked)) as cur:
        return cur.execute(
            "select name, version, position, case_id, case_version, topic, kind, error_class, "
            "error_message, first_seen, last_tried, attempts from projection_parked "
            "where schema_name = any(%s) and (%s::bigint is null or position = %s) "
            "order by name, position",
            [list(schemas.values()), position, position],
        ).fetchall()


def counts(conn: psycopg.Connection[Any]) -> dict[str, int]:
    """How many events are parked in each schema."""
    rows = conn.execute(
        "select schema_name, count(*) from projection_parked group by schema_name"
    ).fetchall()
    return {schema: int(n) for schema, n in rows}


def _class_name(exc: Exception) -> str:
    cls = type(exc)
    module = cls.__module__.partition(".")[0]
    return cls.__qualname__ if module == "builtins" else f"{module}.{cls.__qualname__}"


def _printable(text: str) -> str:
    """A message PostgreSQL accepts: no NUL, no lone surrogate."""
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text.replace("\x00", "\\x00")
