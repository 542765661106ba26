"""Personal data at rest: one AES-GCM key per case, wrapped by the master key; erasure destroys it.

A workflow marks personal fields `pii: true`. When an event is stored, each personal value in its
`data` is sealed with the case's key (the case id and field name are bound in as associated data,
so a sealed value cannot be moved to another case or field), and so is the event's `fingerprint`
(a digest of the command, personal values included, that would otherwise confirm a guess). Case
keys are stored wrapped by the master key (`REFERRAL_ENGINE_MASTER_KEY`). Destroying a case's
key (crypto-shredding) makes every personal value of the case unreadable while the stream, its
states and its statistics stay.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from uuid import UUID

import orjson
import psycopg
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Mapper, StoredEvent
from eventsourcing.utils import get_topic

from .domain.personal import ERASED

if TYPE_CHECKING:
    from .store import Database

SEALED = "_sealed_"
FINGERPRINT = "\0fingerprint"
"""What a command's sealed digest is bound to instead of a field name (no field has a NUL)."""
NONCE = 12
KEY_CACHE = 10_000
KEY_CACHE_SECONDS = 30.0
"""How long a process keeps an unwrapped case key. Erasure also records an event, which every
process reads before it shows or changes the case, so a cached key never outlives what it shows."""

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
)


class MasterKeyError(ValueError):
    """The master key is missing, malformed, or not the one the case keys were wrapped with."""


class MasterKeyRotated(MasterKeyError):
    """The configured master key is not the current one: it was rotated since (or never was)."""

    def __init__(self, current: str, configured: str) -> None:
        super().__init__(
            f"the master key was rotated: case keys are wrapped by master key {current}, not by "
            f"the configured {configured}; configure the current one (REFERRAL_ENGINE_MASTER_KEY)"
        )


