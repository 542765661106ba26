"""The agency registry from the command line: an admin (`--as`) registers an agency and records
and ends an agreement, each audited with the OS user; a mistake is one line and exit code 1."""

from __future__ import annotations

import pytest

from referral_engine.bootstrap import Runtime
from referral_engine.domain.commands import Actor
from tests.e2e.test_cli import cli, pg_env

pytestmark = pytest.mark.usefixtures("empty_registry")  # the registry as the test makes it

ADMIN = Actor("ops", "admin", "it")


def test_an_admin_registers_an_agency_and_its_agreement(pg_runtime: Runtime) -> None:
    pg_runtime.users.add("ops", "admin", "it", ["*"])
    pg_runtime.agencies.register(
        "lsa-kyivska", {"en": "LSA Kyiv"}, "state_body", [], ["UA-32"], actor=ADMIN
    )
    env = pg_env(pg_runtime.settings)
    add = cli(
        "agencies",
        "add",
        "shelter-kyiv",
        "--as",
        "ops",
        "--kind",
        "ngo",
        "--name-en",
        "Shelter Kyiv",
        "--name-uk",
        "Притулок Київ",
        "--service",
        "accommodation",
        "--region",
        "UA-32",
        env=env,
    )
    assert add.returncode == 0, add.stderr
    recorded = cli(
        "agencies",
        "agreement",
        "add",
        "shelter-kyiv",
        "--as",
        "ops",
        "--id",
        "a-1",
        "--with",
        "lsa-kyivska",
        "--service",
        "accommodation",
        "--signed-on",
        "2026-01-15",
        "--reference",
        "Order 17",
        env=env,
    )
    assert recorded.returncode == 0, recorded.stderr
    twice = cli(
        "agencies",
        "agreement",
        "end",
        "shelter-kyiv",
        "a-1",
        "--as",
        "ops",
        "--ended-on",
        "2025-01-01",
        "--reason",
        "Merged",
        env=env,
    )
    assert twice.returncode == 1 and "ended_on" in twice.stderr, twice.stderr

    shown = cli("agencies", "show", "shelter-kyiv", env=env)
    assert "Притулок Київ" in shown.stdout and "agreement a-1 with lsa-kyivska" in shown.stdout
    assert pg_runtime.agencies.get("shelter-kyiv").version == 2
    actions = {e.action for e in pg_runtime.audit.query(user_name="ops", limit=10)}
    assert {"cli.agencies.add", "cli.agencies.agreement"} <= actions
