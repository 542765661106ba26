"""What our overrides of eventsourcing assume of it (pinned ~=9.5.6): each override's base
method still exists with the signature it was written against, the private parts it reaches
into still exist, and it behaves as the base does. A release that changes any of this fails
here, not in production."""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable
from typing import Any
from uuid import uuid4

import orjson
import pytest
from eventsourcing.application import Application, LRUCache, Repository
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Mapper, StoredEvent
from eventsourcing.persistence import OperationalError as StoreOperationalError
from eventsourcing.postgres import (
    PostgresAggregateRecorder,
    PostgresApplicationRecorder,
    PostgresDatastore,
)
from eventsourcing.utils import retry
from psycopg_pool import PoolTimeout

from referral_engine.adapters.crypto import PersonalDataMapper
from referral_engine.adapters.database import DatabaseUnavailable, created_alone, ensure_schema
from referral_engine.adapters.recorder import OneTripRecorder
from referral_engine.adapters.store import (
    CaseStore,
    ConfiguredApplication,
    FastJSONTranscoder,
    eventsourcing_env,
)
from referral_engine.bootstrap import Runtime
from referral_engine.config import Settings
from referral_engine.domain.case import Case
from tests.factories import LSA, open_case, step

# (base method, the parameters our override or call assumes)
ASSUMED: list[tuple[Callable[..., Any], list[str]]] = [
    (PostgresApplicationRecorder.insert_events, ["self", "stored_events", "kwargs"]),
    (PostgresApplicationRecorder._lock_table, ["self", "curs"]),
    (
        PostgresApplicationRecorder._fetch_ids_after_insert_events,
        ["self", "curs", "stored_events", "_"],
    ),
    (PostgresAggregateRecorder._insert_stored_events, ["self", "curs", "stored_events", "_"]),
    (
        PostgresAggregateRecorder.select_events,
        ["self", "originator_id", "gt", "lte", "desc", "limit"],
    ),
    (PostgresDatastore.get_connection, ["self"]),
    (Mapper.__init__, ["self", "transcoder", "compressor", "cipher"]),
    (Mapper.to_stored_event, ["self", "domain_event"]),
    (Mapper.to_domain_event, ["self", "stored_event"]),
    (JSONTranscoder.decode, ["self", "data"]),
    (JSONTranscoder._decode_obj, ["self", "d"]),
    (Application.construct_env, ["self", "name", "env"]),
    (Application.construct_mapper, ["self"]),
    (Application.construct_transcoder, ["self"]),
    (Application.register_transcodings, ["self", "transcoder"]),
    (retry, ["exc", "max_attempts", "wait", "stall"]),
    # reading.CaseReader._cached and _remember: the cached case, under its fast-forward lock
    (Repository._use_fastforward_lock, ["self", "aggregate_id"]),
    (Repository._disuse_fastforward_lock, ["self", "aggregate_id"]),
    (LRUCache.get, ["self", "key", "evict"]),
    (LRUCache.put, ["self", "key", "value"]),
]


@pytest.mark.parametrize(
    ("method", "params"), ASSUMED, ids=lambda m: getattr(m, "__qualname__", "")
)
def test_the_overridden_and_called_methods_keep_their_signatures(
    method: Callable[..., Any], params: list[str]
) -> None:
    assert list(inspect.signature(method).parameters) == params


def test_the_overrides_still_override_something() -> None:
    for cls, name in [
        (OneTripRecorder, "insert_events"),
        (OneTripRecorder, "select_events"),
        (PersonalDataMapper, "to_stored_event"),
        (PersonalDataMapper, "to_domain_event"),
        (FastJSONTranscoder, "decode"),
        (ConfiguredApplication, "construct_env"),
        (CaseStore, "construct_mapper"),
        (ConfiguredApplication, "construct_transcoder"),
    ]:
        base = cls.__mro__[1]
        assert callable(getattr(base, name, None)), f"{base.__qualname__}.{name} is gone"
        assert name in vars(cls), f"{cls.__qualname__} no longer defines {name}"


def test_the_library_reads_the_environment_only_through_construct_env() -> None:
    """Our construct_env keeps os.environ out; the base still builds `env` through it."""
    source = inspect.getsource(Application.__init__)
    assert "self.construct_env(" in source
    assert "os.environ" not in source


