"""Where the case keys live: one random AES key per case, stored wrapped by the master key in
table `case_keys`; erasure destroys it, rotation re-wraps them all under a new master key.

Table `master_key_current` names the master key that wraps case keys now, so that a process still
running on a rotated key wraps no new case key (see `PostgresCaseKeys`).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

import psycopg
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from psycopg import sql

from referral_engine.adapters.blind_index import FORGET_PERSONS
from referral_engine.adapters.crypto import MasterKey, MasterKeyRotated
from referral_engine.adapters.database import autocommitted
from referral_engine.adapters.documents import SCHEMA as DOCUMENTS
from referral_engine.adapters.documents import TABLE as DOCUMENTS_TABLE
from referral_engine.adapters.snapshots import SCHEMA as SNAPSHOTS
from referral_engine.adapters.snapshots import TABLE as SNAPSHOTS_TABLE

if TYPE_CHECKING:
    from referral_engine.adapters.database import Database

KEY_CACHE = 10_000
KEY_CACHE_SECONDS = 30.0
"""How long a process keeps an unwrapped case key. Erasure also records an event, which every
process reads before it shows the case, so a cached key never outlives what it shows. A step
decided on a case a process holds (application/commanding.py) may seal its values with a key
destroyed meanwhile; its insert is then refused (the erasure took that version), nothing is
written, and the step is decided again on the stream, which refuses it as erased."""
COMPACTION_LOCK = "referral_engine.compact_case_keys"
"""One compaction at a time across processes (every live worker schedules it)."""

SCHEMA = (
    """create table if not exists case_keys (
        case_id uuid primary key,
        wrapped bytea,
        master_id text not null,
        created_at timestamptz not null default now(),
        erased_at timestamptz
    )""",
    # Which master key wraps the case keys now: one row, changed only by a rotation. A process
    # wraps a new case key only under the key named here (it locks the row to do so).
    """create table if not exists master_key_current (
        singleton boolean primary key default true check (singleton),
        master_id text not null,
        changed_at timestamptz not null default now()
    )""",
    # Erasures whose old row version may still hold the wrapped key in case_keys' file, with the
    # erasure's transaction id: `compact` rewrites the file once no older transaction runs.
    """create table if not exists case_keys_compaction_due (
        case_id uuid primary key,
        erasure_txid bigint not null,
        erased_at timestamptz not null default now()
    )""",
    *FORGET_PERSONS,  # called by destroy_keys
    *DOCUMENTS,  # deleted by destroy_keys: sealed with the keys it destroys
    *SNAPSHOTS,  # as well
)


class MemoryCaseKeys:
    """Case keys in a dict, for the in-memory engine of unit tests."""

    def __init__(self) -> None:
        self._keys: dict[UUID, bytes | None] = {}

    def key(self, case_id: UUID, *, create: bool = False) -> bytes | None:
        if case_id not in self._keys and create:
            self._keys[case_id] = AESGCM.generate_key(bit_length=256)
        return self._keys.get(case_id)

    def prepare(self, case_ids: Sequence[UUID]) -> None:
        for case_id in case_ids:
            self.key(case_id, create=True)

    def warm(self, case_ids: Sequence[UUID]) -> None:
        """Nothing to read ahead: the dict is the store."""

    def destroy(self, case_id: UUID) -> bool:
        existed = self._keys.get(case_id) is not None
        self._keys[case_id] = None
        return existed

    def forget(self, case_id: UUID) -> None:
        """Nothing to forget: the dict is the store."""


class PostgresCaseKeys:
    """Case keys wrapped by the master key in table `case_keys`, with a short-lived cache."""

    def __init__(
        self, db: Database, master: MasterKey, clock: Callable[[], float] = time.monotonic
    ):
        self.db = db
        self.master = master
        self.clock = clock
        self._cache: OrderedDict[UUID, tuple[bytes | None, float]] = OrderedDict()
        self._lock = threading.Lock()

    def key(self, case_id: UUID, *, create: bool = False) -> bytes | None:
        with self._lock:
            cached = self._cache.get(case_id)
            # a case known to have no key yet gets one when asked to create it
            if (
                cached is not None
                and self.clock() - cached[1] < KEY_CACHE_SECONDS
                and (cached[0] is not None or not create)
            ):
                self._cache.move_to_end(case_id)
                return cached[0]
        key = self._load(case_id, create)
        with self._lock:
            self._cache[case_id] = (key, self.clock())
            while len(self._cache) > KEY_CACHE:
                self._cache.popitem(last=False)
        return key

    def prepare(self, case_ids: Sequence[UUID]) -> None:
        """Create (or find) the keys of many cases in one transaction and cache them: an
        import's batch would otherwise spend three round trips per case on its key."""
        fresh = {case_id: AESGCM.generate_key(bit_length=256) for case_id in case_ids}
        with self.db.pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
            self._check_current(conn, lock="for share")  # committed before the events
            cur.executemany(
                "insert into case_keys (case_id, wrapped, master_id) values (%s, %s, %s) "
                "on conflict (case_id) do nothing",
                [(i, self.master.wrap(i, k), self.master.id) for i, k in fresh.items()],
            )
        self.warm(list(fresh))

    def warm(self, case_ids: Sequence[UUID]) -> None:
        """Read many cases' keys in one query and cache them (a destroyed one as None): an
        import comparing a batch with its cases read each key on its own. A case with no key
        yet is not remembered: another process may create its key at any moment."""
        with self.db.pool.connection() as conn:
            rows = conn.execute(
                "select case_id, wrapped, master_id from case_keys where case_id = any(%s)",
                [list(case_ids)],
            ).fetchall()
        now = self.clock()
        found = {case_id: self._unwrapped(case_id, w, m) for case_id, w, m in rows}
        with self._lock:
            for case_id, key in found.items():
                self._cache[case_id] = (key, now)
            while len(self._cache) > KEY_CACHE:
                self._cache.popitem(last=False)

    def ensure_current(self) -> None:
        """Record the configured master key as current on first use (or the one the existing
        case keys name); refuse a configured key that is not the current one."""
        with self.db.pool.connection() as conn, conn.transaction():
            conn.execute(
                "insert into master_key_current (master_id) select coalesce((select master_id "
                "from case_keys where wrapped is not null order by created_at desc limit 1), %s) "
                "on conflict (singleton) do nothing",
                [self.master.id],
            )
            self._check_current(conn, lock="")

    def _check_current(self, conn: Any, lock: str) -> None:
        row = conn.execute(f"select master_id from master_key_current {lock}").fetchone()
        current = row[0] if row else "(none recorded)"
        if current != self.master.id:
            raise MasterKeyRotated(current, self.master.id)

    def _load(self, case_id: UUID, create: bool) -> bytes | None:
        with self.db.pool.connection() as conn:
            if create:
                # Under a share lock on the current master: a rotation (which locks it for
                # update first) either waits for this key and re-wraps it, or has already
                # switched, and then this process, on the old key, is refused here.
                with conn.transaction():  # committed before the event that uses the key
                    self._check_current(conn, lock="for share")
                    fresh = AESGCM.generate_key(bit_length=256)
                    conn.execute(
                        "insert into case_keys (case_id, wrapped, master_id) values (%s, %s, %s) "
                        "on conflict (case_id) do nothing",
                        [case_id, self.master.wrap(case_id, fresh), self.master.id],
                    )
            row = conn.execute(
                "select wrapped, master_id from case_keys where case_id = %s", [case_id]
            ).fetchone()
        return None if row is None else self._unwrapped(case_id, row[0], row[1])

    def _unwrapped(self, case_id: UUID, wrapped: bytes | None, master_id: str) -> bytes | None:
        """A stored case key opened (None: destroyed by an erasure)."""
        if wrapped is None:
            return None
        if master_id != self.master.id:
            raise MasterKeyRotated(master_id, self.master.id)
        return self.master.unwrap(case_id, bytes(wrapped))

    def destroy(self, case_id: UUID) -> bool:
        """Destroy the case's key; its old row version stays in the table's file until `compact`
        (maintenance: the live worker, or `referral-engine maintenance compact`) rewrites it.

        The erasure's event destroys the key in its own transaction (see `destroy_keys`); this
        call forgets this process's copy, and destroys a key an older erasure left live."""
        with self.db.pool.connection() as conn:
            row = destroy_keys(conn, "", [case_id]).fetchone()
        self.forget(case_id)
        return row is not None and row[0] == 1

    def forget(self, case_id: UUID) -> None:
        """Drop this process's copy of the case's key (its erasure was read)."""
        with self._lock:
            self._cache.pop(case_id, None)

    def compact(self, wait: float = 0.0) -> Compaction:
        """Rewrite case_keys' file if erasures are due (see `compact_case_keys`)."""
        with self.db.pool.connection() as conn:
            return compact_case_keys(conn, wait)

    def rotate(
        self,
        new: MasterKey,
        also: Sequence[Callable[[psycopg.Connection[Any], MasterKey, MasterKey], int]] = (),
    ) -> int:
        """Re-wrap every live case key under `new` and make it the current master key, in one
        transaction; returns how many. Processes still on the old key wrap no new case key.
        `also` re-wraps other secrets the master key seals (webhook secrets) in that
        transaction, each called with it, the old key and the new one."""
        with self.db.pool.connection() as conn, conn.transaction():
            self._check_current(conn, lock="for update")  # first: new keys wait for us
            rows = conn.execute(
                "select case_id, wrapped, master_id from case_keys "
                "where wrapped is not null for update"
            ).fetchall()
            for case_id, wrapped, master_id in rows:
                if master_id != self.master.id:
                    raise MasterKeyRotated(master_id, self.master.id)
                key = self.master.unwrap(case_id, bytes(wrapped))
                conn.execute(
                    "update case_keys set wrapped = %s, master_id = %s where case_id = %s",
                    [new.wrap(case_id, key), new.id, case_id],
                )
            for rewrap in also:
                rewrap(conn, self.master, new)
            conn.execute(
                "update master_key_current set master_id = %s, changed_at = now()", [new.id]
            )
        with self._lock:
            self._cache.clear()
        self.master = new
        return len(rows)

    def erased(self, case_id: UUID) -> datetime | None:
        with self.db.pool.connection() as conn:
            row = conn.execute(
                "select erased_at from case_keys where case_id = %s", [case_id]
            ).fetchone()
        return row[0] if row else None


