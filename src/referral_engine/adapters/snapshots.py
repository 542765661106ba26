"""Kept folds of long streams (snapshots): table `case_snapshots`, one row per case and version.

A replay of a case as of a version (application/reading.py) folds every event up to it; a kept
fold lets it start from the last one at or below that version and read only the events after.

- **Personal data.** A fold holds the case's personal values, so it is sealed whole with the
  case's key (AES-GCM; the case id, the version and the code below bound in), kept only while
  that key is live, and deleted with it by the erasure (`case_keys.destroy_keys`). A case whose
  stream records an erasure is always replayed from its events.
- **Format.** A fold is the case object pickled. It is loaded only after its seal opened with
  the case's key (which never leaves this process unwrapped), by an unpickler that finds no
  global but a few value types of the standard library and the classes the domain's modules
  define, each by its own plain name.
- **Code.** Each fold names the code that folded it (`CODE`: a digest of the domain's sources,
  of how stored events are decoded, and of the versions of eventsourcing, orjson and Python).
  A fold made by other code is ignored, and replaced by the next replay that passes its
  version: a change to any rule of the fold can never be hidden by a fold kept before it.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import pickle
import sys
from importlib import metadata
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from psycopg import sql

from referral_engine import domain
from referral_engine.adapters.crypto import NONCE
from referral_engine.application.ports import StreamAt
from referral_engine.domain.case import Case

log = logging.getLogger("referral_engine.snapshots")

TABLE = "case_snapshots"
SCHEMA = (
    f"""create table if not exists {TABLE} (
        case_id uuid not null,
        version int8 not null,
        code text not null,
        sealed bytea not null,
        kept_at timestamptz not null default now(),
        primary key (case_id, version)
    )""",
)
KEPT = "#kept"
LAST = "#last"
"""Topics of the two extra rows `read_query` returns (no event's topic starts with '#')."""


def _code() -> str:
    """The digest of what a fold depends on: the domain (the events, their upcasters, the
    fold), how stored events are decoded (this package's crypto, store and this module), and
    the versions of eventsourcing, orjson and Python."""
    digest = hashlib.sha256()
    adapters = Path(__file__).parent
    sources = [*Path(domain.__file__).parent.glob("*.py")]
    sources += [adapters / "crypto.py", adapters / "store.py", Path(__file__)]
    for source in sorted(sources):
        digest.update(source.name.encode() + b"\0" + source.read_bytes() + b"\0")
    for package in ("eventsourcing", "orjson"):
        digest.update(f"{package} {metadata.version(package)}".encode())
    digest.update(f"python {sys.version_info.major}.{sys.version_info.minor}".encode())
    return digest.hexdigest()[:32]


CODE = _code()

_VALUES = {
    ("datetime", "datetime"),
    ("datetime", "date"),
    ("datetime", "time"),
    ("datetime", "timedelta"),
    ("datetime", "timezone"),
    ("uuid", "UUID"),
}


class _DomainOnly(pickle.Unpickler):
    """Finds only the standard value types above and the classes the domain's modules define,
    each by its own plain name (a dotted name would walk from a module's attributes to any
    object reachable from it)."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _VALUES:
            return super().find_class(module, name)
        in_domain = module == domain.__name__ or module.startswith(domain.__name__ + ".")
        if in_domain and name.isidentifier():
            found = super().find_class(module, name)
            if isinstance(found, type) and (found.__module__, found.__qualname__) == (module, name):
                return found
        raise pickle.UnpicklingError(f"a kept fold may not name {module}.{name}")


def stream_at(store: Any, case_id: UUID, upto: int) -> StreamAt | None:
    """`CaseStore.stream_at`: on PostgreSQL in one round trip, the events after the kept fold
    only; a fold that does not open (another key, tampered) costs a read of the whole stream."""
    select = getattr(store.recorder, "select_for_replay", None)
    if select is None:
        return _in_memory(store, case_id, upto)
    read = select(case_id, upto)
    if read.last == 0:
        return None
    if read.erased:
        return _erased(list(store.events.get(case_id)), upto)
    kept = None
    stored = read.events
    if read.kept is not None:
        key = store.keys.key(case_id)
        kept = None if key is None else opened(key, case_id, *read.kept)
        if kept is None:
            log.warning("case %s: the fold kept at version %d does not open", case_id, read.kept[0])
            stored = store.recorder.select_events(case_id, lte=upto)
    decode = store.mapper.to_domain_event
    return StreamAt(read.last, None, kept, [decode(e) for e in stored])


def _in_memory(store: Any, case_id: UUID, upto: int) -> StreamAt | None:
    """The in-memory store's answer: the same folds, kept in `store.kept`."""
    events = list(store.events.get(case_id))
    if not events:
        return None
    if any(isinstance(e, Case.PersonalDataErased) for e in events):
        return _erased(events, upto)
    kept_at: dict[int, bytes] = store.kept.get(case_id, {})
    version = max((v for v in kept_at if v <= upto), default=None)
    key = store.keys.key(case_id)
    kept = None
    if version is not None and key is not None:
        kept = opened(key, case_id, version, kept_at[version])
    return StreamAt(len(events), None, kept, events[kept.version if kept else 0 : upto])


def _erased(events: list[Any], upto: int) -> StreamAt:
    erasure = next(e for e in events if isinstance(e, Case.PersonalDataErased))
    return StreamAt(len(events), erasure, None, events[:upto])


def keep_case(store: Any, case: Case) -> None:
    """`CaseStore.keep`: seal the fold with the case's key and store it; logged on failure. A
    case with no key (nothing personal recorded yet, or erased) keeps no fold."""
    try:
        key = store.keys.key(case.id)
        if key is None:
            return
        sealed = seal(key, case)
        datastore = getattr(store.factory, "datastore", None)
        if datastore is None:
            store.kept.setdefault(case.id, {})[case.version] = sealed
            return
        with datastore.get_connection() as conn:
            keep(conn, datastore.schema, case.id, case.version, sealed)
    except Exception as exc:  # a replay's answer never depends on keeping its fold
        log.warning("case %s: the fold at version %d was not kept: %r", case.id, case.version, exc)


def seal(key: bytes, case: Case) -> bytes:
    """The case, as folded at its version, sealed with its key (nonce first)."""
    nonce = os.urandom(NONCE)
    plain = pickle.dumps(case, protocol=5)
    return nonce + AESGCM(key).encrypt(nonce, plain, _aad(case.id, case.version))


def opened(key: bytes, case_id: UUID, version: int, sealed: bytes) -> Case | None:
    """The case kept at `version`; None when it does not open or is not the case at that
    version (the replay then folds the events instead)."""
    try:
        plain = AESGCM(key).decrypt(sealed[:NONCE], sealed[NONCE:], _aad(case_id, version))
    except InvalidTag:
        return None
    try:
        case = _DomainOnly(io.BytesIO(plain)).load()
    except Exception:  # sealed with the key yet not a fold this code can load
        return None
    if type(case) is not Case or case.id != case_id or case.version != version:
        return None
    return case


def _aad(case_id: UUID, version: int) -> bytes:
    return b"snapshot\0" + case_id.bytes + version.to_bytes(8, "big") + CODE.encode()


def read_query(schema: str, events_table: str) -> sql.Composed:
    """One round trip for a replay up to %(upto)s: the events after the last fold kept at or
    below it, that fold (topic `KEPT`, its version and sealed bytes), and one row (topic `LAST`)
    with the stream's last version and, as its state, b"1" when the stream records an erasure."""
    return sql.SQL(
        "with kept as (select version, sealed from {kept} where case_id = %(id)s "
        "and code = %(code)s and version <= %(upto)s order by version desc limit 1) "
        "(select originator_version, topic, state from {events} where originator_id = %(id)s "
        "and originator_version > coalesce((select version from kept), 0) "
        "and originator_version <= %(upto)s order by originator_version) "
        "union all (select version, %(kept_topic)s::text, sealed from kept) "
        "union all (select max(originator_version), %(last_topic)s::text, "
        "case when bool_or(topic = %(erasure)s) then '1'::bytea else '0'::bytea end "
        "from {events} where originator_id = %(id)s)"
    ).format(kept=_table(schema), events=sql.Identifier(schema, events_table))


def read_params(case_id: UUID, upto: int, erasure_topic: str) -> dict[str, Any]:
    return {
        "id": case_id,
        "code": CODE,
        "upto": upto,
        "kept_topic": KEPT,
        "last_topic": LAST,
        "erasure": erasure_topic,
    }


def keep(
    conn: psycopg.Connection[Any], schema: str, case_id: UUID, version: int, sealed: bytes
) -> None:
    """Keep a fold, in place of any at the same version (one made by other code, or one that
    did not open), only while the case's key is live. The key's row is read FOR SHARE: an
    erasure destroying it meanwhile makes this wait for its commit and then keep nothing, and
    a fold kept first holds the erasure's update until it commits, so that the erasure's later
    statement deleting the folds (`case_keys.destroy_keys`) sees it."""
    conn.execute(
        sql.SQL(
            "insert into {} (case_id, version, code, sealed) select %s, %s, %s, %s "
            "where exists (select 1 from {} where case_id = %s and wrapped is not null "
            "for share) "
            "on conflict (case_id, version) do update set code = excluded.code, "
            "sealed = excluded.sealed, kept_at = now()"
        ).format(_table(schema), _named(schema, "case_keys")),
        [case_id, version, CODE, sealed, case_id],
    )


def _table(schema: str) -> sql.Composable:
    return _named(schema, TABLE)


def _named(schema: str, table: str) -> sql.Identifier:
    """`table` in `schema` ("": the search path)."""
    return sql.Identifier(schema, table) if schema else sql.Identifier(table)
