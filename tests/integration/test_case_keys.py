"""Case keys on PostgreSQL: erasure answers at once and compaction (the live worker's, or
`maintenance compact`) leaves no copy in the table's file; rotating the master key re-wraps them
all, and a process still on the old key wraps no new one."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from referral_engine.adapters.case_keys import PostgresCaseKeys
from referral_engine.adapters.crypto import MasterKey, MasterKeyError, MasterKeyRotated
from referral_engine.adapters.readmodels.worker import LiveWorker
from referral_engine.bootstrap import Runtime, build, rotate_master
from referral_engine.config import Settings
from referral_engine.domain.commands import Actor
from referral_engine.entrypoints.asgi import create_app
from tests.e2e.conftest import KYIV, WORKFLOW, assert_problem, opening_data
from tests.factories import open_case as open_in_engine
from tests.factories import wait_until
from tests.pg import CI

NAME = "Synthetic Keyholder Qzxwk"
ERASED = {"redacted": "erased"}
OPERATOR = Actor("operator", "admin", "it")


def test_the_live_worker_compacts_the_table_so_no_copy_of_an_erased_key_stays_in_its_file(
    pg_runtime: Runtime,
) -> None:
    erased = open_in_engine(pg_runtime.engine, person_name=NAME).case_id
    kept = open_in_engine(pg_runtime.engine, person_name=NAME).case_id
    wrapped = {case_id: _wrapped_key(pg_runtime, case_id) for case_id in (erased, kept)}
    worker = LiveWorker(pg_runtime.projections, poll_seconds=0.1, compact_seconds=0.1)
    worker.start()
    try:
        pg_runtime.engine.erase_personal_data(erased, "Art. 17 request 5", actor=OPERATOR)

        wait_until(
            lambda: wrapped[erased] not in _case_keys_file(pg_runtime),
            what="the live worker to compact case_keys",
        )
        on_disk = _case_keys_file(pg_runtime)
    finally:
        worker.stop()
    assert wrapped[erased] not in on_disk  # not even in a dead row version
    assert wrapped[kept] in on_disk  # the file is the right one, and live keys are seen


@pytest.mark.parametrize("elsewhere", [False, True], ids=["a-report-here", "a-write-elsewhere"])
def test_erasure_answers_at_once_and_compaction_waits_for_an_older_transaction(
    pg_runtime: Runtime, pg_server_url: str, elsewhere: bool
) -> None:
    """VACUUM FULL keeps the old row version while a transaction begun before the erasure runs:
    a report or a `pg_dump` of this database (it could still read it), or any transaction that
    writes, even in another database of the server (VACUUM's own snapshot counts it as running).
    The erasure request does not wait for it; `maintenance compact` does, and only then rewrites
    the table's file."""
    erased = open_in_engine(pg_runtime.engine, person_name=NAME).case_id
    wrapped = _wrapped_key(pg_runtime, erased)
    report = psycopg.connect(pg_server_url if elsewhere else pg_runtime.database_url)
    try:
        if elsewhere:
            report.execute("select txid_current()")  # a write's transaction id, begun before
        else:
            report.execute("begin isolation level repeatable read")
            report.execute("select count(*) from pg_class")  # its snapshot predates the erasure
        started = time.monotonic()
        response = _erase_through_the_api(pg_runtime, erased)
        assert time.monotonic() - started < 1.0
        assert response.status_code == 200, response.text
        assert PostgresCaseKeys(pg_runtime.db, _master(pg_runtime)).key(erased) is None

        waited = _maintenance(pg_runtime, "compact", "--wait", "0")
        assert waited.returncode == 1 and "1 erasures still due" in waited.stderr
        assert wrapped in _case_keys_file(pg_runtime)  # kept: the report could still read it
    finally:
        report.close()
    compacted = _maintenance(pg_runtime, "compact")
    assert compacted.returncode == 0, compacted.stderr
    assert "after 1 erasures" in compacted.stdout
    assert wrapped not in _case_keys_file(pg_runtime)


def _erase_through_the_api(runtime: Runtime, case_id: uuid.UUID) -> Any:
    if runtime.users.get("eraser") is None:
        runtime.users.add("eraser", "admin", "it", ["*"])
    token = runtime.users.issue_token("eraser")
    with TestClient(create_app(runtime), raise_server_exceptions=False) as client:
        return client.post(
            f"/api/cases/{case_id}/erase",
            json={"reason": "Art. 17 request 6"},
            headers={"Authorization": f"Bearer {token}"},
        )


def _master(runtime: Runtime) -> MasterKey:
    keys = runtime.engine.store.keys
    assert isinstance(keys, PostgresCaseKeys)
    return keys.master


def _maintenance(runtime: Runtime, *args: str) -> subprocess.CompletedProcess[str]:
    """`referral-engine maintenance ...` run as an operator runs it, on this runtime's schema."""
    env = {
        **os.environ,
        "REFERRAL_ENGINE_DATABASE_URL": runtime.database_url,
        "REFERRAL_ENGINE_DATABASE_SCHEMA": runtime.settings.database_schema,
    }
    return subprocess.run(
        [sys.executable, "-m", "referral_engine", "maintenance", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def _wrapped_key(runtime: Runtime, case_id: uuid.UUID) -> bytes:
    with runtime.db.pool.connection() as conn:
        row = conn.execute("select wrapped from case_keys where case_id = %s", [case_id])
        (value,) = row.fetchone()  # type: ignore[misc]
    return bytes(value)


def _case_keys_file(runtime: Runtime) -> bytes:
    """The bytes of table case_keys' file as the server stores it (needs a superuser)."""
    table = f"{runtime.settings.database_schema}.case_keys"
    try:
        with psycopg.connect(runtime.database_url, autocommit=True) as conn:
            conn.execute("checkpoint")  # what is in shared buffers reaches the file
            (path,) = conn.execute("select pg_relation_filepath(%s)", [table]).fetchone()  # type: ignore[misc]
            (data,) = conn.execute("select pg_read_binary_file(%s)", [path]).fetchone()  # type: ignore[misc]
    except psycopg.errors.InsufficientPrivilege:
        if CI:
            raise
        pytest.skip("reading the table's file needs a superuser")
    return bytes(data)


def test_rotating_the_master_key_rewraps_every_live_case_key(
    pg_settings: Settings, tmp_path: Path
) -> None:
    old, new = MasterKey.generate(), MasterKey.generate()
    settings = pg_settings.model_copy(update={"master_key": SecretStr(old.text())})
    with build(settings) as runtime:
        kept = [open_in_engine(runtime.engine, person_name=NAME).case_id for _ in range(3)]
        erased = open_in_engine(runtime.engine, person_name=NAME).case_id
        runtime.engine.erase_personal_data(erased, "Art. 17 request 7", actor=OPERATOR)
        keys = runtime.engine.store.keys
        assert isinstance(keys, PostgresCaseKeys)
        assert keys.rotate(new) == 3

        stale = PostgresCaseKeys(runtime.db, old)
        for case_id in kept:
            with pytest.raises(MasterKeyError):
                stale.key(case_id)
        current = PostgresCaseKeys(runtime.db, new)
        assert all(current.key(case_id) is not None for case_id in kept)
        assert current.key(erased) is None
    with build(settings.model_copy(update={"master_key": SecretStr(new.text())})) as runtime:
        assert all(runtime.engine.case(c).data["person_name"] == NAME for c in kept)
        assert runtime.engine.case(erased).data["person_name"] == ERASED
    with pytest.raises(MasterKeyError), build(settings) as runtime:
        runtime.engine.case(kept[0])


def test_a_process_still_on_the_old_master_key_wraps_no_new_case_key(
    pg_settings: Settings,
) -> None:
    old, new = MasterKey.generate(), MasterKey.generate()
    settings = pg_settings.model_copy(update={"master_key": SecretStr(old.text())})
    with build(settings) as rotating, build(settings) as stale:
        kept = open_in_engine(stale.engine, person_name=NAME).case_id
        opened: list[uuid.UUID] = []
        refused: list[Exception] = []
        busy = threading.Event()

        def keep_opening() -> None:  # the stale process keeps working while the other rotates
            for i in range(40):
                try:
                    opened.append(open_in_engine(stale.engine, person_name=NAME).case_id)
                except MasterKeyError as exc:
                    refused.append(exc)
                if i == 5:
                    busy.set()

        worker = threading.Thread(target=keep_opening)
        worker.start()
        busy.wait(30)
        assert rotate_master(rotating, new) >= 7
        worker.join()
        assert opened and refused

        with pytest.raises(MasterKeyRotated, match="was rotated"):
            open_in_engine(stale.engine, person_name=NAME)
        assert all(isinstance(exc, MasterKeyRotated) for exc in refused)
        assert _wrapping_keys(stale) == {new.id}  # nothing wrapped by the old key afterwards
        stale.users.add("late-screener", "nrm_actor", "ngo-synthetic", [KYIV])
        token = stale.users.issue_token("late-screener")
        with TestClient(create_app(stale), raise_server_exceptions=False) as client:
            response = client.post(
                "/api/cases",
                json={"workflow": WORKFLOW, "region": KYIV, "data": opening_data()},
                headers={"Authorization": f"Bearer {token}"},
            )
        body = assert_problem(response, 503, "master-key-rotated")
        assert "restarted" in body["detail"] and old.text() not in response.text
    with build(settings.model_copy(update={"master_key": SecretStr(new.text())})) as current:
        for case_id in [kept, *opened]:
            assert current.engine.case(case_id).data["person_name"] == NAME
    with pytest.raises(MasterKeyRotated):  # a process started on the old key does not start
        build(settings)


def _wrapping_keys(runtime: Runtime) -> set[str]:
    with runtime.db.pool.connection() as conn:
        rows = conn.execute("select distinct master_id from case_keys").fetchall()
    return {row[0] for row in rows}


def test_an_external_database_needs_a_master_key(pg_settings: Settings) -> None:
    with pytest.raises(MasterKeyError, match="REFERRAL_ENGINE_MASTER_KEY is required"):
        build(pg_settings.model_copy(update={"master_key": None}))


def test_a_batch_read_hides_no_key_created_after_it_and_a_remembered_miss_creates_one(
    pg_runtime: Runtime,
) -> None:
    """A batch read (`warm`) caches the keys it finds, and not the cases it finds none for:
    another process may create such a case's key the next moment. And a miss `key` remembers
    does not stop `key(create=True)` (the case's first personal value) from creating the key."""
    master = pg_runtime.engine.store.keys.master  # type: ignore[attr-defined]
    here, elsewhere = (PostgresCaseKeys(pg_runtime.db, master) for _ in range(2))
    with_key = open_in_engine(pg_runtime.engine, person_name=NAME).case_id
    later, missed = uuid.uuid4(), uuid.uuid4()
    here.warm([with_key, later])

    loads: list[uuid.UUID] = []
    load = here._load
    here._load = lambda case_id, create: loads.append(case_id) or load(case_id, create)  # type: ignore[method-assign]
    assert here.key(with_key) is not None and loads == []  # from the batch read
    created_elsewhere = elsewhere.key(later, create=True)
    assert created_elsewhere is not None
    assert here.key(later) == created_elsewhere  # read, not hidden by the batch read

    assert here.key(missed) is None  # remembered by `key`, as before
    created = here.key(missed, create=True)
    assert created is not None and here.key(missed) == created == elsewhere.key(missed)
