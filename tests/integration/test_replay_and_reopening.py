"""Replay on PostgreSQL reproduces every version and time; data outlives processes."""

from __future__ import annotations

import os
import subprocess
import sys
from uuid import UUID

import pytest

from referral_engine.adapters.database import DatabaseUnavailable
from referral_engine.bootstrap import Runtime, build
from referral_engine.config import Settings
from referral_engine.domain.errors import CaseNotFound
from tests.factories import (
    LSA,
    SUPERVISOR,
    FixedClock,
    open_case,
    referral_step,
    send_referral,
    step,
)


def test_the_case_at_each_version_equals_what_was_seen_then(
    pg_runtime: Runtime, clock: FixedClock
) -> None:
    engine = pg_runtime.engine
    case_id = open_case(engine).case_id
    seen = {1: engine.case(case_id)}
    times = {1: clock.now}
    commands = [
        lambda: step(engine, case_id, "record_consent", actor=LSA),
        lambda: step(engine, case_id, "register_application"),
        lambda: send_referral(engine, case_id),
        lambda: referral_step(engine, case_id, "r1", "accept"),
        lambda: step(engine, case_id, "waive_interview"),
        lambda: step(engine, case_id, "close_case", actor=SUPERVISOR),
        lambda: step(engine, case_id, "reopen_case", actor=SUPERVISOR),
    ]
    for command in commands:
        clock.advance(hours=5)
        result = command()
        seen[result.version] = engine.case(case_id)
        times[result.version] = clock.now
    for version, view in seen.items():
        assert engine.case_at_version(case_id, version) == view
        clock.advance(minutes=1)  # a later reader sees the same past
        as_of = engine.case_as_of(case_id, times[version])
        assert (as_of.state, as_of.version, as_of.data) == (view.state, view.version, view.data)
    assert engine.case(case_id).state == "interviewed"  # reopened where it was closed


def test_a_time_before_the_case_existed_is_not_found(
    pg_runtime: Runtime, clock: FixedClock
) -> None:
    before = clock.now
    clock.advance(seconds=1)
    case_id = open_case(pg_runtime.engine).case_id
    with pytest.raises(CaseNotFound):
        pg_runtime.engine.case_as_of(case_id, before)


SCRIPT = """
from referral_engine.bootstrap import build
from referral_engine.domain.commands import Actor
from tests.factories import data_for, ukraine
with build() as rt:
    result = rt.engine.open_case("ukraine-nrm", "UA-51", data_for(ukraine().opening),
                                 actor=Actor("u", "nrm_actor", "ngo"))
    print(result.case_id)
"""


def test_cases_persist_across_processes(pg_settings: Settings, clock: FixedClock) -> None:
    env = {
        **os.environ,
        "REFERRAL_ENGINE_DATABASE_URL": str(pg_settings.database_url),
        "REFERRAL_ENGINE_DATABASE_SCHEMA": pg_settings.database_schema,
    }
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, check=True
    )
    case_id = UUID(out.stdout.strip())
    with build(pg_settings, clock=clock) as runtime:
        case = runtime.engine.case(case_id)
        assert (case.state, case.region, case.version) == ("screened", "UA-51", 1)


def test_an_embedded_server_is_started_reused_and_stopped(
    pg_server_url: str, tmp_path: object, clock: FixedClock
) -> None:
    settings = Settings(home=tmp_path / "home")  # type: ignore[operator]
    with build(settings, clock=clock) as runtime:
        case_id = open_case(runtime.engine).case_id
        assert "host=" in runtime.database_url
    with build(settings, clock=clock) as runtime:
        assert runtime.engine.case(case_id).state == "screened"
    pid_file = tmp_path / "home" / "pgdata" / "postmaster.pid"  # type: ignore[operator]
    assert not pid_file.exists()  # stopped cleanly on close


def test_an_unreachable_database_is_one_clear_error_with_the_password_masked() -> None:
    settings = Settings(database_url="postgresql://nrm:s3cret@127.0.0.1:1/nrm")
    with pytest.raises(DatabaseUnavailable) as caught:
        build(settings)
    message = str(caught.value)
    assert "postgresql://nrm:***@127.0.0.1:1/nrm" in message
    assert "s3cret" not in message and "\n" not in message
