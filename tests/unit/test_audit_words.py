"""The audit log in words: every action the code records has its words in both languages, a
step is named by its workflow's label, a role by its label, an outcome and the detail in words,
and no line says a code; the page's cursor and case reference as the log reads them."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest

from referral_engine.adapters.audit import AuditEntry
from referral_engine.adapters.audit_query import Cursor, case_prefix
from referral_engine.entrypoints.cli.console import action
from referral_engine.entrypoints.cli.main import app as cli
from referral_engine.entrypoints.http import duplicates, search
from referral_engine.entrypoints.web.audit_words import (
    CLI,
    HTTP,
    Wording,
    action_key,
    choices,
    outcome_key,
)
from referral_engine.entrypoints.web.i18n import catalogue, translator
from referral_engine.entrypoints.web.workflow_text import text_of
from tests.factories import ukraine

SRC = Path(__file__).parents[2] / "src" / "referral_engine"
RECORDED = re.compile(r'(?:audited|begin)\((?:[a-z]+, )?"([a-z_.-]+)"\)')
CASE = UUID("3f2a9c1b-0000-4000-8000-000000000001")


def recorded_actions() -> set[str]:
    """Every action the API and the pages mark a request with, read from the code."""
    found = {m for f in SRC.rglob("*.py") for m in RECORDED.findall(f.read_text())}
    found |= {search.ACTION, duplicates.LINK, duplicates.DISMISS, duplicates.UNLINK}
    return found | {duplicates.ALERTS}


def command_lines() -> set[str]:
    """The audit action of every command of the command line."""
    found = {action([c.name or ""]) for c in cli.registered_commands}
    for group in cli.registered_groups:
        sub = group.typer_instance
        found |= {action([group.name or "", c.name or ""]) for c in sub.registered_commands}
        found |= {action([group.name or "", g.name or ""]) for g in sub.registered_groups}
    return found


def test_every_action_the_code_records_is_worded_in_both_languages() -> None:
    actions = recorded_actions()

    assert len(actions) > 30 and "case.read" in actions  # the scan finds them
    assert actions - set(HTTP) == set()
    for code in actions | command_lines():
        key = action_key(code)
        assert key not in ("audit.do.other", "audit.do.cli"), code
        english, ukrainian = catalogue("en")[key], catalogue("uk")[key]
        assert english and ukrainian and english != ukrainian, code


def test_every_key_the_words_may_use_is_in_the_catalogue() -> None:
    keys = {action_key(a) for a in (*HTTP, *CLI)} | {
        f"audit.do.{a}_named" for a in ("case.step", "referral.step")
    }
    statuses = (0, 1, 200, 303, 400, 401, 403, 404, 409, 413, 418, 422, 429, 500, 503)
    keys |= {outcome_key(s, cli) for s in statuses for cli in (False, True)}
    assert keys - set(catalogue("en")) == set()
    assert keys - set(catalogue("uk")) == set()


def entry(action: str, detail: dict[str, Any] | None = None, **more: Any) -> AuditEntry:
    values: dict[str, Any] = {
        "id": 1, "at": datetime(2026, 3, 2, 9, 15, tzinfo=UTC), "user_name": "lsa",
        "role": "lsa_official", "agency": "lsa-kyivska", "action": action, "method": "POST",
        "path": f"/api/cases/{CASE}/steps", "status": 200, "case_id": CASE, "region": "UA-32",
        "address": "10.0.0.1", "detail": detail or {}, "channel": "http", "os_user": None,
    }  # fmt: skip
    return AuditEntry(**(values | more))


def wording(lang: str) -> Wording:
    regions = {"UA-32": "Kyiv Oblast", "UA-46": "Lviv Oblast"}
    return Wording(translator(lang), [ukraine()], lambda r: regions.get(r or "", ""), str.upper)


@pytest.mark.parametrize("lang", ["en", "uk"])
def test_a_step_is_named_by_its_label_in_the_case_workflow(lang: str) -> None:
    words, workflow = wording(lang), ukraine()
    label = text_of(workflow, lang)
    step = entry("case.step", {"trigger": "record_consent"})
    referral = entry("referral.step", {"trigger": "accept", "referral_id": "r1"})

    said = words.line(step, workflow, True).action
    unknown = words.line(entry("case.step", {"trigger": "no_such_step"}), workflow, True)

    prefix = {"en": "Took step: ", "uk": "Крок: "}[lang]
    assert said == prefix + label.step("record_consent")
    assert words.line(step, None, False).action == said  # the read model not caught up yet
    assert label.referral_step("accept") in words.line(referral, workflow, True).action
    assert unknown.action == {"en": "Took a step", "uk": "Крок у справі"}[lang]


def test_roles_read_as_their_labels() -> None:
    words = wording("en")

    assert words.role("supervisor") == "Supervisor"
    assert words.role("admin") == "Administrator"
    # the newest version's title (ukraine-nrm 6: the working group that decides)
    decides = "Working group of the National Social Service of Ukraine that decides on the status"
    assert words.role("decision_maker") == decides
    assert words.role("wizard") == "Another role"
    assert wording("uk").role("supervisor") == "Керівник"


@pytest.mark.parametrize(
    ("status", "cli", "said"),
    [
        (200, False, "Done"),
        (201, False, "Done"),
        (404, False, "Refused: not found"),
        (422, False, "Refused: not valid"),
        (418, False, "Refused"),
        (500, False, "Failed"),
        (0, True, "Done"),
        (1, True, "Refused or failed"),
    ],
)
def test_outcomes_read_in_words(status: int, cli: bool, said: str) -> None:
    assert translator("en")(outcome_key(status, cli)) == said


def test_the_detail_says_what_was_shown_and_asked_in_words() -> None:
    words, workflow = wording("en"), ukraine()
    label = text_of(workflow, "en").data_title("person_name")
    read = entry("case.read", {"personal_fields": ["person_name", "unheard_of"]})
    moved = entry("case.transfer", {"to_region": "UA-46", "reason": "person_moved"})
    filters = {"from": "2026-03-01", "action": "case.read", "region": "UA-46"}
    export = entry("audit.export", {"filters": filters})

    assert words.line(read, workflow, True).details == [
        f"Personal data shown: {label}, a personal field"
    ]
    assert words.line(moved, workflow, True).details[0] == "To: Lviv Oblast"
    assert words.line(export, None, False).details == [
        "Filters: From (date) 2026-03-01; Action: Read the case; Region: Lviv Oblast"
    ]


def test_no_line_says_a_code() -> None:
    workflow = ukraine()
    details: dict[str, dict[str, Any]] = {
        "case.step": {"trigger": "register_application", "personal_fields": ["person_name"]},
        "referral.step": {"trigger": "accept", "referral_id": "r1"},
        "case.transfer": {"to_region": "UA-46", "reason": "person_moved"},
        "case.transfer_answer": {"answer": "refused", "reason": "not_resident"},
        "case.assign": {"user": None},
        "person.link": {"other_case": str(uuid4()), "reason": "Same person"},
        "register.import": {"file": "register.csv", "dry_run": True},
    }
    for lang in ("en", "uk"):
        words = wording(lang)
        for code in (*HTTP, *CLI):
            line = words.line(entry(code, details.get(code)), workflow, True)
            shown = " ".join([line.action, line.role, line.outcome, *line.details])
            for raw in (code, "lsa_official", "register_application", "accept", "person_name",
                        "UA-", "/api/", "POST", "not_resident", "person_moved"):  # fmt: skip
                assert raw not in shown, (lang, code, raw, shown)


def test_the_actions_offered_are_every_action_in_words_alphabetically() -> None:
    offered = choices(translator("en"))

    assert {code for code, _ in offered} == {*HTTP, *CLI}
    http = [said for code, said in offered if code in HTTP]
    assert http == sorted(http, key=str.casefold)
    assert ("cli.users.add", "Added a user (command line)") in offered


def test_a_cursor_survives_the_address_and_nothing_else_is_one() -> None:
    at = datetime(2026, 3, 2, 9, 15, 7, 123456, tzinfo=UTC)

    assert Cursor.parse(Cursor(at, 42).token()) == Cursor(at, 42)
    for broken in ("", "42", "1.2.3", "-1.2", "abc.1", "1." + "9" * 19):
        assert Cursor.parse(broken) is None, broken


def test_a_case_reference_is_any_start_of_a_case_id_from_four_digits() -> None:
    assert case_prefix("3F2A9C1B") == "3f2a9c1b"
    assert case_prefix(f" {CASE} ") == str(CASE).replace("-", "")
    assert case_prefix("3f2a-9c") == "3f2a9c"
    for bad in ("3f2", "xyz1", "3f2a 9c", "", "0" * 33):
        assert case_prefix(bad) is None, bad


def test_a_line_says_its_time_in_utc_as_the_page_and_the_filters_do() -> None:
    kyiv_time = datetime(2026, 3, 2, 11, 15, tzinfo=timezone(timedelta(hours=2)))

    line = wording("en").line(entry("case.read", at=kyiv_time), None, False)

    assert (line.at, line.at.tzname()) == (datetime(2026, 3, 2, 9, 15, tzinfo=UTC), "UTC")
