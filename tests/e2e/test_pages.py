"""The pages through HTTP (TestClient): sign-in, CSRF, scope, forms from field declarations."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from fastapi.testclient import TestClient

from referral_engine.application import demo
from referral_engine.bootstrap import Runtime
from referral_engine.config import Settings
from referral_engine.entrypoints.asgi import create_app
from tests.e2e.conftest import Callers, case_in, open_case, send_referral, take_step, walk
from tests.e2e.pages import csrf_of, post_form, sign_in, step_page
from tests.e2e.test_cli import pg_env
from tests.factories import SUPERVISOR, UKRAINE, engine_on_version, wait_until
from tests.factories import case_in as case_in_engine


def test_pages_need_a_signed_in_user(client: TestClient) -> None:
    response = client.get("/cases?state=screened", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?next=/cases%3Fstate%3Dscreened"


def test_sign_in_with_a_token_sets_a_protected_session_cookie(
    client: TestClient, callers: Callers
) -> None:
    response = sign_in(client, callers["lsa"].token)
    assert response.status_code == 303
    assert response.headers["location"] == "/cases"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie
    queue = client.get("/cases")
    assert queue.status_code == 200
    lsa = "Official of the responsible unit of the local state administration"  # role in words
    assert f"lsa · {lsa} · Kyiv Oblast" in queue.text


def test_the_session_cookie_is_secure_over_https(pg_runtime: Runtime, callers: Callers) -> None:
    app = create_app(pg_runtime)
    with TestClient(app, base_url="https://testserver") as https:
        assert "secure" in sign_in(https, callers["lsa"].token).headers["set-cookie"].lower()


def test_sign_in_with_a_password(client: TestClient, pg_runtime: Runtime) -> None:
    pg_runtime.users.add("olena", "lsa_official", "lsa-kyivska", ["UA-32"])
    pg_runtime.users.set_password("olena", "correct horse battery")
    assert sign_in(client, name="olena", password="wrong horse battery").status_code == 401
    assert sign_in(client, name="nobody", password="correct horse battery").status_code == 401
    response = sign_in(client, name="olena", password="correct horse battery")
    assert response.status_code == 303
    assert client.get("/cases").status_code == 200


def test_a_form_without_its_csrf_token_is_refused(client: TestClient, callers: Callers) -> None:
    case = open_case(client, callers["screener"])
    sign_in(client, callers["lsa"].token)
    forged = {"trigger": "record_consent", "expected_version": "1"}
    response = client.post(f"/cases/{case['id']}/steps", data=forged, follow_redirects=False)
    assert response.status_code == 403
    assert "text/html" in response.headers["content-type"]
    wrong = client.post(
        f"/cases/{case['id']}/steps", data={**forged, "csrf": "guess"}, follow_redirects=False
    )
    assert wrong.status_code == 403
    after = client.get(f"/api/cases/{case['id']}", headers=callers["lsa"].auth).json()
    assert after["version"] == 1


def test_sign_out_ends_the_session(client: TestClient, callers: Callers) -> None:
    sign_in(client, callers["lsa"].token)
    response = post_form(client, "/cases", "/sign-out", {})
    assert response.status_code == 303
    assert client.get("/cases", follow_redirects=False).status_code == 303


def test_a_case_of_another_region_is_not_found(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    case = open_case(client, callers["screener"])
    pg_runtime.projections.catch_up()
    sign_in(client, callers["lsa"].token)
    assert f'href="/cases/{case["id"]}"' in client.get("/cases").text
    sign_in(client, callers["lviv-lsa"].token)
    assert f'href="/cases/{case["id"]}"' not in client.get("/cases").text
    for page in (f"/cases/{case['id']}", f"/cases/{case['id']}/history"):
        response = client.get(page)
        assert response.status_code == 404
        assert "Synthetic" not in response.text and "text/html" in response.headers["content-type"]


def test_analysts_get_no_case_pages_but_dashboards(client: TestClient, callers: Callers) -> None:
    sign_in(client, callers["analyst"].token)
    assert client.get("/cases").status_code == 403
    assert client.get("/", follow_redirects=False).headers["location"] == "/dashboards"
    assert client.get("/dashboards/status_decisions").status_code == 200


def test_step_forms_come_from_field_declarations_and_show_errors_by_the_field(
    client: TestClient, callers: Callers
) -> None:
    case = open_case(client, callers["screener"])
    sign_in(client, callers["lsa"].token)
    page = step_page(client, case["id"], "record_consent")  # its link opens the form alone
    assert 'name="data.given_by"' in page and 'type="checkbox" name="data.scope"' in page
    response = client.post(
        f"/cases/{case['id']}/steps",
        data={
            "csrf": csrf_of(page),
            "trigger": "record_consent",
            "expected_version": "1",
            "data.given_by": "person",
            "data.scope": ["referral", "data_sharing"],
        },
        follow_redirects=False,
    )
    assert response.status_code == 422
    assert 'id="step0-signed_on-error">Enter date signed' in response.text
    assert 'value="referral" checked' in response.text  # what was typed is kept
    response = client.post(
        f"/cases/{case['id']}/steps",
        data={
            "csrf": csrf_of(page),
            "trigger": "record_consent",
            "expected_version": "1",
            "data.given_by": "person",
            "data.scope": ["referral"],
            "data.signed_on": "2026-03-02",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    recorded = client.get(response.headers["location"]).text
    assert "Recorded: Record informed consent to referral and data sharing (Version 2)" in recorded
    assert f'href="/cases/{case["id"]}?step=register_application"' in recorded  # the next step


def test_a_stale_form_shows_who_changed_the_case(client: TestClient, callers: Callers) -> None:
    case_id, version = case_in(client, callers, "application_registered")
    sign_in(client, callers["lsa"].token)
    page = client.get(f"/cases/{case_id}").text
    changed = take_step(client, callers["lsa"], case_id, "waive_interview", version)
    assert changed.status_code == 200
    response = client.post(
        f"/cases/{case_id}/steps",
        data={
            "csrf": csrf_of(page),
            "trigger": "conduct_interview",
            "expected_version": str(version),
            "data.questionnaire_completed": "true",
        },
        follow_redirects=False,
    )
    assert response.status_code == 409
    assert "Someone else changed this case" in response.text
    assert "Record that the interview is waived for the person" in response.text  # in words
    who = "lsa (Official of the responsible unit of the local state administration"
    assert who in response.text
    assert f'href="/cases/{case_id}"' in response.text


def test_personal_fields_a_role_may_not_read_are_not_shown(
    client: TestClient, callers: Callers
) -> None:
    case = open_case(client, callers["screener"], narrative="Synthetic story, not to be shown")
    version = walk(client, callers, case["id"], case["version"], "record_consent",
                   "register_application")  # fmt: skip
    assert send_referral(client, callers["lsa"], case["id"], version).status_code == 201
    sign_in(client, callers["shelter"].token)
    page = client.get(f"/cases/{case['id']}").text
    assert "Synthetic story" not in page
    assert "(not shown to your role)" in page


def test_supervisor_pages(client: TestClient, callers: Callers) -> None:
    case_id, _ = case_in(client, callers, "interviewed")
    sign_in(client, callers["supervisor"].token)
    replay = client.get(f"/cases/{case_id}/history?at=2")
    assert replay.status_code == 200
    assert 'data-state="screened"' in replay.text
    assert "#2 Record informed consent to referral and data sharing" in replay.text
    assert client.get("/deadlines").status_code == 200
    audit = client.get(f"/audit?case={case_id}")
    assert audit.status_code == 200 and "Took step: " in audit.text
    sign_in(client, callers["lsa"].token)
    assert client.get("/audit").status_code == 403


def assert_history_names(
    client: TestClient, case_id: object, event: str, labels: dict[str, str]
) -> None:
    """The history entry of `event` is worded by its label in each language (never by the
    event's name), not as the opening step, which keeps its own title."""
    for lang, opening in (("en", "Screen a possible victim"), ("uk", "Виявити можливу жертву")):
        client.get(f"/lang/{lang}?next=/cases")
        page = client.get(f"/cases/{case_id}/history").text
        entries = re.findall(r"<li[^>]*>(.*?)</li>", page, re.S)
        assert [e for e in entries if f"#1 {opening}" in e]
        (last,) = [e for e in entries if labels[lang] in e]
        assert opening not in last and event not in page


def test_the_history_names_an_erasure_as_such_in_both_languages(
    client: TestClient, callers: Callers
) -> None:
    case_id, _ = case_in(client, callers, "screened")
    reason = {"reason": "Synthetic lawful request ref 1"}
    erased = client.post(f"/api/cases/{case_id}/erase", json=reason, headers=callers["admin"].auth)
    assert erased.status_code == 200, erased.text
    sign_in(client, callers["supervisor"].token)
    labels = {"en": "Personal data erased", "uk": "Персональні дані стерто"}
    assert_history_names(client, case_id, "PersonalDataErased", labels)


def test_the_history_names_a_migration_as_such_in_both_languages(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    engine = pg_runtime.engine
    case_id = case_in_engine(engine_on_version(engine, UKRAINE, 1), "screened")
    report = engine.migrate_cases(UKRAINE, 1, 2, actor=SUPERVISOR)
    assert case_id in report.moved
    sign_in(client, callers["supervisor"].token)
    labels = {
        "en": "Moved to another version of the workflow",
        "uk": "Переведено на іншу версію процесу",
    }
    assert_history_names(client, case_id, "WorkflowMigrated", labels)


def test_dashboard_csv_projections_and_workflows(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    open_case(client, callers["screener"])  # the read models lag one event behind
    sign_in(client, callers["analyst"].token)
    csv = client.get("/dashboards/status_decisions/csv?start=2026-01")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert csv.text.startswith("region,month,applications")
    assert client.get("/dashboards/status_decisions?start=March").status_code == 422
    assert "Rebuild case_queue" in client.get("/projections").text
    rebuilt = post_form(client, "/projections", "/projections/case_queue/rebuild", {})
    assert rebuilt.status_code == 303
    wait_for_rebuild(pg_runtime, "case_queue")
    page = client.get("/workflows/ukraine-nrm/1").text
    assert 'src="/workflows/ukraine-nrm/1/diagram.svg"' in page
    svg = client.get("/workflows/ukraine-nrm/1/diagram.svg")
    assert svg.headers["content-type"] == "image/svg+xml" and svg.text.startswith("<svg")


def test_the_interface_speaks_ukrainian_on_request(client: TestClient, callers: Callers) -> None:
    sign_in(client, callers["lsa"].token)
    assert "Case queue" in client.get("/cases").text
    client.get("/lang/uk?next=/cases")
    page = client.get("/cases").text
    assert 'lang="uk"' in page and "Черга справ" in page


def wait_for_rebuild(runtime: Runtime, name: str) -> None:
    """Until the read model is rebuilt and caught up (its thread outlives the request); without
    a live worker, only the rebuild can catch it up."""

    def done() -> bool:
        status = next(s for s in runtime.projections.status() if s.name == name)
        return not status.rebuilding and status.lag_events == 0

    wait_until(done, what=f"the rebuild of {name}")


@pytest.mark.usefixtures("synthetic_agencies")  # the users' agency is a registered one
def test_users_add_with_a_password_from_the_command_line(
    client: TestClient, pg_settings: Settings
) -> None:
    def add(name: str, password: str) -> subprocess.CompletedProcess[str]:
        who = ["--role", "lsa_official", "--agency", "lsa-kyivska", "--region", "UA-32"]
        return subprocess.run(
            [sys.executable, "-m", "referral_engine", "users", "add", name, "--password", *who],
            input=password + "\n",
            capture_output=True,
            text=True,
            env={**os.environ, **pg_env(pg_settings)},
            timeout=120,
        )

    short = add("mykola", "short")
    assert short.returncode == 1 and "at least 10 characters" in short.stderr
    done = add("oksana", "a long synthetic password")
    assert done.returncode == 0, done.stderr
    assert "a long synthetic password" not in done.stdout
    assert sign_in(client, name="mykola", password="short").status_code == 401
    assert sign_in(client, name="oksana", password="a long synthetic password").status_code == 303


def test_demo_users_get_passwords_for_the_pages(client: TestClient, pg_runtime: Runtime) -> None:
    issued = {name: password for name, _, _, password in demo.demo_users(pg_runtime.users)}
    assert sign_in(client, name="demo-analyst", password=issued["demo-analyst"]).status_code == 303
    assert client.get("/dashboards").status_code == 200


def test_referrals_are_sent_and_answered_through_their_forms(
    client: TestClient, callers: Callers
) -> None:
    case_id, version = case_in(client, callers, "application_registered")
    sign_in(client, callers["lsa"].token)
    assert '<option value="shelter/shelter-kyiv">' in step_page(client, case_id, "send_referral")
    sent = post_form(
        client,
        f"/cases/{case_id}",
        f"/cases/{case_id}/steps",
        {
            "trigger": "send_referral",
            "expected_version": str(version),
            "data.agency": "shelter/shelter-kyiv",  # the picker names the service and the agency
            "data.urgent": "true",
        },
    )
    assert sent.status_code == 303, sent.text
    sign_in(client, callers["shelter"].token)
    page = client.get(f"/cases/{case_id}").text
    assert f'href="/cases/{case_id}?step=accept&amp;referral=r1"' in page
    assert "step=send_referral" not in page
    accepted = post_form(
        client,
        f"/cases/{case_id}",
        f"/cases/{case_id}/steps",
        {"trigger": "accept", "referral_id": "r1", "expected_version": str(version + 1)},
    )
    assert accepted.status_code == 303, accepted.text
    sign_in(client, callers["clinic"].token)  # not the receiving agency: no form for it
    assert "step=accept" not in client.get(f"/cases/{case_id}").text
    history = client.get(f"/api/cases/{case_id}/history", headers=callers["lsa"].auth).json()
    assert [h["event"] for h in history[-2:]] == ["ReferralSent", "ReferralAccepted"]


def test_the_workflow_page_shows_the_mermaid_source_of_both_machines(
    client: TestClient, callers: Callers
) -> None:
    sign_in(client, callers["lsa"].token)
    page = client.get("/workflows/ukraine-nrm/2").text
    sources = re.findall(r'<details><summary>([^<]*)</summary><pre class="mermaid-source">', page)
    assert sources == [
        "The picture as Mermaid text: case states",
        "The picture as Mermaid text: referral sub-workflow",
    ]
    assert "closed --&gt; previous: reopen_case" in page
    assert "[*] --&gt; sent: send_referral" in page
