"""A page session lasts only while what it was opened with holds: revoking the token, setting
the password again or changing the user's role or regions ends it at the next request."""

from __future__ import annotations

from fastapi.testclient import TestClient

from referral_engine.bootstrap import Runtime
from referral_engine.entrypoints.asgi import create_app
from referral_engine.entrypoints.web.session import COOKIE, Session
from tests.e2e.conftest import Callers
from tests.e2e.pages import sign_in

PASSWORD = "synthetic password 1"


def signed_out(client: TestClient) -> bool:
    """Whether the next page asks to sign in again."""
    response = client.get("/cases", follow_redirects=False)
    return response.status_code == 303 and response.headers["location"].startswith("/sign-in")


def test_revoking_the_token_ends_the_session_opened_with_it(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    sign_in(client, callers["lsa"].token)
    assert not signed_out(client)
    assert pg_runtime.users.revoke(pg_runtime.users.tokens("lsa")[0].id)  # as `users revoke` does
    assert signed_out(client)
    assert client.get("/", follow_redirects=False).headers["location"] == "/sign-in"
    assert sign_in(client, callers["lsa"].token).status_code == 401


def test_revoking_another_token_of_the_user_leaves_the_session(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    other = pg_runtime.users.issue_token("lsa", "laptop")
    sign_in(client, other)
    assert pg_runtime.users.revoke(pg_runtime.users.tokens("lsa")[0].id)  # the first token
    assert not signed_out(client)


def test_setting_the_password_again_ends_the_sessions_opened_with_it(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    pg_runtime.users.set_password("lsa", PASSWORD)
    with TestClient(create_app(pg_runtime)) as by_token:
        sign_in(client, name="lsa", password=PASSWORD)
        sign_in(by_token, callers["lsa"].token)
        pg_runtime.users.set_password("lsa", PASSWORD)  # the same words, a new hash
        assert signed_out(client)
        assert not signed_out(by_token)  # opened with a token, which still holds
    assert sign_in(client, name="lsa", password=PASSWORD).status_code == 303
    assert not signed_out(client)


def test_changing_the_users_regions_or_role_ends_the_session(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    def change(sql: str) -> None:  # no command changes a user yet: an administrator's update
        with pg_runtime.db.pool.connection() as conn:
            conn.execute(sql + " where name = 'lsa'")

    sign_in(client, callers["lsa"].token)
    change("update users set regions = array['UA-32', 'UA-46']")
    assert signed_out(client)
    sign_in(client, callers["lsa"].token)
    assert not signed_out(client)
    change("update users set role = 'supervisor'")
    assert signed_out(client)


def test_a_session_cookie_from_before_credentials_were_bound_is_not_signed_in(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    sign_in(client, callers["lsa"].token)
    sessions = client.app.state.sessions  # type: ignore[attr-defined]
    user = pg_runtime.users.get("lsa")
    assert user is not None
    old = Session(csrf="c", expires=2**31, user="lsa", user_id=str(user.id))
    client.cookies.set(COOKIE, sessions.dump(old))
    assert signed_out(client)
