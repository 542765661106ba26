"""An erasure made by another process (another API server, the command line) is seen at once:
no read of this server shows an erased value afterwards, though it still held the case's key
in its cache when the erasure committed."""

from __future__ import annotations

from uuid import UUID

import psycopg
from fastapi.testclient import TestClient
from psycopg import sql

from referral_engine.bootstrap import Runtime, build
from tests.e2e.conftest import Callers
from tests.e2e.pages import sign_in
from tests.e2e.test_personal_data import NAME, OPERATOR, personal_case

NOTE = "Synthetic referral note Wqxzv"


def every_read(client: TestClient, callers: Callers, case_id: str) -> dict[str, str]:
    """What this server answers on each read of the case: API (now, past views, history) and
    pages (case page, history replayed at its first event)."""
    auth = callers["lsa"].auth
    reads = {
        "case": client.get(f"/api/cases/{case_id}", headers=auth),
        "first version": client.get(f"/api/cases/{case_id}", params={"version": 1}, headers=auth),
        "as of": client.get(
            f"/api/cases/{case_id}", params={"as_of": "2026-03-02T09:00:00+00:00"}, headers=auth
        ),
        "history": client.get(f"/api/cases/{case_id}/history", headers=callers["supervisor"].auth),
    }
    sign_in(client, callers["lsa"].token)
    reads["page"] = client.get(f"/cases/{case_id}")
    reads["history page"] = client.get(f"/cases/{case_id}/history", params={"at": 1})
    for what, response in reads.items():
        assert response.status_code == 200, (what, response.text)
    return {what: response.text for what, response in reads.items()}


def test_an_erasure_by_another_process_shows_in_every_read_at_once(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    case_id, version = personal_case(client, callers)
    body = {"agency": "shelter-kyiv", "service": "shelter", "expected_version": version}
    referred = client.post(
        f"/api/cases/{case_id}/referrals",
        json={**body, "data": {"referral_notes": NOTE}},
        headers=callers["lsa"].auth,
    )
    assert referred.status_code == 201, referred.text
    before = every_read(client, callers, case_id)  # this server now holds the case's key
    assert NAME in before["first version"] and NAME in before["page"]
    assert NOTE in before["case"]

    with build(pg_runtime.settings) as other:  # another process: its own pool and key cache
        other.engine.erase_personal_data(UUID(case_id), "Art. 17 request 7", actor=OPERATOR)

    after = every_read(client, callers, case_id)  # at once: no waiting for a cache to expire
    leaking = [what for what, text in after.items() if NAME in text or NOTE in text]
    assert leaking == []


def test_the_erasure_event_and_the_key_destruction_commit_together(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    """A crash between the two can leave neither a recorded erasure with a live key nor a
    destroyed key without its event: the event's own transaction destroys the key."""
    case_id, _ = personal_case(client, callers)
    keys = sql.Identifier(pg_runtime.settings.database_schema, "case_keys")
    events = sql.Identifier(pg_runtime.settings.database_schema, "cases_events")
    with psycopg.connect(pg_runtime.database_url, autocommit=True) as conn:
        # the event's insert fails at commit time unless the key is gone in its transaction
        conn.execute(
            sql.SQL(
                "create function {}() returns trigger language plpgsql as $$ begin "
                "if exists (select 1 from {} where case_id = new.originator_id "
                "and wrapped is not null) then raise exception 'key still live'; end if; "
                "return null; end $$"
            ).format(sql.Identifier(pg_runtime.settings.database_schema, "key_gone"), keys)
        )
        conn.execute(
            sql.SQL(
                "create constraint trigger erasure_destroys_key after insert on {} "
                "deferrable initially deferred for each row "
                "when (new.topic like {}) execute function {}()"
            ).format(
                events,
                sql.Literal("%PersonalDataErased"),
                sql.Identifier(pg_runtime.settings.database_schema, "key_gone"),
            )
        )
    response = client.post(
        f"/api/cases/{case_id}/erase", json={"reason": "Art. 17"}, headers=callers["admin"].auth
    )
    assert response.status_code == 200, response.text
