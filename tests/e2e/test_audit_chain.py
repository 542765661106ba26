"""The audit log's hash chain: `audit verify` finds a rewritten, removed or unchained entry;
entries written before the chain join it on upgrade; with a separate owner role the application
can only read and append."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo
from psycopg.types.json import Jsonb

from referral_engine.adapters import audit, audit_chain
from referral_engine.bootstrap import Runtime, build
from referral_engine.config import Settings
from tests.e2e.test_cli import cli, pg_env
from tests.factories import open_case, wait_until


def record(runtime: Runtime, action: str, **extra: Any) -> None:
    runtime.audit.record(
        user=None,
        action=action,
        method="GET",
        path="/api/test",
        status=200,
        case_id=None,
        region="UA-32",
        address="127.0.0.1",
        detail={"n": 1, "text": "ünï\\x00"},
        **extra,
    )


def as_superuser(settings: Settings, *statements: str) -> list[tuple[Any, ...]]:
    """Run statements in the test's schema as the superuser the tests connect as."""
    found: list[tuple[Any, ...]] = []
    with psycopg.connect(str(settings.database_url), autocommit=True) as conn:
        conn.execute(
            sql.SQL("set search_path = {}").format(sql.Identifier(settings.database_schema))
        )
        for statement in statements:
            cursor = conn.execute(statement)
            found = cursor.fetchall() if cursor.description else found
    return found


def ids(settings: Settings) -> list[int]:
    return [row[0] for row in as_superuser(settings, "select id from audit_log order by id")]


def tampered(settings: Settings, statement: str) -> None:
    """Change the log behind its trigger, as its owner or a superuser could."""
    as_superuser(
        settings,
        "alter table audit_log disable trigger audit_log_append_only",
        statement,
        "alter table audit_log enable trigger audit_log_append_only",
    )


def test_verify_reports_an_intact_chain_then_the_entry_rewritten_behind_the_trigger(
    pg_settings: Settings, pg_runtime: Runtime
) -> None:
    for n in range(5):
        record(pg_runtime, f"test.{n}")
    env = pg_env(pg_settings)
    intact = cli("audit", "verify", env=env)
    assert intact.returncode == 0, intact.stderr
    assert intact.stdout.startswith("intact, 5 entries; newest hash ")

    third = ids(pg_settings)[2]
    tampered(pg_settings, f"update audit_log set status = 500 where id = {third}")

    broken = cli("audit", "verify", env=env)
    assert broken.returncode == 1
    message = " ".join(broken.stderr.split())
    assert f"broken: entry {third} (position 3 in the chain)" in message
    assert "its content differs from what was written" in message
    assert "the 2 entries before it are intact" in message


def test_verify_reports_a_removed_entry_at_the_one_after_it(
    pg_settings: Settings, pg_runtime: Runtime
) -> None:
    for n in range(4):
        record(pg_runtime, f"test.{n}")
    second, third = ids(pg_settings)[1:3]
    tampered(pg_settings, f"delete from audit_log where id = {second}")

    report = pg_runtime.audit.verify()

    assert report.broken is not None
    assert (report.broken.entry_id, report.broken.position) == (third, 2)
    assert "an entry was removed, inserted or moved before it" in report.broken.problem


def test_appends_from_many_threads_and_commands_make_one_chain(
    pg_settings: Settings, pg_runtime: Runtime
) -> None:
    from referral_engine.application.ports import AuditNote

    def work(n: int) -> None:
        for i in range(10):
            if i % 2:
                record(pg_runtime, f"test.{n}.{i}")
            else:
                note = AuditNote("case.open", "CLI", "test", 0, channel="cli", os_user="tester")
                pg_runtime.engine.open_case(
                    "ukraine-nrm", "UA-32", _opening(), actor=_actor(), audit=note
                )

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    report = pg_runtime.audit.verify()
    assert (report.entries, report.broken) == (80, None)


def _opening() -> dict[str, Any]:
    from tests.factories import data_for, ukraine

    return data_for(ukraine().opening)


def _actor() -> Any:
    from referral_engine.domain.commands import Actor

    return Actor("chain-tester", "nrm_actor", "ngo-synthetic")


OLD_TABLE = """create table audit_log (
    id bigint generated always as identity primary key,
    at timestamptz not null default now(),
    user_name text, role text, agency text,
    action text not null, method text not null, path text not null, status int not null,
    case_id uuid, region text, address text, detail jsonb not null default '{}')"""


