"""A page session lives in the database: signing out ends it on the server, it ends after a
while unused and a while after sign-in, and it lasts only while what it was opened with holds
(revoking the token, setting the password again, disabling the user or changing the user's role
or regions ends it at the next request)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from referral_engine.bootstrap import Runtime
from referral_engine.config import Settings
from referral_engine.entrypoints.asgi import create_app
from referral_engine.entrypoints.web.session import COOKIE, Session
from tests.e2e.conftest import Callers, case_in
from tests.e2e.pages import post_form, sign_in
from tests.e2e.test_cli import cli, pg_env

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


def test_a_signed_cookie_naming_no_session_of_the_server_is_not_signed_in(
    client: TestClient, callers: Callers
) -> None:
    sign_in(client, callers["lsa"].token)
    sessions = client.app.state.sessions  # type: ignore[attr-defined]
    sid = client.cookies[COOKIE]  # a well signed cookie whose session the server never opened
    client.cookies.set(COOKIE, sessions.dump(Session(csrf="c", expires=2**31, sid="0." + sid)))
    assert signed_out(client)


def test_a_cookie_copied_before_sign_out_gets_the_sign_in_page_afterwards(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    pg_runtime.users.set_password("lsa", PASSWORD)
    case_id, _ = case_in(client, callers, "screened")
    name = client.get(f"/api/cases/{case_id}", headers=callers["lsa"].auth).json()["data"]
    person = name["person_name"]
    sign_in(client, name="lsa", password=PASSWORD)
    page = f"/cases/{case_id}"
    assert person in client.get(page).text  # the case page shows the person's name
    copied = client.cookies[COOKIE]
    assert post_form(client, page, "/sign-out", {}).status_code == 303
    with TestClient(create_app(pg_runtime)) as thief:
        thief.cookies.set(COOKIE, copied)
        replayed = thief.get(page, follow_redirects=False)
        assert replayed.status_code == 303
        assert replayed.headers["location"].startswith("/sign-in")
        assert person not in thief.get(page).text


def age(pg_runtime: Runtime, column: str, minutes: int) -> None:
    """Move every session's `column` back by `minutes`, as if that time had passed."""
    with pg_runtime.db.pool.connection() as conn:
        conn.execute(
            f"update sessions set {column} = {column} - make_interval(mins => %s)", [minutes]
        )


def test_a_session_unused_for_the_idle_timeout_ends(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    assert pg_runtime.settings.session_idle_minutes == 30
    sign_in(client, callers["lsa"].token)
    age(pg_runtime, "last_seen_at", 29)
    assert not signed_out(client)  # used again: its idle time starts anew
    age(pg_runtime, "last_seen_at", 29)
    assert not signed_out(client)
    age(pg_runtime, "last_seen_at", 31)
    assert signed_out(client)


def test_a_session_ends_at_its_absolute_lifetime_however_busy(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    sign_in(client, callers["lsa"].token)
    age(pg_runtime, "expires_at", 8 * 60 - 1)
    assert not signed_out(client)
    age(pg_runtime, "expires_at", 2)
    assert signed_out(client)


def test_disabling_a_user_ends_their_sessions_and_refuses_their_tokens(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    sign_in(client, callers["lsa"].token)
    pg_runtime.users.disable("lsa")
    assert signed_out(client)
    assert client.get("/api/cases", headers=callers["lsa"].auth).status_code == 401
    assert sign_in(client, callers["lsa"].token).status_code == 401
    pg_runtime.users.enable("lsa")
    assert sign_in(client, callers["lsa"].token).status_code == 303
    assert not signed_out(client)


def test_revoking_a_token_marks_the_sessions_opened_with_it_ended_on_the_server(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    sign_in(client, callers["lsa"].token)
    pg_runtime.users.revoke(pg_runtime.users.tokens("lsa")[0].id)
    with pg_runtime.db.pool.connection() as conn:
        ended = conn.execute("select ended_at is not null, end_reason from sessions").fetchall()
    assert ended == [(True, "token revoked")]


def test_an_administrator_lists_ends_and_disables_from_the_command_line(
    client: TestClient, callers: Callers, pg_runtime: Runtime, pg_settings: Settings
) -> None:
    env = pg_env(pg_settings)
    sign_in(client, callers["lsa"].token)
    listed = cli("users", "sessions", "lsa", env=env)
    assert listed.returncode == 0 and "testclient" in listed.stdout
    ended = cli("users", "sessions", "lsa", "--end", env=env)
    assert "ended 1 session(s) of lsa" in ended.stdout
    assert signed_out(client)
    assert cli("users", "disable", "lsa", env=env).returncode == 0
    assert client.get("/api/cases", headers=callers["lsa"].auth).status_code == 401
    unknown = cli("users", "disable", "nobody", env=env)
    assert unknown.returncode == 1 and "no user named 'nobody'" in unknown.stderr
