"""The inbox over HTTP: `GET /api/inbox` and the `/inbox` pages show a referral to its receiving
agency only, which answers it from there (errors beside the form, back to the inbox once done);
the reads are audited and roles with no inbox are refused."""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from referral_engine.bootstrap import Runtime
from tests.e2e.conftest import (
    KYIV,
    WORKFLOW,
    Callers,
    assert_problem,
    case_in,
    referral_step,
    send_referral,
)
from tests.e2e.pages import csrf_of, sign_in
from tests.e2e.test_pages_ukrainian import (
    english_interface,
    english_workflow,
    left_in_english,
    seen,
)

EN_CONFLICT = (
    "Someone else changed this case.",
    "Your answer was not recorded",
    "Accept the referral",
)
UK_CONFLICT = (
    "Хтось інший змінив цю справу.",
    "Вашу відповідь не записано",
    "Прийняти перенаправлення",
)


@pytest.fixture
def referred(client: TestClient, callers: Callers, pg_runtime: Runtime) -> str:
    """A Kyiv case with referral r1 sent to shelter-kyiv, read models caught up."""
    case_id, version = case_in(client, callers, "application_registered")
    assert send_referral(client, callers["lsa"], case_id, version).status_code == 201
    pg_runtime.projections.catch_up()
    return case_id


def inbox_of(client: TestClient, caller: Any) -> dict[str, Any]:
    response = client.get("/api/inbox", headers=caller.auth)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def test_only_the_receiving_agency_sees_a_referral_in_its_inbox(
    client: TestClient, callers: Callers, referred: str, pg_runtime: Runtime
) -> None:
    found = inbox_of(client, callers["shelter"])
    assert found["agency"] == "shelter-kyiv" and found["in_progress"] == []
    [item] = found["waiting"]
    assert (item["kind"], item["case_id"], item["referral_id"]) == ("referral", referred, "r1")
    assert (item["reference"], item["service"], item["region"]) == (
        referred[:8],
        "shelter",
        "UA-32",
    )
    assert item["href"] == f"/api/cases/{referred}/referrals/r1/steps"
    assert item["due_on"] == "2026-03-05" and not item["overdue"]
    for other in ("clinic", "police", "lsa"):
        assert inbox_of(client, callers[other])["waiting"] == [], other
    assert_problem(client.get("/api/inbox", headers=callers["analyst"].auth), 403, "forbidden")
    reads = pg_runtime.audit.query(user_name="shelter")
    assert [e.action for e in reads] == ["inbox.list"]


def test_the_receiving_agency_answers_a_referral_from_its_inbox_page(
    client: TestClient, callers: Callers, referred: str, pg_runtime: Runtime
) -> None:
    sign_in(client, callers["clinic"].token)
    assert referred[:8] not in client.get("/inbox").text
    item = f"/inbox/cases/{referred}/referrals/r1"
    assert client.get(item).status_code == 404  # the case is not the clinic's to see
    sign_in(client, callers["shelter"].token)
    assert item in client.get("/inbox").text
    html = client.get(item).text
    assert 'action="/inbox/cases/' in html and 'value="reject"' in html

    version = re.search(r'name="expected_version" value="(\d+)"', html)
    assert version is not None
    form = {"csrf": csrf_of(html), "trigger": "reject", "referral_id": "r1"}
    form["expected_version"] = version.group(1)
    reason = {"data.rejection_reason": "no_capacity"}
    unconfirmed = client.post(f"/inbox/cases/{referred}/steps", data={**form, **reason})
    assert unconfirmed.status_code == 422  # a refusal ends the referral: asked to confirm
    assert "Tick the box to confirm: Reject the referral" in unconfirmed.text
    assert 'class="other-actions"' in html and 'id="confirm-reject"' in html
    assert [r.state for r in pg_runtime.engine.case(UUID(referred)).referrals] == ["sent"]
    refused = client.post(f"/inbox/cases/{referred}/steps", data={**form, "confirm": "yes"})
    assert refused.status_code == 422 and "Not recorded" in refused.text  # no reason given
    accepted = client.post(
        f"/inbox/cases/{referred}/steps",
        data={**form, "trigger": "accept"},
        follow_redirects=False,
    )
    assert accepted.headers["location"] == f"/inbox?answered={referred}", accepted.text
    pg_runtime.projections.catch_up()
    page = client.get(accepted.headers["location"]).text
    assert f"Your answer is recorded (case {referred[:8]})" in page
    assert "Record assistance" in page and "Nothing is waiting for your answer." in page


