"""The database: an embedded or configured PostgreSQL, and the eventsourcing application on it."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from typing import Any
from uuid import UUID

import orjson
import psycopg
from eventsourcing.application import Application
from eventsourcing.persistence import (
    DatetimeAsISO,
    JSONTranscoder,
    Mapper,
    StoredEvent,
    Transcoder,
    Transcoding,
)
from eventsourcing.persistence import OperationalError as StoreOperationalError
from eventsourcing.utils import Environment, EnvType, get_topic
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import PoolTimeout

from referral_engine.adapters import documents as case_documents
from referral_engine.adapters import snapshots as case_snapshots
from referral_engine.adapters.case_keys import MemoryCaseKeys
from referral_engine.adapters.crypto import MasterKeyError, PersonalDataMapper
from referral_engine.adapters.database import DatabaseUnavailable
from referral_engine.adapters.recorder import OneTripRecorder
from referral_engine.application.ports import CaseKeys, StreamAt
from referral_engine.config import Settings
from referral_engine.domain.case import Case

log = logging.getLogger("referral_engine.store")


def eventsourcing_env(url: str, settings: Settings) -> dict[str, str]:
    """Settings turned into the eventsourcing environment, in this one place."""
    params = conninfo_to_dict(url)
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": str(params.get("dbname", "postgres")),
        "POSTGRES_HOST": str(params.get("host", "localhost")),
        "POSTGRES_PORT": str(params.get("port", "5432")),
        "POSTGRES_USER": str(params.get("user", "postgres")),
        "POSTGRES_PASSWORD": str(params.get("password", "")),
        "POSTGRES_SCHEMA": settings.database_schema,
        "POSTGRES_CONNECT_TIMEOUT": str(settings.connect_timeout_seconds),
        "POSTGRES_LOCK_TIMEOUT": str(settings.lock_timeout_seconds),
        "POSTGRES_POOL_SIZE": str(settings.pool_size),
        "POSTGRES_MAX_OVERFLOW": str(settings.pool_size),
        # No ping before each checkout: it is a round trip per command; a broken connection
        # fails the command instead, the pool replaces it and the client retries (503).
        "POSTGRES_PRE_PING": "n",
        # Keep recent cases in memory and read only their newer events (fast-forward), so a
        # command does not replay the whole stream; other processes' writes are still read.
        "AGGREGATE_CACHE_MAXSIZE": str(settings.case_cache_size),
        # Measured: with database functions on, the tailing reader skipped events under
        # concurrency and two applications in one schema shared one insert function.
        "POSTGRES_ENABLE_DB_FUNCTIONS": "n",
        "APPLICATION_RECORDER_TOPIC": get_topic(OneTripRecorder),
        "CREATE_TABLE": "y",
    }


class ConfiguredApplication(Application[UUID]):
    """An eventsourcing application configured by Settings alone, decoding with orjson: the
    cases' store and the agencies' store."""

    def construct_env(self, name: str, env: EnvType | None = None) -> Environment:
        """Only the given environment: settings come from config.Settings (through
        `eventsourcing_env`), never from os.environ, which the base class would merge in."""
        return Environment(name, {**type(self).env, **(env or {})})

    def construct_transcoder(self) -> Transcoder:
        transcoder = FastJSONTranscoder()
        self.register_transcodings(transcoder)
        return transcoder


class CaseStore(ConfiguredApplication):
    """The eventsourcing application holding every case's stream (table `cases_events`).

    Its mapper seals each event's personal fields with the case's key (see crypto.py)."""

    name = "cases"

    def __init__(
        self,
        env: EnvType | None = None,
        *,
        keys: CaseKeys | None = None,
        personal: Callable[[str, int], Iterable[str]] = lambda workflow, version: (),
    ) -> None:
        self.keys: CaseKeys = keys if keys is not None else MemoryCaseKeys()
        self.personal = personal
        self._documents: dict[tuple[UUID, UUID], bytes] = {}  # the in-memory store's
        self.kept: dict[UUID, dict[int, bytes]] = {}  # the in-memory store's kept folds
        super().__init__(env)
        datastore = getattr(self.factory, "datastore", None)  # PostgreSQL only
        if datastore is not None:
            datastore.get_connection = _fail_fast(datastore.get_connection)

    def save(self, *objs: Any, documents: Sequence[tuple[UUID, bytes]] = (), **kwargs: Any) -> Any:
        """Save the cases' new events; `documents` (id, bytes) of the one case saved are sealed
        with its key and stored in the events' transaction."""
        if documents:
            case_id = objs[0].id
            key = self.keys.key(case_id, create=True)
            if key is None:
                raise MasterKeyError(f"the personal data of case {case_id} has been erased")
            sealed = [(d, case_id, case_documents.seal(key, case_id, d, b)) for d, b in documents]
            if isinstance(self.recorder, OneTripRecorder):
                kwargs["documents"] = sealed
        recordings = super().save(*objs, **kwargs)
        if documents and not isinstance(self.recorder, OneTripRecorder):
            self._documents.update({(c, d): blob for d, c, blob in sealed})  # in memory
        return recordings

    def stream_at(self, case_id: UUID, upto: int) -> StreamAt | None:
        return case_snapshots.stream_at(self, case_id, upto)

    def keep(self, case: Case) -> None:
        case_snapshots.keep_case(self, case)

    def document(self, case_id: UUID, document_id: UUID) -> bytes | None:
        """An uploaded document's bytes; None once the case's key is destroyed (or its bytes
        deleted) by an erasure."""
        datastore = getattr(self.factory, "datastore", None)
        if datastore is None:
            sealed = self._documents.get((case_id, document_id))
        else:
            with datastore.get_connection() as conn:
                sealed = case_documents.read(conn, datastore.schema, case_id, document_id)
        key = self.keys.key(case_id)
        if sealed is None or key is None:
            return None
        return case_documents.opened(key, case_id, document_id, sealed)

    def append(self, events: Sequence[Any]) -> None:
        """Store many new cases' events in one transaction: the application's `save` without
        its per-object checks and notifications, by COPY on PostgreSQL (an import's batch)."""
        stored = [self.mapper.to_stored_event(e) for e in events]
        if isinstance(self.recorder, OneTripRecorder):
            self.recorder.copy_events(stored)
        else:
            self.recorder.insert_events(stored)

    def imported(self, case_ids: Sequence[UUID]) -> dict[UUID, tuple[bool, Any]]:
        """Of these cases, those that exist: whether erased, and their `CaseImported` event
        (None for a case not imported), read in one query of those two kinds of event."""
        kinds = [get_topic(Case.Imported), get_topic(Case.PersonalDataErased)]
        known = self.known(case_ids)
        found: dict[UUID, tuple[bool, Any]] = {}
        for case_id, events in self._events_of(list(known), kinds).items():
            erased = any(isinstance(e, Case.PersonalDataErased) for e in events)
            mark = next((e for e in events if isinstance(e, Case.Imported)), None)
            found[case_id] = (erased, mark)
        return found

    def streams(self, case_ids: Sequence[UUID]) -> dict[UUID, list[Any]]:
        """These cases' events, each case's in order, read in one query (an import comparing a
        batch of rows with their cases read each case on its own: 1 ms a row)."""
        return self._events_of(case_ids)

    def readable_streams(
        self, case_ids: Sequence[UUID]
    ) -> tuple[dict[UUID, list[Any]], dict[UUID, str]]:
        """As `streams`, but a case one of whose events cannot be decoded is left out, named
        with that event's version and the error's class: one broken event spoils no other
        case (the webhook deliverer and the event feed read many cases at once). A failure of
        the database itself still raises."""
        unreadable: dict[UUID, str] = {}
        found = self._events_of(case_ids, unreadable=unreadable)
        for case_id in unreadable:
            found.pop(case_id, None)
        return found, unreadable

    def _events_of(
        self,
        case_ids: Sequence[UUID],
        topics: Sequence[str] | None = None,
        unreadable: dict[UUID, str] | None = None,
    ) -> dict[UUID, list[Any]]:
        """These cases' events (of these topics only, if given), each case's in order; with
        `unreadable`, an event that cannot be decoded is noted there instead of raising."""
        if not case_ids:
            return {}
        found: dict[UUID, list[Any]] = {i: [] for i in case_ids}
        for stored in self._stored(case_ids, topics):
            case_id = UUID(str(stored.originator_id))
            if unreadable is not None and case_id in unreadable:
                continue
            try:
                found[case_id].append(self.mapper.to_domain_event(stored))
            except Exception as exc:
                if unreadable is None or _database_failed(exc):
                    raise
                log.error(
                    "case %s: event %d cannot be read: %s", case_id, stored.originator_version, exc
                )
                unreadable[case_id] = f"event {stored.originator_version} ({type(exc).__name__})"
        return found

    def _stored(self, case_ids: Sequence[UUID], topics: Sequence[str] | None) -> list[StoredEvent]:
        """The cases' stored events, each case's in order, in one query on PostgreSQL."""
        datastore = getattr(self.factory, "datastore", None)
        if datastore is None:
            return [
                e
                for i in case_ids
                for e in self.recorder.select_events(i)
                if topics is None or e.topic in topics
            ]
        table = sql.Identifier(datastore.schema, self.recorder.events_table_name)  # type: ignore[attr-defined]
        which = sql.SQL("" if topics is None else " and topic = any(%s)")
        query = sql.SQL(
            "select originator_id, originator_version, topic, state from {} "
            "where originator_id = any(%s){} order by originator_id, originator_version"
        ).format(table, which)
        params: list[Any] = [list(case_ids)] + ([] if topics is None else [list(topics)])
        with datastore.get_connection() as conn:
            rows = conn.execute(query, params).fetchall()
        self.keys.warm(case_ids)
        return [
            StoredEvent(
                originator_id=row["originator_id"],
                originator_version=row["originator_version"],
                topic=row["topic"],
                state=bytes(row["state"]),
            )
            for row in rows
        ]

    def known(self, case_ids: Sequence[UUID]) -> set[UUID]:
        """Which of these cases have events (one query; the in-memory store asks each)."""
        if not case_ids:
            return set()
        datastore = getattr(self.factory, "datastore", None)
        if datastore is None:
            return {i for i in case_ids if i in self.repository}
        table = sql.Identifier(datastore.schema, self.recorder.events_table_name)  # type: ignore[attr-defined]
        query = sql.SQL("select distinct originator_id from {} where originator_id = any(%s)")
        with datastore.get_connection() as conn:
            rows = conn.execute(query.format(table), [list(case_ids)]).fetchall()
        return {UUID(str(row["originator_id"])) for row in rows}

    def construct_mapper(self) -> Mapper[UUID]:
        return PersonalDataMapper(self.construct_transcoder(), self.keys, self.personal)


