"""Notes and documents on PostgreSQL (#19 item 5): what the database holds is sealed (neither a
raw select nor a pg_dump of the schema holds a note's text, a file's name or a document's bytes,
in the clear or hex-encoded), the upload's bytes are written with its event or not at all, the
erasure deletes them with the case's key, and every read model folds past the new events."""

from __future__ import annotations

import subprocess
from uuid import UUID

import psycopg
import pytest
from psycopg import sql

from referral_engine.bootstrap import Runtime
from referral_engine.domain.case_file import DOCUMENT_UPLOADED
from referral_engine.domain.case_file_errors import DocumentErased
from referral_engine.domain.notes import Upload
from tests import documents
from tests.factories import LSA, SUPERVISOR, case_in

NOTE = "Synthetic note Qzvx: the person fears the recruiter Wyxq"
FILE = "Synthetic passport of Vqxz Zqwy.png"
CONTENT_MARK = "Synthetic document bytes Xqjz"
LIMIT = 1_000_000


def dumped(runtime: Runtime) -> bytes:
    """A plain pg_dump of the engine's schema (every table's rows)."""
    return subprocess.run(
        [
            "pg_dump",
            "--no-owner",
            "--schema",
            runtime.settings.database_schema,
            runtime.database_url,
        ],
        check=True,
        capture_output=True,
        timeout=120,
    ).stdout


def rows(runtime: Runtime, query: str) -> list[tuple[object, ...]]:
    with psycopg.connect(runtime.database_url) as conn:
        conn.execute(
            sql.SQL("set search_path to {}").format(
                sql.Identifier(runtime.settings.database_schema)
            )
        )
        return conn.execute(query).fetchall()


def with_notes_and_documents(runtime: Runtime) -> tuple[UUID, UUID]:
    engine = runtime.engine
    case_id = case_in(engine, "application_registered")
    engine.add_note(case_id, NOTE, actor=LSA)
    content = documents.png(CONTENT_MARK)
    engine.add_document(case_id, Upload("identity", FILE, content), LIMIT, actor=LSA)
    (document,) = engine.case_file(case_id, role="lsa_official").documents
    return case_id, document.id


def secrets() -> list[bytes]:
    values = [NOTE.encode(), FILE.encode(), CONTENT_MARK.encode(), documents.png(CONTENT_MARK)]
    return values + [v.hex().encode() for v in values]


def test_neither_a_select_nor_a_dump_holds_a_note_a_file_name_or_a_document(
    pg_runtime: Runtime,
) -> None:
    case_id, document_id = with_notes_and_documents(pg_runtime)
    stored = b"".join(bytes(r[0]) for r in rows(pg_runtime, "select state from cases_events"))
    blobs = b"".join(bytes(r[0]) for r in rows(pg_runtime, "select sealed from case_documents"))
    dump = dumped(pg_runtime)
    assert b"case_documents" in dump and len(blobs) > len(documents.png(CONTENT_MARK))
    for secret in secrets():
        assert secret not in stored and secret not in blobs and secret not in dump, secret
    # and yet the engine reads them back whole
    _, _, content = pg_runtime.engine.document_content(case_id, document_id, role="lsa_official")
    assert content == documents.png(CONTENT_MARK)
    assert pg_runtime.engine.case_file(case_id, role="lsa_official").notes[0].text == NOTE


def test_an_erasure_deletes_the_bytes_with_the_key_and_nothing_reads_them_again(
    pg_runtime: Runtime,
) -> None:
    case_id, document_id = with_notes_and_documents(pg_runtime)
    kept_case, _ = with_notes_and_documents(pg_runtime)  # another case keeps its document
    pg_runtime.engine.erase_personal_data(case_id, "Synthetic lawful request", actor=SUPERVISOR)
    left = rows(pg_runtime, "select case_id from case_documents")
    assert [r[0] for r in left] == [kept_case]
    assert pg_runtime.engine.store.document(case_id, document_id) is None
    with pytest.raises(DocumentErased):
        pg_runtime.engine.document_content(case_id, document_id, role="lsa_official")
    assert pg_runtime.engine.case_file(case_id, role="lsa_official").notes[0].text == {
        "redacted": "erased"
    }


def test_a_refused_upload_stores_no_bytes(pg_runtime: Runtime) -> None:
    case_id = case_in(pg_runtime.engine, "application_registered")
    stale = pg_runtime.engine.case(case_id).version - 1
    with pytest.raises(Exception, match="version"):
        pg_runtime.engine.add_document(
            case_id,
            Upload("consent", "a.pdf", documents.pdf()),
            LIMIT,
            actor=LSA,
            expected_version=stale,
        )
    assert rows(pg_runtime, "select count(*) from case_documents") == [(0,)]


def test_every_read_model_folds_past_notes_and_documents(pg_runtime: Runtime) -> None:
    before = {s.name: s for s in pg_runtime.projections.status()}
    case_id, _ = with_notes_and_documents(pg_runtime)
    pg_runtime.engine.add_note(case_id, "Synthetic later note", actor=LSA)
    pg_runtime.projections.catch_up()
    for status in pg_runtime.projections.status():
        assert status.position == status.head and status.lag_events == 0, status
        assert status.parked == before[status.name].parked == 0, status
    queue = pg_runtime.projections.query(
        "case_queue",
        "queue",
        {"whole": None, "marks": [], "regions": None, "answering": None, "region": None,
         "state": None, "from": None, "to": None, "overdue": None, "after": None, "mine": None,
         "limit": 10, "today": pg_runtime.engine.clock()},
    )  # fmt: skip
    (row,) = [r for r in queue if r["case_id"] == case_id]
    assert row["last_step"] != DOCUMENT_UPLOADED  # the queue's last step is the case's own
