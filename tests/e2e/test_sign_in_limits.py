"""Limits on guessing, kept in the database and shared by every API process: an account locks
after repeated wrong passwords whatever the address, an address's failures are answered 429,
a valid credential is never refused for someone else's failures, and forwarded headers count
only from a configured proxy."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from referral_engine.bootstrap import Runtime, build
from referral_engine.config import Settings
from referral_engine.entrypoints.asgi import create_app
from tests.e2e.conftest import Callers
from tests.e2e.pages import sign_in

PASSWORD = "olena correct horse"
GUESSER = ("198.51.100.7", 40000)


def visitor(runtime: Runtime, address: str = "203.0.113.5") -> TestClient:
    """A browser or API client at `address` (the peer the server sees)."""
    return TestClient(create_app(runtime), client=(address, 50000))


@pytest.fixture
def olena(pg_runtime: Runtime) -> str:
    pg_runtime.users.add("olena", "lsa_official", "lsa-kyivska", ["UA-32"])
    pg_runtime.users.set_password("olena", PASSWORD)
    return "olena"


def test_an_account_stays_locked_after_215_wrong_passwords_even_from_a_new_address(
    pg_runtime: Runtime, olena: str
) -> None:
    with visitor(pg_runtime, GUESSER[0]) as guesser:
        answers = [
            sign_in(guesser, name=olena, password=f"guess {n:04}").status_code for n in range(215)
        ]
    assert answers[:4] == [401] * 4 and set(answers[4:]) == {429}  # locked at the 5th
    with visitor(pg_runtime, "192.0.2.44") as elsewhere:
        refused = sign_in(elsewhere, name=olena, password=PASSWORD)
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
        assert "text/html" in refused.headers["content-type"]
        assert "Too many failed sign-ins: try again in" in refused.text
        with pg_runtime.db.pool.connection() as conn:  # as if the lock had run out
            conn.execute("update sign_in_failures set locked_until = now() - interval '1 s'")
        assert sign_in(elsewhere, name=olena, password=PASSWORD).status_code == 303


def test_a_lock_says_nothing_of_whether_the_account_exists(pg_runtime: Runtime, olena: str) -> None:
    with visitor(pg_runtime, GUESSER[0]) as guesser:
        for name in (olena, "nobody-by-this-name"):
            answers = [sign_in(guesser, name=name, password=f"g {n:04}x") for n in range(6)]
            assert [a.status_code for a in answers] == [401] * 4 + [429] * 2
            assert answers[-1].headers["retry-after"] == "60"


def test_the_lock_grows_with_each_further_failure(pg_runtime: Runtime, olena: str) -> None:
    def unlock() -> None:
        with pg_runtime.db.pool.connection() as conn:
            conn.execute("update sign_in_failures set locked_until = now()")

    with visitor(pg_runtime) as guesser:
        for n in range(5):
            sign_in(guesser, name=olena, password=f"guess {n:04}")
        waits = []
        for n in range(3):
            unlock()
            waits.append(
                int(sign_in(guesser, name=olena, password=f"again {n:04}").headers["retry-after"])
            )
    assert waits == [120, 240, 480]


def test_a_correct_password_clears_the_accounts_failures(pg_runtime: Runtime, olena: str) -> None:
    with visitor(pg_runtime) as user:
        for n in range(4):
            assert sign_in(user, name=olena, password=f"typo {n:04}").status_code == 401
        assert sign_in(user, name=olena, password=PASSWORD).status_code == 303
        for n in range(4):
            assert sign_in(user, name=olena, password=f"typo {n:04}").status_code == 401


def test_rotating_x_forwarded_for_from_an_unconfigured_peer_gains_nothing(
    pg_runtime: Runtime, callers: Callers
) -> None:
    with visitor(pg_runtime, "127.0.0.1") as local:
        answers = [
            local.get(
                "/api/cases",
                headers={"Authorization": "Bearer ret_guess", "X-Forwarded-For": f"10.9.0.{n}"},
            ).status_code
            for n in range(25)
        ]
        assert answers == [401] * 19 + [429] * 6
        sign_in(local, "ret_another-guess")
    with pg_runtime.db.pool.connection() as conn:
        addresses = conn.execute("select distinct address from audit_log").fetchall()
    assert addresses == [("127.0.0.1",)]  # not one of the forged ones


@pytest.fixture
def behind_proxy(pg_settings: Settings) -> Iterator[Runtime]:
    """The engine configured with one trusted reverse proxy, 10.0.0.2."""
    settings = pg_settings.model_copy(update={"trusted_proxies": ["10.0.0.2"]})
    with build(settings) as runtime:
        yield runtime


def test_a_configured_proxy_names_the_client(behind_proxy: Runtime) -> None:
    behind_proxy.users.add("olena", "lsa_official", "lsa-kyivska", ["UA-32"])
    token = behind_proxy.users.issue_token("olena")
    auth = {"Authorization": f"Bearer {token}"}
    with visitor(behind_proxy, "10.0.0.2") as proxy, visitor(behind_proxy, "10.0.0.9") as other:
        forwarded = {"X-Forwarded-For": "10.9.9.9, 192.0.2.77"}  # the proxy appended the last
        assert proxy.get("/api/cases", headers={**auth, **forwarded}).status_code == 200
        assert other.get("/api/cases", headers={**auth, **forwarded}).status_code == 200
    with behind_proxy.db.pool.connection() as conn:
        rows = conn.execute("select address from audit_log order by id").fetchall()
    assert rows == [("192.0.2.77",), ("10.0.0.9",)]


def test_a_valid_token_works_while_a_guesser_at_the_same_address_is_limited(
    pg_runtime: Runtime, callers: Callers
) -> None:
    with visitor(pg_runtime, GUESSER[0]) as office:
        for n in range(30):
            office.get("/api/cases", headers={"Authorization": f"Bearer ret_guess{n}"})
        assert (
            office.get("/api/cases", headers={"Authorization": "Bearer ret_x"}).status_code == 429
        )
        assert office.get("/api/cases", headers=callers["lsa"].auth).status_code == 200
        assert sign_in(office, callers["lsa"].token).status_code == 303


def test_a_correct_password_is_accepted_from_an_address_that_is_limited(
    pg_runtime: Runtime, olena: str, callers: Callers
) -> None:
    with visitor(pg_runtime, GUESSER[0]) as office:
        for n in range(25):
            office.get("/api/cases", headers={"Authorization": f"Bearer ret_guess{n}"})
        assert sign_in(office, name="someone", password="a wrong guess").status_code == 429
        assert sign_in(office, name=olena, password=PASSWORD).status_code == 303


def test_failures_count_across_two_app_instances_on_one_database(
    pg_settings: Settings, pg_runtime: Runtime, olena: str
) -> None:
    with (
        build(pg_settings) as second_runtime,
        visitor(pg_runtime) as first,
        visitor(second_runtime) as second,
    ):
        for n in range(4):
            assert sign_in(first, name=olena, password=f"guess {n:04}").status_code == 401
        assert sign_in(second, name=olena, password="guess 0005").status_code == 429
        assert sign_in(first, name=olena, password=PASSWORD).status_code == 429
        for n in range(19):
            first.get("/api/cases", headers={"Authorization": f"Bearer ret_guess{n}"})
        assert (
            second.get("/api/cases", headers={"Authorization": "Bearer ret_g"}).status_code == 429
        )


def test_signing_in_to_ones_own_account_does_not_reset_guesses_at_another(
    pg_runtime: Runtime, olena: str
) -> None:
    pg_runtime.users.add("victim", "lsa_official", "lsa-kyivska", ["UA-32"])
    pg_runtime.users.set_password("victim", "victim correct horse")
    with visitor(pg_runtime) as guesser:
        for n in range(4):
            assert sign_in(guesser, name="victim", password=f"guess {n:04}").status_code == 401
        assert sign_in(guesser, name=olena, password=PASSWORD).status_code == 303
        assert sign_in(guesser, name="victim", password="guess 0004").status_code == 429


def test_a_valid_token_does_not_reset_the_addresss_guessed_tokens(
    client: TestClient, callers: Callers
) -> None:
    for n in range(19):
        assert sign_in(client, f"ret_guessed-{n}").status_code == 401
    assert sign_in(client, callers["lsa"].token).status_code == 303
    refused = client.get("/api/cases", headers={"Authorization": "Bearer ret_x"})
    assert refused.status_code == 429  # one count for both doors
    assert int(refused.headers["retry-after"]) > 0
