"""The ledger of HTCDS exports: each export's parameters, digest, who made it and when, and the
cases in it as keyed hashes (BLAKE2b keyed with a key derived from the master key, 16 bytes), so
that an erasure can name the files to recall without the ledger listing a single case id. A hash
cannot be linked to a case without the master key. Each export keeps the id of the master key its
hashes were made with: after a rotation they can no longer be checked, and `recalls` lists such
an export as one that may hold the case."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from psycopg.types.json import Jsonb

from referral_engine.adapters.case_keys import PostgresCaseKeys
from referral_engine.adapters.crypto import MasterKey
from referral_engine.adapters.database import Database
from referral_engine.adapters.htcds_source import HtcdsSource
from referral_engine.application.htcds_export import HtcdsExports

SCHEMA = (
    """create table if not exists htcds_exports (
        id uuid primary key,
        made_at timestamptz not null,
        made_by text not null,
        detail jsonb not null,
        digest text not null,
        master_id text not null,
        cases bytea[] not null)""",
)


def case_hash(key: bytes, case_id: UUID) -> bytes:
    """A case's keyed hash in the ledger."""
    return hashlib.blake2b(case_id.bytes, key=key, digest_size=16).digest()


def ledger_key(master: MasterKey) -> bytes:
    """The ledger's hashing key, derived from the master key."""
    return hashlib.blake2b(
        b"referral-engine htcds exports", key=master.key, person=b"export-ledger", digest_size=32
    ).digest()


class HtcdsLedger:
    """Records exports; answers which exports included a case."""

    def __init__(self, db: Database, master: Callable[[], MasterKey]) -> None:
        self.db = db
        self.master = master

    def record(
        self, *, by: str, at: datetime, detail: dict[str, Any], digest: str, cases: Sequence[UUID]
    ) -> UUID:
        """Keep one export; its id."""
        master = self.master()
        key = ledger_key(master)
        export_id = uuid4()
        with self.db.pool.connection() as conn:
            conn.execute(
                "insert into htcds_exports "
                "(id, made_at, made_by, detail, digest, master_id, cases) "
                "values (%s, %s, %s, %s, %s, %s, %s)",
                [
                    export_id,
                    at,
                    by,
                    Jsonb(detail),
                    digest,
                    master.id,
                    [case_hash(key, c) for c in cases],
                ],
            )
        return export_id

    def recalls(self, case_id: UUID) -> list[dict[str, Any]]:
        """The exports whose file holds a record of this case, oldest first: the files to recall
        when its personal data is erased (an export hashed under an earlier master key is listed
        as unknown: it may hold the case)."""
        master = self.master()
        mine = case_hash(ledger_key(master), case_id)
        with self.db.pool.connection() as conn:
            rows = conn.execute(
                "select id, made_at, made_by, digest, master_id = %s from htcds_exports "
                "where master_id <> %s or %s = any(cases) order by made_at, id",
                [master.id, master.id, mine],
            ).fetchall()
        return [
            {
                "export": str(i),
                "made_at": at.isoformat(),
                "made_by": by,
                "digest": digest,
                **({} if current else {"uncertain": "hashed under an earlier master key"}),
            }
            for i, at, by, digest, current in rows
        ]


def wired_exports(runtime: Any) -> HtcdsExports:
    """A runtime's exports (bootstrap.Runtime): its case streams read with the store's
    transcoder, and this ledger."""
    db, engine = runtime.db, runtime.engine
    transcoder = runtime.projections.decode.transcoder
    keys = engine.store.keys
    assert isinstance(keys, PostgresCaseKeys)
    source = HtcdsSource(db, engine.workflows, transcoder)
    return HtcdsExports(
        source, HtcdsLedger(db, lambda: keys.master), engine.workflows, engine.clock
    )