def _database_failed(exc: BaseException) -> bool:
    """Whether an error decoding an event was the database's (a case key that could not be
    read), not the event's: that fails the whole read, to be tried again."""
    failure: BaseException | None = exc
    while failure is not None:
        if isinstance(
            failure, psycopg.Error | StoreOperationalError | DatabaseUnavailable | PoolTimeout
        ):
            return True
        failure = failure.__cause__ or failure.__context__
    return False


def _fail_fast(
    get_connection: Callable[[], AbstractContextManager[Any]],
) -> Callable[[], AbstractContextManager[Any]]:
    """No free connection within the connect timeout means the database is unavailable now.

    eventsourcing retries each recorder call ten times on OperationalError, which a pool timeout
    is: with the database down a command waited ten timeouts (50 s by default) before its 503.
    A broken pooled connection (after a restart) is still retried, and so replaced at once."""

    @contextmanager
    def connection() -> Iterator[Any]:
        try:
            with get_connection() as conn:
                yield conn
        except StoreOperationalError as exc:
            if isinstance(exc.__cause__, PoolTimeout):
                raise DatabaseUnavailable("no database connection within the timeout") from exc
            raise

    return connection


class FastJSONTranscoder(JSONTranscoder):
    """eventsourcing's JSON transcoder, decoding with orjson: replay spent about 40 % of its time
    in the standard library's decoder and its per-object hook.

    Typed values (`{"_type_": ..., "_data_": ...}`) sit at the top level of the case events, so
    only those are converted; when the stored bytes hold more typed values than that (nested
    deeper), the general decoder runs instead, so the result is always the same."""

    iso_datetimes = False
    """Whether "datetime_iso" is eventsourcing's own DatetimeAsISO (then parsed here directly)."""

    def __init__(self) -> None:
        super().__init__()
        self._typed: dict[str, tuple[str, ...]] = {}
        """The keys of each topic's typed values, as its last event held them."""

    def register(self, transcoding: Transcoding) -> None:
        super().register(transcoding)
        if transcoding.name == "datetime_iso":
            self.iso_datetimes = type(transcoding) is DatetimeAsISO

    def decode(self, data: bytes) -> Any:
        return self.decode_event(data, None)

    def decode_event(self, data: bytes, topic: str | None) -> Any:
        """`decode`, looking for the typed values first under the keys where the last event of
        `topic` held them, every key otherwise (a replay's events of one topic share them)."""
        found = orjson.loads(data)
        expected = data.count(b'"_type_"')
        if not expected:
            return found
        keys = self._typed.get(topic) if topic is not None else None
        if keys is not None and len(keys) == expected and type(found) is dict:
            for key in keys:
                value = found.get(key)
                if type(value) is not dict or len(value) != 2 or "_type_" not in value:
                    break
                found[key] = self._typed_value(value)
            else:
                return found
            found = orjson.loads(data)  # another shape: from the start, every key looked at
        if type(found) is not dict:
            return super().decode(data)
        keys = tuple(
            k for k, v in found.items() if type(v) is dict and len(v) == 2 and "_type_" in v
        )
        if len(keys) != expected:  # typed values nested deeper: the general decoder
            return super().decode(data)
        if topic is not None:
            self._typed[topic] = keys
        for key in keys:
            found[key] = self._typed_value(found[key])
        return found

    def _typed_value(self, value: dict[str, Any]) -> Any:
        if self.iso_datetimes and value["_type_"] == "datetime_iso":
            data = value.get("_data_")
            if type(data) is str:  # as DatetimeAsISO decodes it
                return datetime.fromisoformat(data)
        return self._decode_obj(value)
