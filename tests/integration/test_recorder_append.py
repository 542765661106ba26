"""A command's transaction as one server-side function (recorder.OneTripRecorder._append): it
writes to its own store's table, takes the library's table lock, and commits the events and the
audit entry together or neither."""

from __future__ import annotations

import threading
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent
from psycopg import sql

from referral_engine.adapters.recorder import OneTripRecorder
from referral_engine.application.ports import AuditNote
from referral_engine.bootstrap import Runtime
from tests.pg import WAIT_SECONDS, wait_while_held


def _event(originator: UUID, version: int = 1) -> StoredEvent:
    return StoredEvent(
        originator_id=originator, originator_version=version, topic="t:E", state=b"{}"
    )


def _count(runtime: Runtime, table: str, originator: UUID) -> int:
    schema = runtime.settings.database_schema
    with psycopg.connect(runtime.database_url) as conn:
        row = conn.execute(
            sql.SQL("select count(*) from {} where originator_id = %s").format(
                sql.Identifier(schema, table)
            ),
            [originator],
        ).fetchone()
    assert row is not None
    return int(row[0])


def _note(action: str = "case.step") -> AuditNote:
    return AuditNote(action, "POST", "/api/cases/x/steps", 200, "lsa", "lsa_official", "lsa-1")


def test_each_store_appends_to_its_own_table(pg_runtime: Runtime) -> None:
    """The cases and the agencies each have an append function: one shared name sent every
    case's events to whichever store had started last (the agencies' table, seen in a test)."""
    cases = pg_runtime.engine.store.recorder
    agencies = pg_runtime.agencies.store.recorder
    assert isinstance(cases, OneTripRecorder) and isinstance(agencies, OneTripRecorder)
    assert cases.append_name != agencies.append_name
    case, agency = uuid4(), uuid4()
    cases.insert_events([_event(case)])
    agencies.insert_events([_event(agency)])
    assert _count(pg_runtime, "cases_events", case) == 1
    assert _count(pg_runtime, "agencies_events", agency) == 1
    assert _count(pg_runtime, "agencies_events", case) == 0
    assert _count(pg_runtime, "cases_events", agency) == 0


def test_an_append_takes_the_library_s_table_lock(pg_runtime: Runtime) -> None:
    """The function takes the library's exclusive table lock, so notification ids still commit
    in order: another session's insert in flight (row exclusive, which a plain insert would
    not wait for) holds the append back until it commits."""
    recorder = pg_runtime.engine.store.recorder
    assert isinstance(recorder, OneTripRecorder)
    table = sql.Identifier(pg_runtime.settings.database_schema, "cases_events")
    case, answers = uuid4(), list[Any]()
    with psycopg.connect(pg_runtime.database_url) as holder:
        holder.execute(sql.SQL("lock table {} in row exclusive mode").format(table))
        thread = threading.Thread(
            target=lambda: answers.append(recorder.insert_events([_event(case)]))
        )
        thread.start()
        wait_while_held(
            pg_runtime.database_url,
            thread,
            "select exists (select from pg_locks where relation = %s::regclass "
            "and mode = 'ExclusiveLock' and not granted)",
            [table.as_string(holder)],
            what="the append to wait for the lock",
        )
        assert answers == [] and _count(pg_runtime, "cases_events", case) == 0
        holder.commit()
    thread.join(WAIT_SECONDS)
    assert not thread.is_alive()
    assert len(answers) == 1 and len(answers[0]) == 1
    assert _count(pg_runtime, "cases_events", case) == 1


def test_a_refused_version_leaves_no_entry_and_no_note_leaves_none(pg_runtime: Runtime) -> None:
    """Events and their audit entry commit together: a version another command wrote first
    refuses the entry with the events; a command without a note writes no entry."""
    recorder = pg_runtime.engine.store.recorder
    assert isinstance(recorder, OneTripRecorder)
    case = uuid4()
    recorder.insert_events([_event(case)])
    with pytest.raises(IntegrityError):
        recorder.insert_events([_event(case)], audit=_note("case.clash"))
    log = sql.Identifier(pg_runtime.settings.database_schema, "audit_log")
    with psycopg.connect(pg_runtime.database_url) as conn:
        rows = conn.execute(sql.SQL("select action from {}").format(log)).fetchall()
    assert rows == []


def test_an_entry_the_log_refuses_leaves_no_event(pg_runtime: Runtime) -> None:
    """Events and their audit entry commit together: an entry that cannot be written (here a
    check constraint the test adds) refuses the command's events with it."""
    recorder = pg_runtime.engine.store.recorder
    assert isinstance(recorder, OneTripRecorder)
    log = sql.Identifier(pg_runtime.settings.database_schema, "audit_log")
    with psycopg.connect(pg_runtime.database_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("alter table {} add constraint no_boom check (action <> 'boom')").format(log)
        )
    refused, kept = uuid4(), uuid4()
    with pytest.raises(Exception, match="no_boom"):
        recorder.insert_events([_event(refused), _event(refused, 2)], audit=_note("boom"))
    recorder.insert_events([_event(kept)], audit=_note())
    assert _count(pg_runtime, "cases_events", refused) == 0
    assert _count(pg_runtime, "cases_events", kept) == 1
    with psycopg.connect(pg_runtime.database_url) as conn:
        actions = [
            r[0] for r in conn.execute(sql.SQL("select action from {}").format(log)).fetchall()
        ]
        assert "boom" not in actions and "case.step" in actions