def test_a_police_unit_answers_the_verification_request_addressed_to_it(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    case_id, _ = case_in(client, callers, "awaiting_verification")  # asked of police-kyivska
    pg_runtime.projections.catch_up()
    [item] = inbox_of(client, callers["police"])["waiting"]
    assert (item["kind"], item["step"], item["deadline"]) == (
        "request",
        "request_verification",
        "police_verification",
    )
    assert item["href"] == f"/api/cases/{case_id}/steps"
    assert inbox_of(client, callers["shelter"])["waiting"] == []

    sign_in(client, callers["police"].token)
    assert f"/inbox/cases/{case_id}" in client.get("/inbox").text
    html = client.get(f"/inbox/cases/{case_id}").text
    assert 'value="record_verification"' in html and "Police verification answer" in html
    version = re.search(r'name="expected_version" value="(\d+)"', html)
    assert version is not None
    answer = {
        "csrf": csrf_of(html),
        "trigger": "record_verification",
        "expected_version": version.group(1),
        "data.verification_outcome": "confirmed",
        "data.police_reference": "SYN-0001",
    }
    done = client.post(f"/inbox/cases/{case_id}/steps", data=answer, follow_redirects=False)
    assert done.headers["location"] == f"/inbox?answered={case_id}", done.text
    pg_runtime.projections.catch_up()
    assert inbox_of(client, callers["police"])["waiting"] == []


def test_two_users_of_one_agency_answering_at_once_the_second_is_told_in_words(
    client: TestClient, callers: Callers, referred: str, pg_runtime: Runtime
) -> None:
    """Both open the referral; the first accepts it; the second's rejection, decided on the
    version they saw, is not recorded: they read what happened meanwhile, in words and in their
    language, and the item as it is now (no version numbers, no codes)."""
    colleague = callers.add(pg_runtime, "shelter2", "service_provider", "shelter-kyiv", [KYIV])
    item = f"/inbox/cases/{referred}/referrals/r1"
    sign_in(client, callers["shelter"].token)
    client.get("/lang/uk?next=/")
    html = client.get(item).text
    version = re.search(r'name="expected_version" value="(\d+)"', html)
    assert version is not None
    stale = {"csrf": csrf_of(html), "referral_id": "r1", "expected_version": version.group(1)}
    taken = referral_step(client, colleague, referred, "r1", "accept", int(version.group(1)))
    assert taken.status_code == 200, taken.text

    for lang, words in (("uk", UK_CONFLICT), ("en", EN_CONFLICT)):
        client.get(f"/lang/{lang}?next=/")
        refused = client.post(
            f"/inbox/cases/{referred}/steps",
            data={
                **stale,
                "trigger": "reject",
                "data.rejection_reason": "no_capacity",
                "confirm": "yes",
            },
        )
        assert refused.status_code == 409
        text = seen(refused.text)
        assert all(w in text for w in words), (words, text)
        assert "shelter2" in text and "version" not in text and "верс" not in text
        assert 'value="deliver_assistance"' in refused.text  # what is left to do now
        if lang == "uk":
            known = english_interface() | english_workflow(
                pg_runtime.engine.workflows.get(WORKFLOW)
            )
            assert left_in_english(refused.text, known) == []
    assert [e.state for e in pg_runtime.engine.case(UUID(referred)).referrals] == ["accepted"]


def test_each_items_link_says_which_item_it_answers_to_a_screen_reader(
    client: TestClient, callers: Callers, referred: str, pg_runtime: Runtime
) -> None:
    """Two referrals of one case sent to one agency are two rows, each with its own link: heard
    out of the table, 'Answer, case 1a2b3c4d' twice would not say which is which."""
    for service in ("medical", "psychological"):  # the clinic offers both
        version = pg_runtime.engine.case(UUID(referred)).version
        sent = send_referral(client, callers["lsa"], referred, version, "clinic-kyiv", service)
        assert sent.status_code == 201, sent.text
    pg_runtime.projections.catch_up()
    sign_in(client, callers["clinic"].token)
    for lang in ("en", "uk"):
        client.get(f"/lang/{lang}?next=/")
        links = re.findall(
            r'<a class="button" href="/inbox/cases/[^"]+">(.*?)</a>', client.get("/inbox").text
        )
        names = [" ".join(re.sub(r"<[^>]+>", " ", link).split()) for link in links]
        assert len(names) == 2 and len(set(names)) == 2, names
        assert all(referred[:8] in name for name in names), names
