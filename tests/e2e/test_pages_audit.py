"""The audit log's page and export: entries in words in either language with their case linked,
pages older and newer that keep the filters, bad filters named in an error summary, the
filtered entries as CSV (spreadsheet-safe, in the same words) whose export is itself recorded."""

from __future__ import annotations

import csv
import html
import io
import re
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient

from referral_engine.application.ports import AuditNote
from referral_engine.bootstrap import Runtime
from referral_engine.entrypoints.web.workflow_text import text_of
from tests.e2e.conftest import KYIV, LVIV, Callers, case_in, workflow
from tests.e2e.pages import sign_in

CODES = (
    *("case.step", "case.read", "case.open", "record_consent", "register_application"),
    *("/api/cases", "lsa_official", "decision_maker", "nrm_actor", "ConsentRecorded"),
    *("person_name", "POST", "GET", "UA-32"),
)
"""What the log stores that no reader should have to decode: routes, triggers, roles, events,
field names, methods, region codes."""


def main_text(page: str) -> str:
    """The words of the page's main part as a reader sees them (no markup, no attributes)."""
    found = re.search(r"<main.*?</main>", page, re.S)
    assert found, "the page has no main part"
    return html.unescape(re.sub(r"<[^>]+>", " ", found.group(0)))


def rows(page: str) -> list[str]:
    """The table's rows (their cells' words)."""
    body = re.search(r"<tbody>(.*?)</tbody>", page, re.S)
    found = re.findall(r"<tr.*?</tr>", body.group(1), re.S) if body else []
    return [main_text(f"<main>{r}</main>") for r in found]


def link(page: str, rel: str) -> str | None:
    found = re.search(rf'<a href="([^"]+)" rel="{rel}">', page)
    return html.unescape(found.group(1)) if found else None


