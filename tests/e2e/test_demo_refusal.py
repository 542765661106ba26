"""`serve --demo` never seeds demo users on a database holding users or cases it did not make,
and then prints no token or password."""

from __future__ import annotations

from referral_engine.adapters import demo_marker
from referral_engine.bootstrap import Runtime, build
from referral_engine.config import Settings
from tests.e2e.test_cli import cli, pg_env
from tests.factories import open_case


def test_serve_demo_refuses_a_database_with_users_the_demo_did_not_make(
    pg_settings: Settings,
) -> None:
    with build(pg_settings) as runtime:
        runtime.users.add("real-lsa", "lsa_official", "lsa-kyivska", ["UA-32"])

    served = cli("serve", "--demo", "--port", "1", env=pg_env(pg_settings))

    assert served.returncode == 2
    assert "holds users or cases the demo did not make" in served.stderr
    assert "token" not in served.stdout and "password:" not in served.stdout
    assert "Traceback" not in served.stderr
    with build(pg_settings) as runtime:
        assert runtime.users.get("demo-admin") is None


def test_serve_demo_refuses_a_database_with_cases_the_demo_did_not_make(
    pg_settings: Settings,
) -> None:
    with build(pg_settings) as runtime:
        open_case(runtime.engine)

    served = cli("serve", "--demo", "--port", "1", env=pg_env(pg_settings))

    assert served.returncode == 2 and "holds users or cases" in served.stderr
    assert "ret_" not in served.stdout


def test_a_database_the_demo_made_stays_the_demos(pg_runtime: Runtime) -> None:
    assert demo_marker.claim(pg_runtime.db, has_cases=False)  # empty: now the demo's
    pg_runtime.users.add("demo-admin", "admin", "it", ["*"])
    open_case(pg_runtime.engine)
    assert demo_marker.claim(pg_runtime.db, has_cases=True)  # its own users and cases


def test_the_demo_command_marks_only_an_empty_database(pg_settings: Settings) -> None:
    assert cli("demo", "--cases", "1", env=pg_env(pg_settings)).returncode == 0
    with build(pg_settings) as runtime:
        assert demo_marker.claim(runtime.db, has_cases=True)