def test_a_process_starting_waits_for_a_running_append_instead_of_deadlocking_with_it(
    pg_settings: Settings, pg_runtime: Runtime
) -> None:
    """Found by a review: a start altered the log (its table's lock) before it took the chain's
    lock, which an append takes before it writes to the log: a start and a running command
    deadlocked (1 start in 6 under load), and PostgreSQL could cancel the command."""
    record(pg_runtime, "before")
    schema = pg_settings.database_schema
    failed: list[BaseException] = []

    def start() -> None:  # what every process does as it starts
        try:
            audit.migrate(pg_runtime.db)
        except BaseException as exc:
            failed.append(exc)

    with psycopg.connect(str(pg_settings.database_url)) as command:
        command.execute(sql.SQL("set search_path = {}").format(sql.Identifier(schema)))
        command.execute("select pg_advisory_xact_lock(%s)", [audit_chain.chain_lock(schema)])
        starting = threading.Thread(target=start)
        starting.start()
        wait_until(lambda: waiting_on_a_lock(pg_settings) > 0, what="the start to wait")
        with command.cursor() as cursor:  # the command writes its entry, then commits
            audit_chain.append(cursor, schema, entry_row(), Jsonb({"n": 2}))
        command.commit()
    starting.join(timeout=60)
    assert not starting.is_alive() and failed == []
    report = pg_runtime.audit.verify()
    assert (report.entries, report.broken) == (2, None)


def waiting_on_a_lock(settings: Settings) -> int:
    (row,) = as_superuser(
        settings,
        "select count(*) from pg_stat_activity where datname = current_database() "
        "and wait_event_type = 'Lock'",
    )
    return int(row[0])


def entry_row() -> list[Any]:
    return [
        audit_chain.now(), "tester", "admin", "it", "test.append", "GET", "/api/test", 200,
        None, "UA-32", "127.0.0.1", "http", None,
    ]  # fmt: skip


def test_entries_written_before_the_chain_join_it_on_upgrade(pg_settings: Settings) -> None:
    as_superuser(pg_settings, f"create schema {pg_settings.database_schema}")
    as_superuser(
        pg_settings,
        OLD_TABLE,
        "insert into audit_log (user_name, action, method, path, status, detail) values "
        "('lsa', 'case.read', 'GET', '/api/cases', 200, '{\"personal_fields\": [\"x\"]}'), "
        "('os:someone', 'cli.replay', 'CLI', 'referral-engine replay', 0, '{}')",
    )

    with build(pg_settings) as runtime:
        record(runtime, "test.after")
        report = runtime.audit.verify()
        entries = runtime.audit.query()

    assert (report.entries, report.broken) == (3, None)
    assert [e.channel for e in entries] == ["http", "cli", "http"]


@pytest.fixture
def roles(pg_settings: Settings) -> Iterator[tuple[str, str]]:
    """An owner role and a login role for the application (cluster-wide: unique names)."""
    suffix = uuid.uuid4().hex[:8]
    owner, app = f"audit_owner_{suffix}", f"audit_app_{suffix}"
    dbname = psycopg.conninfo.conninfo_to_dict(str(pg_settings.database_url))["dbname"]
    as_superuser(
        pg_settings,
        f"create role {owner} nologin",
        f"create role {app} login",
        f"grant create on database {dbname} to {app}",
    )
    yield owner, app
    as_superuser(
        pg_settings,
        f"reassign owned by {owner}, {app} to current_user",
        f"drop owned by {owner}, {app}",
        f"drop role {owner}",
        f"drop role {app}",
    )


FORBIDDEN = (
    "update audit_log set status = 1",
    "delete from audit_log",
    "truncate audit_log",
    "alter table audit_log disable trigger audit_log_append_only",
    "drop trigger audit_log_append_only on audit_log",
    "drop table audit_log",
    "create or replace function audit_log_is_append_only() returns trigger "
    "language plpgsql as $$ begin return null; end $$",
)


def test_with_a_separate_owner_the_application_can_only_read_and_append(
    pg_settings: Settings, roles: tuple[str, str]
) -> None:
    owner, app = roles
    handed = cli(
        "maintenance", "audit-owner", "--app-role", app, "--owner", owner, env=pg_env(pg_settings)
    )
    assert handed.returncode == 0, handed.stderr
    app_settings = pg_settings.model_copy(
        update={"database_url": make_conninfo(str(pg_settings.database_url), user=app)}
    )

    with build(app_settings) as runtime:  # the application starts and appends as before
        open_case(runtime.engine)
        record(runtime, "test.as-app")
        for statement in FORBIDDEN:
            with (
                pytest.raises(psycopg.errors.InsufficientPrivilege),
                runtime.db.pool.connection() as conn,
            ):
                conn.execute(statement)
        assert runtime.audit.verify().broken is None

    first = ids(pg_settings)[0]
    tampered(pg_settings, f"update audit_log set user_name = 'nobody' where id = {first}")
    found = cli("audit", "verify", env=pg_env(app_settings))
    assert found.returncode == 1 and f"entry {first} (position 1" in found.stderr