@dataclass(frozen=True)
class MasterKey:
    """The key that wraps every case key; `id` names it without revealing it."""

    key: bytes

    def __post_init__(self) -> None:
        if len(self.key) != 32:
            raise MasterKeyError("the master key must be 32 bytes (base64-encoded)")

    @classmethod
    def parse(cls, text: str) -> MasterKey:
        try:
            raw = base64.urlsafe_b64decode(text.strip().encode() + b"==")
        except (binascii.Error, ValueError):
            raise MasterKeyError("the master key is not valid base64") from None
        return cls(raw)

    @classmethod
    def generate(cls) -> MasterKey:
        return cls(AESGCM.generate_key(bit_length=256))

    @classmethod
    def in_file(cls, path: Path) -> MasterKey:
        """The key kept in `path` (owner-only), created on first use: for the embedded demo."""
        if path.exists():
            return cls.parse(path.read_text("utf-8"))
        key = cls.generate()
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(key.text() + "\n")
        return key

    def replace_file(self, path: Path) -> None:
        """Write this key into `path` (owner-only) in place of the one there, atomically."""
        spare = path.with_name(path.name + ".new")
        spare.unlink(missing_ok=True)
        fd = os.open(spare, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(self.text() + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(spare, path)

    def text(self) -> str:
        return base64.urlsafe_b64encode(self.key).decode().rstrip("=")

    @property
    def id(self) -> str:
        return hashlib.sha256(b"referral-engine master key\0" + self.key).hexdigest()[:16]

    def wrap(self, case_id: UUID, case_key: bytes) -> bytes:
        nonce = os.urandom(NONCE)
        return nonce + AESGCM(self.key).encrypt(nonce, case_key, case_id.bytes)

    def unwrap(self, case_id: UUID, wrapped: bytes) -> bytes:
        try:
            return AESGCM(self.key).decrypt(wrapped[:NONCE], wrapped[NONCE:], case_id.bytes)
        except InvalidTag:
            raise MasterKeyError(f"the case key of {case_id} was not wrapped by this key") from None

    def __repr__(self) -> str:  # never print the key itself
        return f"MasterKey(id={self.id})"


class CaseKeys(Protocol):
    """Where case keys live: `key` returns None once the case's key is destroyed."""

    def key(self, case_id: UUID, *, create: bool = False) -> bytes | None: ...

    def destroy(self, case_id: UUID) -> bool: ...


class MemoryCaseKeys:
    """Case keys in a dict, for the in-memory engine of unit tests."""

    def __init__(self) -> None:
        self._keys: dict[UUID, bytes | None] = {}

    def key(self, case_id: UUID, *, create: bool = False) -> bytes | None:
        if case_id not in self._keys and create:
            self._keys[case_id] = AESGCM.generate_key(bit_length=256)
        return self._keys.get(case_id)

    def destroy(self, case_id: UUID) -> bool:
        existed = self._keys.get(case_id) is not None
        self._keys[case_id] = None
        return existed


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
            if cached is not None and self.clock() - cached[1] < KEY_CACHE_SECONDS:
                self._cache.move_to_end(case_id)
                return cached[0]
        key = self._load(case_id, create)
        with self._lock:
            self._cache[case_id] = (key, self.clock())
            while len(self._cache) > KEY_CACHE:
                self._cache.popitem(last=False)
        return key

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
        if row is None or row[0] is None:
            return None
        if row[1] != self.master.id:
            raise MasterKeyRotated(row[1], self.master.id)
        return self.master.unwrap(case_id, bytes(row[0]))

    def destroy(self, case_id: UUID) -> bool:
        """Destroy the case's key, then rewrite the table's file so that no old row version
        keeps it there (what may remain elsewhere, and how to finish: docs/operations.md)."""
        with self.db.pool.connection() as conn:
            destroyed = conn.execute(
                "update case_keys set wrapped = null, erased_at = now() "
                "where case_id = %s and wrapped is not null",
                [case_id],
            ).rowcount
            conn.commit()
            with self._lock:
                self._cache.pop(case_id, None)
            conn.autocommit = True
            try:
                _compact_case_keys(conn)
            finally:
                conn.autocommit = False
        return destroyed == 1

    def rotate(self, new: MasterKey) -> int:
        """Re-wrap every live case key under `new` and make it the current master key, in one
        transaction; returns how many. Processes still on the old key wrap no new case key."""
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


def _compact_case_keys(conn: Any) -> None:
    """An UPDATE leaves the old row version, wrapped key and all, in the table's file (so
    overwriting the value first would only add another copy). VACUUM FULL writes the live rows
    into a new file and drops the old one; the table is small (one short row per case), so this
    takes a moment. If another transaction holds the table longer, a plain VACUUM frees the
    dead row's space for reuse instead."""
    conn.execute("set lock_timeout = '2s'")
    try:
        conn.execute("vacuum (full) case_keys")
    except psycopg.errors.LockNotAvailable:
        conn.execute("vacuum case_keys")
    finally:
        conn.execute("reset lock_timeout")


class Sealer:
    """Seals and opens personal values with a case key (AES-GCM, case id and field bound in)."""

    @staticmethod
    def seal(key: bytes, case_id: UUID, name: str, value: Any) -> dict[str, str]:
        nonce = os.urandom(NONCE)
        box = AESGCM(key).encrypt(nonce, orjson.dumps(value), _aad(case_id, name))
        return {SEALED: base64.b64encode(nonce + box).decode()}

    @staticmethod
    def open(key: bytes | None, case_id: UUID, name: str, sealed: Mapping[str, str]) -> Any:
        if key is None:
            return dict(ERASED)
        raw = base64.b64decode(sealed[SEALED])
        try:
            plain = AESGCM(key).decrypt(raw[:NONCE], raw[NONCE:], _aad(case_id, name))
        except InvalidTag:
            raise MasterKeyError(f"a personal value of case {case_id} does not open") from None
        return orjson.loads(plain)


def _aad(case_id: UUID, name: str) -> bytes:
    return case_id.bytes + name.encode()


def is_sealed(value: object) -> bool:
    return isinstance(value, dict) and SEALED in value


class PersonalDataMapper(Mapper[UUID]):
    """The eventsourcing mapper that seals personal values on the way in and opens them on the
    way out (a value whose case key is destroyed reads as erased)."""

    def __init__(
        self,
        transcoder: Any,
        keys: CaseKeys,
        personal: Callable[[str, int], Iterable[str]],
    ) -> None:
        super().__init__(transcoder)
        self.keys = keys
        self.personal = personal

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        state = dict(vars(domain_event))
        case_id: UUID = state.pop("originator_id")
        version = state.pop("originator_version")
        data = state.get("data")
        if data and "workflow_id" in state:
            names = set(self.personal(state["workflow_id"], state["workflow_version"]))
            if names & set(data):
                key = self.keys.key(case_id, create=True)
                if key is None:
                    raise MasterKeyError(f"the personal data of case {case_id} has been erased")
                state["data"] = {
                    k: Sealer.seal(key, case_id, k, v) if k in names else v for k, v in data.items()
                }
                if "fingerprint" in state:  # a digest of the personal values: as personal
                    state["fingerprint"] = Sealer.seal(
                        key, case_id, FINGERPRINT, state["fingerprint"]
                    )
        class_version = getattr(type(domain_event), "class_version", 1)
        if class_version > 1:
            state["class_version"] = class_version
        return StoredEvent(
            originator_id=case_id,
            originator_version=version,
            topic=get_topic(type(domain_event)),
            state=self.transcoder.encode(state),
        )

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        event = super().to_domain_event(stored_event)
        data = getattr(event, "data", None)
        if data and any(is_sealed(v) for v in data.values()):
            case_id = event.originator_id
            assert isinstance(case_id, UUID)
            key = self.keys.key(case_id)
            opened = {
                k: Sealer.open(key, case_id, k, v) if is_sealed(v) else v for k, v in data.items()
            }
            vars(event)["data"] = opened
            digest = getattr(event, "fingerprint", None)
            if is_sealed(digest):
                assert isinstance(digest, dict)
                vars(event)["fingerprint"] = Sealer.open(key, case_id, FINGERPRINT, digest)
        return event