def test_the_store_reaches_the_parts_it_patches(pg_runtime: Runtime) -> None:
    store = pg_runtime.engine.store
    assert isinstance(store, CaseStore)
    recorder = store.recorder
    assert type(recorder) is OneTripRecorder
    datastore = store.factory.datastore  # type: ignore[attr-defined]
    assert isinstance(datastore, PostgresDatastore)
    assert recorder.datastore is datastore  # the patched get_connection is the one it calls
    assert "get_connection" in vars(datastore)
    assert not datastore.enable_db_functions
    assert isinstance(store.mapper, PersonalDataMapper)
    assert isinstance(store.mapper.transcoder, FastJSONTranscoder)


def test_the_library_hands_out_connections_in_autocommit(pg_runtime: Runtime) -> None:
    """The recorder's append is one statement committed on its own (recorder._append): it
    relies on the library's connections being in autocommit, and leaves them so."""
    recorder = pg_runtime.engine.store.recorder
    assert isinstance(recorder, OneTripRecorder)
    recorder.insert_events(
        [StoredEvent(originator_id=uuid4(), originator_version=1, topic="t:E", state=b"{}")]
    )
    pool = recorder.datastore.pool
    held = [pool.getconn() for _ in range(pool.get_stats()["pool_size"])]
    try:
        assert held and all(conn.autocommit for conn in held)
    finally:
        for conn in held:
            pool.putconn(conn)


def test_a_round_trip_through_the_recorder_on_postgresql(pg_runtime: Runtime) -> None:
    engine = pg_runtime.engine
    before = engine.store.recorder.max_notification_id() or 0
    case_id = open_case(engine).case_id
    step(engine, case_id, "record_consent", actor=LSA)

    notifications = engine.store.recorder.select_notifications(before + 1, 10)
    assert [(n.originator_id, n.originator_version) for n in notifications] == [
        (case_id, 1),
        (case_id, 2),
    ]
    assert [n.id for n in notifications] == [before + 1, before + 2]
    events = list(engine.store.events.get(case_id))
    assert [type(e) for e in events] == [Case.Opened, Case.StepTaken]
    assert engine.case(case_id).version == 2


def test_the_mapper_stores_a_non_personal_event_as_the_base_mapper_does(
    pg_runtime: Runtime,
) -> None:
    engine = pg_runtime.engine
    case_id = open_case(engine).case_id
    step(engine, case_id, "record_consent", actor=LSA)
    consent = list(engine.store.events.get(case_id))[-1]
    ours = engine.store.mapper
    base: Mapper[Any] = Mapper(ours.transcoder)

    stored, expected = ours.to_stored_event(consent), base.to_stored_event(consent)

    assert stored == expected
    assert vars(ours.to_domain_event(stored)) == vars(base.to_domain_event(expected))


def test_a_pool_timeout_still_reaches_us_as_an_operational_error_caused_by_it(
    pg_settings: Settings, pg_database_url: str
) -> None:
    """_fail_fast recognises an exhausted pool by the PoolTimeout behind the library's error."""
    settings = pg_settings.model_copy(update={"pool_size": 1, "connect_timeout_seconds": 1})
    env = {**eventsourcing_env(pg_database_url, settings), "POSTGRES_MAX_OVERFLOW": "0"}
    ensure_schema(pg_database_url, settings.database_schema)
    store = CaseStore(env=env)
    datastore = store.factory.datastore  # type: ignore[attr-defined]
    base_get = PostgresDatastore.get_connection.__get__(datastore)
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with base_get():
            held.set()
            release.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert held.wait(30)
        with pytest.raises(StoreOperationalError) as raised, base_get():
            pass
        assert isinstance(raised.value.__cause__, PoolTimeout)
        with pytest.raises(DatabaseUnavailable), store.recorder.datastore.get_connection():
            pass
        with pytest.raises(DatabaseUnavailable):
            store.recorder.max_notification_id()
    finally:
        release.set()
        holder.join(30)
        store.close()


def test_typed_values_are_still_encoded_as_the_fast_decoder_expects(pg_runtime: Runtime) -> None:
    """FastJSONTranscoder converts `{"_type_": ..., "_data_": ...}` objects at the top level."""
    engine = pg_runtime.engine
    case_id = open_case(engine).case_id
    opened = next(iter(engine.store.events.get(case_id)))
    transcoder = engine.store.mapper.transcoder
    stored = engine.store.mapper.to_stored_event(opened)

    raw = orjson.loads(stored.state)
    assert set(raw["occurred_at"]) == {"_type_", "_data_"}
    assert transcoder.decode(stored.state) == JSONTranscoder.decode(transcoder, stored.state)