def destroy_keys(
    conn: psycopg.Connection[Any], schema: str, case_ids: list[UUID]
) -> psycopg.Cursor[Any]:
    """Destroy the keys of `case_ids` in the connection's transaction (the erasure event's own,
    so that the event and the destruction commit together or not at all), marking them due for
    compaction, the persons' entries in the blind index (blind_index.FORGET_PERSONS) and the
    cases' uploaded documents (documents.py) and kept folds (snapshots.py); the cursor returned
    has one row: how many keys were live. `schema` qualifies the tables ("": the search path).
    Nothing is fetched: the recorder runs it in a pipeline.

    The folds are deleted by a statement of their own, after the keys' update: it sees a fold
    kept while the update waited for it (`snapshots.keep` reads the key FOR SHARE)."""

    def named(table: str) -> sql.Identifier:
        return sql.Identifier(schema, table) if schema else sql.Identifier(table)

    destroyed = conn.execute(
        sql.SQL(
            "with destroyed as (update {} set wrapped = null, erased_at = now() "
            "where case_id = any(%s) and wrapped is not null returning case_id), "
            "due as (insert into {} (case_id, erasure_txid) "
            "select case_id, txid_current() from destroyed on conflict (case_id) do nothing), "
            "documents as (delete from {} where case_id = any(%s)) "
            "select count(*), {}(%s) from destroyed"
        ).format(
            named("case_keys"),
            named("case_keys_compaction_due"),
            named(DOCUMENTS_TABLE),
            named("forget_persons"),
        ),
        [case_ids, case_ids, case_ids],
    )
    conn.execute(
        sql.SQL("delete from {} where case_id = any(%s)").format(named(SNAPSHOTS_TABLE)),
        [case_ids],
    )
    return destroyed


