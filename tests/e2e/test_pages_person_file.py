"""The case page as a caseworker's tool (#19, items 1-3): the person's file under a header
naming them, the steps as a short list of actions opening one form at a time, a step that only
repeats what is recorded offered as a change, one that ends something set apart and confirmed,
errors summarised at the top with links to the fields they name, and no code on the page."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from referral_engine.bootstrap import Runtime
from referral_engine.entrypoints.web.i18n import LANG_COOKIE
from tests.e2e.conftest import Callers, case_in, open_case, send_referral, walk, workflow
from tests.e2e.pages import post_step, sign_in, step_page
from tests.factories import FixedClock

NAME = "Oksana Syntheticenko"


def visible(html: str) -> str:
    """The page's text as a reader sees it: no tags, no attributes, no script."""
    return re.sub(r"<[^>]+>", " ", html.split("<main", 1)[1])


def codes() -> set[str]:
    """The workflow's internal names that are unmistakably codes: triggers, events, states,
    roles and enum values with an underscore, and CamelCase event names."""
    w = workflow()
    assert w.referrals is not None
    names = {t.trigger for t in w.all_transitions()} | w.event_names() | set(w.states)
    names |= set(w.roles) | set(w.referrals.states)
    names |= {v for t in w.all_transitions() for f in t.fields for v in f.values}
    return {n for n in names if "_" in n or re.fullmatch(r"[A-Z][a-z]+[A-Z]\w*", n)}


def assert_no_codes(html: str) -> None:
    text = visible(html)
    found = sorted(c for c in codes() if re.search(rf"\b{re.escape(c)}\b", text))
    assert not found, found
    assert not re.search(r"\br\d+\b", text)  # a referral's id


def test_the_header_names_the_person_the_status_region_worker_application_and_deadline(
    client: TestClient, callers: Callers, clock: FixedClock
) -> None:
    case = open_case(client, callers["screener"], person_name=NAME)
    walk(client, callers, case["id"], case["version"], "record_consent", "register_application")
    clock.advance(days=3)  # Thursday: the interview's three working days end today
    sign_in(client, callers["lsa"].token)
    page = client.get(f"/cases/{case['id']}").text
    head = page.split('<div class="case-head">', 1)[1].split("</dl>", 1)[0]
    assert f"<h1>{NAME}</h1>" in head
    assert NAME not in page.split("</title>", 1)[0]  # titles stay in the browser's history
    assert f'<p class="caption">Case {case["id"][:8]}</p>' in head
    status = re.search(r'<strong class="status status-(\w+)"[^>]*>([^<]+)<', head)
    assert status is not None
    assert status.groups() == ("progress", "Application for status registered")
    assert "<dd>Kyiv Oblast</dd>" in head and "<dd>Nobody yet</dd>" in head
    assert "3 days ago (2026-03-02)" in head
    assert "Interview the applicant" in head and "2026-03-05 · due today" in head

    client.cookies.set(LANG_COOKIE, "uk")
    head = client.get(f"/cases/{case['id']}").text
    assert "Заяву про встановлення статусу зареєстровано" in head and "Київська область" in head
    assert "3 дні тому (2026-03-02)" in head and "Ще нікого" in head and "Справа " in head


def test_without_a_readable_name_the_header_is_the_case_reference(
    client: TestClient, callers: Callers
) -> None:
    case_id, _ = case_in(client, callers, "screened")
    erased = client.post(
        f"/api/cases/{case_id}/erase",
        json={"reason": "Synthetic lawful request ref 19"},
        headers=callers["admin"].auth,
    )
    assert erased.status_code == 200, erased.text
    sign_in(client, callers["lsa"].token)
    page = client.get(f"/cases/{case_id}").text
    assert f"<h1>Case {case_id[:8]}</h1>" in page
    assert "<title>Case " in page


def test_the_steps_are_a_short_list_of_links_each_opening_its_form_alone(
    client: TestClient, callers: Callers
) -> None:
    case_id, version = case_in(client, callers, "screened", consent=False)
    sign_in(client, callers["lsa"].token)
    page = client.get(f"/cases/{case_id}").text
    assert "/steps" not in page.split('id="steps"', 1)[1].split("</section>", 1)[0]  # no form
    assert 'name="data.' not in page
    assert f'href="/cases/{case_id}?step=record_consent"' in page

    closed = client.get(f"/cases/{case_id}", params={"step": "grant_status"})  # not open now
    assert closed.status_code == 200 and "That step cannot be taken on this case now" in closed.text
    assert 'name="trigger"' not in closed.text

    form = step_page(client, case_id, "record_consent")
    assert form.count(f'action="/cases/{case_id}/steps"') == 1
    assert "<h1>Record informed consent to referral and data sharing</h1>" in form
    assert 'name="data.given_by"' in form and 'name="data.application_number"' not in form
    assert f'<a href="/cases/{case_id}">← Back to the case</a>' in form

    sent = post_step(
        client,
        case_id,
        "record_consent",
        {"given_by": "person", "scope": ["referral"], "signed_on": "2026-03-02"},
    )
    assert sent.status_code == 303, sent.text[:500]
    after = client.get(sent.headers["location"]).text
    recorded = re.search(r'<p class="notice" role="status">([^<]*)</p>', after)
    assert recorded is not None
    assert recorded.group(1) == (
        f"Recorded: Record informed consent to referral and data sharing (Version {version + 1})"
    )


