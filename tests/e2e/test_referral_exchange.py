"""Issue #17's exchange end to end, as its users live it: an LSA official refers a person to a
registered shelter; the shelter's user finds the referral in the inbox page and accepts it
there; the official who sent it is told in the app and by e-mail (received by a real local SMTP
server), and the e-mail carries a case reference and a link, never the person's data."""

from __future__ import annotations

from fastapi.testclient import TestClient

from referral_engine.bootstrap import Runtime
from referral_engine.entrypoints.asgi import create_app
from tests.e2e.pages import csrf_of, sign_in
from tests.factories import LSA, SHELTER, case_in, send_referral
from tests.integration.test_notifications import BORN, NAME, Inbox, inbox, runtime

__all__ = ["inbox", "runtime"]  # the fixtures: a runtime e-mailing the local SMTP server


def test_a_referral_answered_from_the_inbox_tells_its_sender_in_the_app_and_by_e_mail(
    runtime: Runtime, inbox: Inbox
) -> None:
    engine = runtime.engine
    case_id = case_in(engine, "awaiting_verification", person_name=NAME, date_of_birth=BORN)
    send_referral(engine, case_id, agency=SHELTER.agency)
    runtime.projections.catch_up()
    with TestClient(create_app(runtime), raise_server_exceptions=False) as client:
        sign_in(client, runtime.users.issue_token(SHELTER.user_id))
        assert f"/inbox/cases/{case_id}/referrals/r1" in client.get("/inbox").text
        item = client.get(f"/inbox/cases/{case_id}/referrals/r1").text
        assert NAME not in item and BORN not in item
        version = engine.case(case_id).version
        answer = {"csrf": csrf_of(item), "trigger": "accept", "referral_id": "r1"}
        answer["expected_version"] = str(version)
        done = client.post(f"/inbox/cases/{case_id}/steps", data=answer, follow_redirects=False)
        assert done.status_code == 303, done.text
        assert [r.state for r in engine.case(case_id).referrals] == ["accepted"]

        runtime.notifier.events.catch_up()
        mailer = runtime.notifier.mailer
        assert mailer is not None
        mailer.deliver()
        token = runtime.users.issue_token(LSA.user_id)
        told = client.get("/api/notifications", headers={"Authorization": f"Bearer {token}"})
    kinds = [(n["kind"], n["case_id"]) for n in told.json()["items"]]
    assert ("referral_answered", str(case_id)) in kinds, kinds
    to_lsa = [m for m in inbox.messages if m["To"] == "petro@lsa.example.org"]
    assert len(to_lsa) == 1
    (mail,) = to_lsa
    text = str(mail) + str(mail.get_payload(decode=True), "utf-8")
    assert NAME not in text and "Testenko" not in text and BORN not in text
    assert f"https://nrm.example.org/cases/{case_id}" in text