@dataclass(frozen=True)
class Compaction:
    """What one compaction did: erasures whose old key bytes left the file, and those still due."""

    compacted: int
    due: int


def compact_case_keys(conn: psycopg.Connection[Any], wait: float) -> Compaction:
    """Rewrite case_keys into a new file once erasures are due, so that no row version keeps an
    erased key; one process at a time (another one compacting means nothing is done here).

    An UPDATE leaves the old row version, wrapped key and all, in the table's file (so
    overwriting the value first would only add another copy). VACUUM FULL writes the rows into a
    new file and drops the old one, but it keeps every row version that a transaction begun
    before the erasure may still read: so it runs only once those transactions (a report, a
    `pg_dump`, autovacuum's ANALYZE) have ended, waiting up to `wait` seconds for them; one
    begun later is never older, so a check just before the rewrite holds for it. The rewrite
    takes an exclusive lock on a small table for a moment, which is why it runs as maintenance
    and not inside the erasure's request; erasures still due are compacted by a later call."""
    with autocommitted(conn):  # VACUUM runs outside a transaction
        (locked,) = conn.execute(  # type: ignore[misc]
            "select pg_try_advisory_lock(hashtext(%s || current_schema()))", [COMPACTION_LOCK]
        ).fetchone()
        if not locked:
            return Compaction(0, _due(conn))
        try:
            return _compact_due(conn, wait)
        finally:
            conn.execute(
                "select pg_advisory_unlock(hashtext(%s || current_schema()))", [COMPACTION_LOCK]
            )