def test_the_recorder_selects_a_stream_as_the_library_does(pg_runtime: Runtime) -> None:
    """Every combination of the select's options gives what the library's own select gives."""
    engine = pg_runtime.engine
    case_id = open_case(engine).case_id
    for _ in range(5):
        step(engine, case_id, "record_consent", actor=LSA)
    recorder = engine.store.recorder
    assert isinstance(recorder, OneTripRecorder)
    library = PostgresAggregateRecorder.select_events.__get__(recorder)
    options = [
        {"gt": gt, "lte": lte, "desc": desc, "limit": limit}
        for gt in (None, 0, 2)
        for lte in (None, 4, 6)
        for desc in (False, True)
        for limit in (None, 1, 3)
    ]
    for option in options:
        ours = recorder.select_events(case_id, **option)  # type: ignore[arg-type]
        theirs = library(case_id, **option)
        assert ours == theirs, option
        assert all(type(e.state) is bytes for e in ours)
    assert [e.originator_version for e in recorder.select_events(case_id)] == [1, 2, 3, 4, 5, 6]


def test_the_recorder_locks_the_events_table_with_each_insert(pg_runtime: Runtime) -> None:
    """Its statements are the library's lock, rendered once: a release that moved the lock
    elsewhere would leave commits out of notification order, and tailing readers skipping."""
    recorder = pg_runtime.engine.store.recorder
    assert isinstance(recorder, OneTripRecorder)
    with recorder.datastore.get_connection() as conn:
        lock = recorder._statements(conn).lock
    table = f'"{recorder.datastore.schema}"."{recorder.events_table_name}"'
    assert lock[-1] == f"LOCK TABLE {table} IN EXCLUSIVE MODE"
    assert lock[0].startswith("SET LOCAL lock_timeout")


def test_the_recorder_takes_text_ids_as_the_library_does(pg_runtime: Runtime) -> None:
    """An id given as text is read and written like a UUID, by one event or several."""
    recorder = pg_runtime.engine.store.recorder
    assert isinstance(recorder, OneTripRecorder)
    one, several = str(uuid4()), str(uuid4())
    stored = [StoredEvent(originator_id=one, originator_version=1, topic="t:E", state=b"{}")]
    stored += [
        StoredEvent(originator_id=several, originator_version=v, topic="t:E", state=b"{}")
        for v in (1, 2)
    ]
    recorder.insert_events(stored[:1])
    recorder.insert_events(stored[1:])
    assert [e.originator_version for e in recorder.select_events(one)] == [1]
    assert [e.originator_version for e in recorder.select_events(several, gt=1)] == [2]


def test_the_recorder_inserts_several_events_in_order(pg_runtime: Runtime) -> None:
    """A command of several events gets its notification ids in the events' order, and a
    conflicting version refuses all of them."""
    recorder = pg_runtime.engine.store.recorder
    assert isinstance(recorder, OneTripRecorder)
    case_id = uuid4()
    events = [
        StoredEvent(originator_id=case_id, originator_version=v, topic="t:E", state=b"{}")
        for v in (1, 2, 3)
    ]
    ids = recorder.insert_events(events)
    assert ids is not None and ids == sorted(ids) and len(set(ids)) == 3
    notices = recorder.select_notifications(ids[0], 3)
    assert [(n.id, n.originator_version) for n in notices] == list(zip(ids, [1, 2, 3], strict=True))
    clash = [
        StoredEvent(originator_id=case_id, originator_version=v, topic="t:E", state=b"{}")
        for v in (4, 3)
    ]
    with pytest.raises(IntegrityError):
        recorder.insert_events(clash)
    assert [e.originator_version for e in recorder.select_events(case_id)] == [1, 2, 3]


def test_stores_started_together_on_a_new_schema_all_start(
    pg_settings: Settings, pg_database_url: str
) -> None:
    """API processes and workers starting at once on a new database each create the library's
    types, tables and indexes; without the migration lock PostgreSQL refused one of them
    ("tuple concurrently updated", seen when two API processes started in test_scale_out;
    six bare `CaseStore(env=env)` here failed four times in each of three runs)."""
    ensure_schema(pg_database_url, pg_settings.database_schema)
    env = eventsourcing_env(pg_database_url, pg_settings)
    start = threading.Barrier(6)
    failed: list[BaseException] = []
    stores: list[CaseStore] = []

    def open_store() -> None:
        start.wait()
        try:
            stores.append(
                created_alone(pg_database_url, 10, lambda: CaseStore(env=env))  # as build() does
            )
        except BaseException as exc:
            failed.append(exc)

    threads = [threading.Thread(target=open_store) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    for store in stores:
        store.close()
    assert failed == []
    assert len(stores) == 6
