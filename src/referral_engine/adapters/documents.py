"""Where uploaded documents' bytes live: table `case_documents`, one row per document, its bytes
sealed with the case's key (AES-GCM, the case id and document id bound in), written in the same
transaction as the event recording the upload (`recorder.OneTripRecorder`), deleted in the same
transaction as the case's erasure, with its key (`case_keys.destroy_keys`)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import psycopg
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from psycopg import sql

from referral_engine.adapters.crypto import NONCE, MasterKeyError

TABLE = "case_documents"
SCHEMA = (
    f"""create table if not exists {TABLE} (
        document_id uuid primary key,
        case_id uuid not null,
        sealed bytea not null,
        stored_at timestamptz not null default now()
    )""",
    f"create index if not exists {TABLE}_case on {TABLE} (case_id)",
)
Sealed = tuple[UUID, UUID, bytes]
"""A document ready to store: its id, its case's id and its sealed bytes."""


def seal(key: bytes, case_id: UUID, document_id: UUID, content: bytes) -> bytes:
    """The document's bytes sealed with the case's key (nonce first)."""
    nonce = os.urandom(NONCE)
    return nonce + AESGCM(key).encrypt(nonce, content, _aad(case_id, document_id))


def opened(key: bytes, case_id: UUID, document_id: UUID, sealed: bytes) -> bytes:
    """The document's bytes (MasterKeyError if they do not open with this key)."""
    try:
        return AESGCM(key).decrypt(sealed[:NONCE], sealed[NONCE:], _aad(case_id, document_id))
    except InvalidTag:
        raise MasterKeyError(f"document {document_id} of case {case_id} does not open") from None


def _aad(case_id: UUID, document_id: UUID) -> bytes:
    return b"document\0" + case_id.bytes + document_id.bytes


def insert(conn: psycopg.Connection[Any], schema: str, documents: Sequence[Sealed]) -> None:
    """Store sealed documents in the connection's transaction (the upload event's own).
    Nothing is fetched: the recorder runs it in a pipeline."""
    with conn.cursor() as cur:
        cur.executemany(
            sql.SQL("insert into {} (document_id, case_id, sealed) values (%s, %s, %s)").format(
                _table(schema)
            ),
            list(documents),
        )


def read(
    conn: psycopg.Connection[Any], schema: str, case_id: UUID, document_id: UUID
) -> bytes | None:
    """A document's sealed bytes (None: not stored, or deleted by an erasure)."""
    row = conn.execute(
        sql.SQL("select sealed from {} where document_id = %s and case_id = %s").format(
            _table(schema)
        ),
        [document_id, case_id],
    ).fetchone()
    if row is None:
        return None
    found = row["sealed"] if isinstance(row, dict) else row[0]
    return bytes(found)


def _table(schema: str) -> sql.Composable:
    return sql.Identifier(schema, TABLE) if schema else sql.Identifier(TABLE)