def test_a_step_that_only_repeats_what_is_recorded_is_offered_as_a_change(
    client: TestClient, callers: Callers
) -> None:
    case_id, _ = case_in(client, callers, "screened", consent=False)
    sign_in(client, callers["lsa"].token)
    consent = f'href="/cases/{case_id}?step=record_consent"'

    def group_of(page: str) -> str:
        steps = page.split('id="steps"', 1)[1].split("</section>", 1)[0]
        if consent not in steps:
            return "none"
        before = steps.split(consent, 1)[0]
        return "change" if "Change what is recorded" in before else "next"

    assert group_of(client.get(f"/cases/{case_id}").text) == "next"
    post_step(client, case_id, "record_consent",
              {"given_by": "person", "scope": ["referral"], "signed_on": "2026-03-02"})  # fmt: skip
    page = client.get(f"/cases/{case_id}").text
    assert group_of(page) == "change"
    assert ">Change: Record informed consent to referral and data sharing</a>" in page
    assert f'href="/cases/{case_id}?step=register_application"' in page  # the next step


def test_a_step_that_ends_something_is_set_apart_and_recorded_only_when_confirmed(
    client: TestClient, callers: Callers
) -> None:
    case_id, version = case_in(client, callers, "application_registered")
    assert send_referral(client, callers["lsa"], case_id, version).status_code == 201
    sign_in(client, callers["lsa"].token)
    page = client.get(f"/cases/{case_id}").text
    other = page.split('<div class="other-actions">', 1)[1].split("</div>", 1)[0]
    revoke = f'<a class="button warning" href="/cases/{case_id}?step=revoke&amp;referral=r1">'
    assert revoke + "Revoke the referral</a>" in other
    assert "Shelter · " in other  # the referral by its service and agency, never its id
    assert "Revoke the referral" not in page.split('<div class="other-actions">', 1)[0]

    form = step_page(client, case_id, "revoke", "r1")
    assert 'class="step careful"' in form and '<button type="submit" class="warning">' in form
    assert '<input type="checkbox" id="confirm" name="confirm" value="yes"' in form
    unconfirmed = post_step(client, case_id, "revoke", {"revocation_reason": "Synthetic reason"},
                            referral="r1", confirm=False)  # fmt: skip
    assert unconfirmed.status_code == 422
    assert '<a href="#confirm">Tick the box to confirm: Revoke the referral</a>' in unconfirmed.text
    assert 'value="Synthetic reason"' not in unconfirmed.text  # a textarea keeps it as its text
    assert ">Synthetic reason</textarea>" in unconfirmed.text
    api = client.get(f"/api/cases/{case_id}", headers=callers["lsa"].auth).json()
    assert api["version"] == version + 1 and api["referrals"][0]["state"] == "sent"

    confirmed = post_step(client, case_id, "revoke", {"revocation_reason": "Synthetic reason"},
                          referral="r1")  # fmt: skip
    assert confirmed.status_code == 303, confirmed.text[:500]
    api = client.get(f"/api/cases/{case_id}", headers=callers["lsa"].auth).json()
    assert api["referrals"][0]["state"] == "revoked"
    kinds = {s["trigger"]: s["kind"] for s in api["allowed_steps"]}
    assert kinds["withdraw_consent"] == "end" and kinds["record_consent"] == "change"


def test_a_refused_form_comes_back_alone_under_a_summary_linking_to_each_named_field(
    client: TestClient, callers: Callers
) -> None:
    case_id, _ = case_in(client, callers, "screened", consent=False)
    sign_in(client, callers["lsa"].token)
    response = post_step(client, case_id, "record_consent", {"given_by": "someone"})
    assert response.status_code == 422
    html = response.text
    summary = html.split('<div class="error-summary"', 1)[1].split("</div>", 1)[0]
    assert 'role="alert" tabindex="-1" id="error-summary" autofocus' in summary
    assert html.index("error-summary") < html.index("<h1>")  # at the top
    links = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary)
    assert links == [
        ("step0-given_by", "Consent given by must be one of: person, legal representative"),
        ("step0-scope", "Select consent covers"),
        ("step0-signed_on", "Enter date signed"),
    ]
    for field_id, said in links:
        assert f'id="{field_id}"' in html  # the link's target
        assert f'id="{field_id}-error">{said}</p>' in html  # and the same words beside it
    assert html.count('action="/cases/') == 1  # the same single form

    client.cookies.set(LANG_COOKIE, "uk")
    html = post_step(client, case_id, "record_consent", {"given_by": "person"}).text
    assert '<a href="#step0-signed_on">Заповніть поле «Дата підписання»</a>' in html
    assert "Виникла проблема" in html


def test_no_code_on_the_case_page_a_step_page_and_the_history(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    case_id, version = case_in(client, callers, "application_registered")
    send_referral(client, callers["lsa"], case_id, version)
    pg_runtime.projections.catch_up()
    for who in ("lsa", "supervisor"):
        sign_in(client, callers[who].token)
        for lang in ("en", "uk"):
            client.cookies.set(LANG_COOKIE, lang)
            assert_no_codes(client.get(f"/cases/{case_id}").text)
            assert_no_codes(step_page(client, case_id, "revoke", "r1"))
            assert_no_codes(client.get(f"/cases/{case_id}/history").text)
            queue = client.get("/cases").text
            assert "Refer the person to an agency" in queue or "Перенаправити особу" in queue
    history = client.get(f"/cases/{case_id}/history").text
    assert re.search(r">#2 Зафіксувати поінформовану згоду", history)
    assert "Керівник" in client.get(f"/cases/{case_id}").text  # the supervisor's role, in words