def _compact_due(conn: psycopg.Connection[Any], wait: float) -> Compaction:
    due = conn.execute("select case_id, erasure_txid from case_keys_compaction_due").fetchall()
    if not due:
        return Compaction(0, 0)
    newest = max(txid for _, txid in due) % 4294967296  # the 32-bit xid age() compares
    if not _rewrite(conn, newest, wait):
        return Compaction(0, _due(conn))
    conn.execute(
        "delete from case_keys_compaction_due where case_id = any(%s)", [[c for c, _ in due]]
    )
    return Compaction(len(due), _due(conn))


def _rewrite(conn: psycopg.Connection[Any], xid: int, wait: float) -> bool:
    """VACUUM FULL case_keys as soon as no transaction older than `xid` runs; False if one
    still did, or other transactions held the table, for `wait` seconds."""
    deadline = time.monotonic() + wait
    conn.execute("set lock_timeout = '1s'")
    try:
        while True:
            if not _older_transactions(conn, xid):
                try:
                    conn.execute("vacuum (full) case_keys")
                    return True
                except psycopg.errors.LockNotAvailable:
                    time.sleep(0.2)  # let the readers queued behind the attempt through
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)
    finally:
        conn.execute("reset lock_timeout")


def _due(conn: psycopg.Connection[Any]) -> int:
    (count,) = conn.execute("select count(*) from case_keys_compaction_due").fetchone()  # type: ignore[misc]
    return int(count)


def _older_transactions(conn: Any, xid: int) -> int:
    """How many transactions begun before transaction `xid` ended still run anywhere on the
    server (prepared ones included), or hold a snapshot taken before then in this database or
    for a standby, or are held by a replication slot. VACUUM's own snapshot takes the oldest
    running transaction across every database, so transactions of other databases count too.
    Plain VACUUMs (autovacuum's) hold back nothing; they are told apart by their progress row,
    which every role may read (`backend_type` and `query` of others' sessions need
    pg_read_all_stats)."""
    row = conn.execute(
        "select (select count(*) from pg_stat_activity a where pid <> pg_backend_pid() "
        "  and pid not in (select pid from pg_stat_progress_vacuum) "
        "  and (age(backend_xid) >= age(%(xid)s::text::xid) "
        "    or (datname = current_database() or datname is null) "
        "    and age(backend_xmin) >= age(%(xid)s::text::xid))) "
        "+ (select count(*) from pg_prepared_xacts "
        "  where age(transaction) >= age(%(xid)s::text::xid)) "
        "+ (select count(*) from pg_replication_slots "
        "  where age(xmin) >= age(%(xid)s::text::xid))",
        {"xid": xid},
    ).fetchone()
    return int(row[0])
