"""Bearer tokens' look-ups are cached in the API process (adapters/token_cache.py), and whatever
another session commits to the tokens or users tables takes effect on the very next request: a
revocation, a disabled user, changed regions, an expiry moved to the past."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from referral_engine.bootstrap import Runtime
from referral_engine.config import Settings
from tests.e2e.conftest import KYIV, LVIV, Callers, assert_problem, open_case


def elsewhere(settings: Settings, statement: str, params: list[Any] | None = None) -> None:
    """Run `statement` in a session of its own, as the command line in another process does."""
    assert settings.database_url is not None
    with psycopg.connect(
        settings.database_url, options=f"-c search_path={settings.database_schema}"
    ) as conn:
        conn.execute(statement, params)


@pytest.fixture
def warm(client: TestClient, callers: Callers) -> dict[str, str]:
    """The lsa's token, looked up and cached by a few requests."""
    auth = callers["lsa"].auth
    for _ in range(3):
        assert client.get("/api/workflows", headers=auth).status_code == 200
    return auth


@pytest.mark.parametrize(
    "change",
    [
        "update tokens set revoked_at = now() where user_id = (select id from users where "
        "name = 'lsa')",
        "update users set disabled_at = now() where name = 'lsa'",
        "update tokens set expires_at = now() - interval '1 s'",
        "delete from tokens where user_id = (select id from users where name = 'lsa')",
    ],
    ids=["revoked", "user-disabled", "expired", "deleted"],
)
def test_a_token_made_unusable_in_another_session_is_refused_on_the_next_request(
    client: TestClient, warm: dict[str, str], pg_settings: Settings, change: str
) -> None:
    elsewhere(pg_settings, change)

    assert_problem(client.get("/api/workflows", headers=warm), 401, "unauthorized")


def test_a_token_revoked_through_the_users_store_is_refused_on_the_next_step(
    client: TestClient, warm: dict[str, str], callers: Callers, pg_runtime: Runtime
) -> None:
    case = open_case(client, callers["lsa"])
    (token,) = pg_runtime.users.tokens("lsa")

    assert pg_runtime.users.revoke(token.id)

    body = {"trigger": "record_consent", "data": {}, "expected_version": case["version"]}
    refused = client.post(f"/api/cases/{case['id']}/steps", json=body, headers=warm)
    assert_problem(refused, 401, "unauthorized")


def test_changed_regions_apply_to_the_next_request(
    client: TestClient, warm: dict[str, str], callers: Callers, pg_settings: Settings
) -> None:
    lviv_case = open_case(client, callers["lviv-lsa"], region=LVIV)
    assert client.get(f"/api/cases/{lviv_case['id']}", headers=warm).status_code == 404

    elsewhere(pg_settings, "update users set regions = %s where name = 'lsa'", [[KYIV, LVIV]])

    assert client.get(f"/api/cases/{lviv_case['id']}", headers=warm).status_code == 200


def test_another_users_revocation_leaves_a_cached_token_working(
    client: TestClient, warm: dict[str, str], callers: Callers, pg_runtime: Runtime
) -> None:
    (other,) = pg_runtime.users.tokens("police")

    assert pg_runtime.users.revoke(other.id)

    assert client.get("/api/workflows", headers=warm).status_code == 200
    assert_problem(
        client.get("/api/workflows", headers=callers["police"].auth), 401, "unauthorized"
    )


def test_a_token_check_opens_no_transaction_and_hands_its_connection_back_as_it_was(
    client: TestClient, warm: dict[str, str], pg_runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check is one statement on every request: in autocommit it is one round trip, with no
    BEGIN before it and no COMMIT after it; the pooled connection goes back in its usual mode."""
    cache = pg_runtime.users._tokens
    look_up, seen = cache.look_up, []

    def watched(conn: psycopg.Connection[Any], *args: Any) -> Any:
        found = look_up(conn, *args)
        seen.append((conn, conn.info.transaction_status))
        return found

    monkeypatch.setattr(cache, "look_up", watched)

    assert client.get("/api/workflows", headers=warm).status_code == 200

    ((conn, status),) = seen
    assert status == psycopg.pq.TransactionStatus.IDLE
    assert conn.autocommit is False
