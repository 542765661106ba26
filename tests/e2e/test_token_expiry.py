"""Bearer tokens expire: a default lifetime from the configuration, `users token --expires`
for another, the expiry listed by `users tokens`, and an expired token refused like an unknown."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from referral_engine.bootstrap import Runtime
from referral_engine.config import Settings
from tests.e2e.conftest import assert_problem
from tests.e2e.pages import sign_in
from tests.e2e.test_cli import cli, pg_env


@pytest.fixture
def olena(pg_runtime: Runtime) -> str:
    pg_runtime.users.add("olena", "lsa_official", "lsa-kyivska", ["UA-32"])
    return "olena"


def issued(output: str) -> str:
    return next(w for w in output.split() if w.startswith("ret_"))


def test_a_token_issued_for_a_duration_works_until_it_expires(
    client: TestClient, pg_settings: Settings, pg_runtime: Runtime, olena: str
) -> None:
    result = cli("users", "token", olena, "--expires", "12h", env=pg_env(pg_settings))
    assert result.returncode == 0, result.stderr
    token = issued(result.stdout)
    (info,) = pg_runtime.users.tokens(olena)
    assert info.expires_at is not None
    assert abs(info.expires_at - (datetime.now(UTC) + timedelta(hours=12))) < timedelta(minutes=5)
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/cases", headers=auth).status_code == 200
    with pg_runtime.db.pool.connection() as conn:  # twelve hours later
        conn.execute("update tokens set expires_at = now() - interval '1 s'")
    assert_problem(client.get("/api/cases", headers=auth), 401, "unauthorized")
    assert sign_in(client, token).status_code == 401


def test_a_token_gets_the_configured_lifetime_by_default(
    pg_settings: Settings, pg_runtime: Runtime, olena: str
) -> None:
    env = {**pg_env(pg_settings), "REFERRAL_ENGINE_TOKEN_DAYS": "30"}
    assert cli("users", "token", olena, env=env).returncode == 0
    pg_runtime.users.issue_token(olena)  # the settings' default: 90 days
    expiries = [t.expires_at for t in pg_runtime.users.tokens(olena)]
    now = datetime.now(UTC)
    assert [round((e - now) / timedelta(days=1)) for e in expiries if e] == [30, 90]


def test_users_tokens_shows_each_expiry(
    pg_settings: Settings, pg_runtime: Runtime, olena: str
) -> None:
    result = cli("users", "token", olena, "--expires", "2031-05-17", env=pg_env(pg_settings))
    assert result.returncode == 0, result.stderr
    listed = cli("users", "tokens", olena, env=pg_env(pg_settings))
    assert "expires" in listed.stdout and "2031-05-18 00:00" in listed.stdout  # the day's end


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ("2020-01-01", "in the past"),
        ("0d", "in the past"),
        ("3 weeks", "a date (YYYY-MM-DD) or a duration"),
        ("99999d", "at most"),
        ("2031-02-30", "a date (YYYY-MM-DD) or a duration"),
    ],
)
def test_an_unusable_expiry_is_refused_in_one_clear_line(
    pg_settings: Settings, pg_runtime: Runtime, olena: str, given: str, says: str
) -> None:
    result = cli("users", "token", olena, "--expires", given, env=pg_env(pg_settings))
    assert result.returncode == 1
    assert says in result.stderr and "Traceback" not in result.stderr
    assert pg_runtime.users.tokens(olena) == []