def test_entries_read_in_words_in_either_language_with_their_case_linked(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    case_id, _ = case_in(client, callers, "application_registered")
    client.get(f"/api/cases/{case_id}", headers=callers["decider"].auth)
    pg_runtime.projections.catch_up()
    sign_in(client, callers["supervisor"].token)
    words = {lang: text_of(workflow(), lang) for lang in ("en", "uk")}

    english = client.get("/audit", params={"case": case_id[:8]})
    client.get("/lang/uk?next=/audit")
    ukrainian = client.get("/audit", params={"case": case_id[:8]})

    assert (english.status_code, ukrainian.status_code) == (200, 200)
    said = main_text(english.text)
    for expected in (
        "Opened a case",
        f"Took step: {words['en'].step('record_consent')}",
        f"Took step: {words['en'].step('register_application')}",
        "Read the case",
        f"Personal data shown: {words['en'].data_title('person_name')}",
        words["en"].role("decision_maker").split(" (")[0],
        "Kyiv",
        "Done",
    ):
        assert expected in said, expected
    assert f'<a href="/cases/{case_id}">{case_id[:8]}</a>' in english.text
    said = main_text(ukrainian.text)
    for expected in (
        "Відкриття справи",
        f"Крок: {words['uk'].step('record_consent')}",
        "Перегляд справи",
        "Виконано",
    ):
        assert expected in said, expected
    for code in CODES:
        assert code not in main_text(english.text) and code not in said, code


def test_pages_go_older_and_newer_keeping_the_filters(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    reads = [uuid4() for _ in range(57)]  # each entry its own case: its row tells it apart
    pg_runtime.audit.write(*(_read("decider", c) for c in reads[:30]))
    pg_runtime.audit.write(*(_read("lsa", uuid4()) for _ in range(20)))  # filtered out
    pg_runtime.audit.write(*(_read("decider", c) for c in reads[30:]))
    sign_in(client, callers["supervisor"].token)
    newest_first = [str(c)[:8] for c in reversed(reads)]

    first = client.get("/audit", params={"user": "decider", "action": "case.read"})
    older = link(first.text, "next")
    assert older is not None and "user=decider" in older and "action=case.read" in older
    second = client.get(older)
    newer = link(second.text, "prev")
    assert newer is not None and "user=decider" in newer and "action=case.read" in newer
    again = client.get(newer)

    assert [_reference(r) for r in rows(first.text)] == newest_first[:50]
    assert [_reference(r) for r in rows(second.text)] == newest_first[50:]
    assert link(first.text, "prev") is None and link(second.text, "next") is None
    assert rows(again.text) == rows(first.text)
    assert 'value="decider"' in second.text  # the form keeps the filters too
    assert 'href="/cases/' not in first.text  # cases the read model does not know: not linked


def _reference(row: str) -> str:
    return str(re.findall(r"\b[0-9a-f]{8}\b", row)[-1])


def _read(user: str, case_id: UUID) -> AuditNote:
    return AuditNote(
        "case.read", "GET", f"/api/cases/{case_id}", 200, user, "decision_maker", "msp-kyivska",
        case_id=case_id, region=KYIV,
    )  # fmt: skip


BAD = {
    "from": "2026-02-30",
    "to": "yesterday",
    "user": "u" * 201,
    "action": "case.nope",
    "case": "xyz",
    "region": LVIV,  # not one of the supervisor's
}
MESSAGES = {
    "en": ["The start date must be a real date", "The end date must be a real date",
           "200 characters or fewer", "Choose an action from the list",
           "at least 4 of its characters", "Choose one of your regions"],
    "uk": ["Початкова дата має бути справжньою датою", "Кінцева дата має бути справжньою датою",
           "не більше 200 символів", "Виберіть дію зі списку", "щонайменше 4 його символи",
           "Виберіть одну з ваших областей"],
}  # fmt: skip


@pytest.mark.parametrize("lang", ["en", "uk"])
def test_bad_filters_are_named_in_an_error_summary_in_the_pages_language(
    client: TestClient, callers: Callers, lang: str
) -> None:
    sign_in(client, callers["supervisor"].token)
    client.get(f"/lang/{lang}?next=/audit")

    page = client.get("/audit", params=BAD)
    export = client.get("/audit/entries.csv", params={"case": "zz"})
    backwards = client.get("/audit", params={"from": "2026-03-10", "to": "2026-03-01"})
    broken = client.get("/audit", params={"before": "not-a-page"})

    assert (page.status_code, export.status_code) == (422, 422)
    summary = re.search(r'<div class="error-summary".*?</div>', page.text, re.S)
    assert summary is not None
    for name, message in zip(BAD, MESSAGES[lang], strict=True):
        assert f'<a href="#a-{name}">' in summary.group(0) and message in summary.group(0), name
        assert f'id="a-{name}"' in page.text
    assert "<tbody>" not in page.text and "error-summary" in export.text
    assert backwards.status_code == 422 and ("same as or after" in backwards.text or lang == "uk")
    assert broken.status_code == 422 and 'id="a-page"' in broken.text


def test_a_filter_no_text_may_hold_is_refused_as_a_page_not_a_failure(
    client: TestClient, callers: Callers
) -> None:
    sign_in(client, callers["supervisor"].token)

    page = client.get("/audit", params={"user": "ls\x00a"})
    last_day = client.get("/audit", params={"from": "0001-01-01", "to": "9999-12-31"})

    assert page.status_code == 422 and "<main" in page.text
    assert last_day.status_code == 200


def test_the_export_is_the_filtered_entries_in_words_and_is_itself_recorded(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    formula = callers.add(pg_runtime, "=2+3", "decision_maker", "msp-kyivska", [KYIV])
    case_id, _ = case_in(client, callers, "application_registered")
    client.get(f"/api/cases/{case_id}", headers=formula.auth)
    pg_runtime.projections.catch_up()
    sign_in(client, callers["admin"].token)
    consent = text_of(workflow(), "en").step("record_consent")

    export = client.get("/audit/entries.csv", params={"case": case_id[:8]})

    assert export.status_code == 200
    assert export.headers["content-type"].startswith("text/csv")
    assert 'filename="audit-log.csv"' in export.headers["content-disposition"]
    assert export.content.startswith("\ufeff".encode())
    header, *lines = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert header == [
        "When (UTC)", "User", "Role", "Agency", "Action", "Outcome", "Case", "Region",
        "Detail", "Channel", "From address",
    ]  # fmt: skip
    assert [(line[1], line[4]) for line in reversed(lines)] == [
        ("screener", "Opened a case"),
        ("lsa", f"Took step: {consent}"),
        ("lsa", f"Took step: {text_of(workflow(), 'en').step('register_application')}"),
        ("'=2+3", "Read the case"),  # a name a spreadsheet would run is kept as text
    ]
    assert {(line[6], line[7]) for line in lines} == {(case_id, "Kyiv Oblast")}
    assert not any(code in export.text for code in ("case.step", "record_consent", "/api/"))
    (entry,) = pg_runtime.audit.query(user_name="admin", limit=1, newest_first=True)
    assert (entry.action, entry.status, entry.detail) == (
        "audit.export", 200, {"filters": {"case": case_id[:8]}}
    )  # fmt: skip
    listed = main_text(client.get("/audit", params={"action": "audit.export"}).text)
    assert "Exported the audit log" in listed and f"Case reference {case_id[:8]}" in listed


def test_the_export_reads_the_log_in_batches_never_whole(
    client: TestClient, callers: Callers, pg_runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    from referral_engine.entrypoints.web.routes import audit

    pg_runtime.audit.write(*(_read("decider", uuid4()) for _ in range(10)))
    sign_in(client, callers["supervisor"].token)
    monkeypatch.setattr(audit, "BATCH", 3)
    asked: list[int] = []
    entries = pg_runtime.audit.entries

    def counted(*args: object, **kwargs: object) -> object:
        found = entries(*args, **kwargs)  # type: ignore[arg-type]
        asked.append(len(found))
        return found

    monkeypatch.setattr(pg_runtime.audit, "entries", counted)
    export = client.get("/audit/entries.csv", params={"user": "decider"})

    assert export.status_code == 200 and len(export.text.splitlines()) == 11
    assert asked == [3, 3, 3, 1]


@pytest.mark.parametrize("reader", ["lsa", "analyst"])
def test_only_supervisors_and_admins_read_or_export_the_log(
    client: TestClient, callers: Callers, reader: str
) -> None:
    sign_in(client, callers[reader].token)

    assert client.get("/audit").status_code == 403
    assert client.get("/audit/entries.csv").status_code == 403
