"""The report pages: official figures in words in both languages, hidden for analysts where
small, exact for statisticians (audited) who publish them; CSV and XLSX downloads; bad input
answered with the error page."""

from __future__ import annotations

import csv
import html
import io
import re

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from referral_engine.bootstrap import Runtime
from tests.e2e.conftest import KYIV, LVIV, Callers
from tests.e2e.pages import csrf_of, sign_in
from tests.e2e.test_pages_charts import applications
from tests.e2e.test_pages_ukrainian import english_interface, left_in_english

CODES = re.compile(r">\s*(UA-\d\d|not_recorded|total|applications|pending_at_end)\s*<")


@pytest.fixture
def planted(client: TestClient, callers: Callers, pg_runtime: Runtime) -> Callers:
    """One application in Kyiv Oblast (a small count) and six in Lviv Oblast."""
    applications(client, callers, KYIV, 1)
    applications(client, callers, LVIV, 6)
    pg_runtime.projections.catch_up()
    return callers  # the statistician is one of the callers


def row_of(page: str, label: str) -> list[str]:
    """The cells of the first table row headed `label` (the applications table comes first)."""
    found = re.search(rf'<th scope="row">{re.escape(label)}</th>(.*?)</tr>', page, re.S)
    assert found, f"no row {label!r}"
    return [
        html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
        for c in re.findall(r"<td[^>]*>(.*?)</td>", found.group(1), re.S)
    ]


def test_the_reports_are_listed_by_title_in_both_languages(
    client: TestClient, planted: Callers
) -> None:
    sign_in(client, planted["analyst"].token)
    page = client.get("/reports").text
    assert 'href="/reports"' in page  # the navigation links to the reports
    assert "Status of a person affected by trafficking" in page and "official statistics" in page
    client.get("/lang/uk?next=/")
    page = client.get("/reports").text
    assert "Статус особи, яка постраждала від торгівлі людьми" in page and "Звіти" in page


def test_an_analyst_sees_small_figures_hidden_and_every_code_in_words(
    client: TestClient, planted: Callers
) -> None:
    sign_in(client, planted["analyst"].token)
    page = client.get("/reports/status?by=region").text
    hidden = "x (hidden: a small count, or a figure from which one could be worked out)"
    assert row_of(page, "Kyiv Oblast") == [hidden]
    # Kyiv's 1 would be Total minus Lviv's 6: one of those is hidden with it
    assert hidden in (row_of(page, "Lviv Oblast")[0], row_of(page, "Total")[0])
    assert 'class="num suppressed' in page and "<abbr title=" in page
    assert "Counted: applications" in page and "Counts below 5 are hidden" in page
    assert not CODES.search(page), CODES.search(page)
    assert "<svg" in page and "Applications received: totals by Region" in page
    client.get("/lang/uk?next=/")
    page = client.get("/reports/status?by=region").text
    assert row_of(page, "Київська область")[0].startswith("x (приховано")
    assert "Усього" in page and "Одиниця обліку: заяви" in page and "Область" in page


def test_a_statistician_reads_exact_figures_audited_and_publishes_them(
    client: TestClient, planted: Callers, pg_runtime: Runtime
) -> None:
    sign_in(client, planted["statistician"].token)
    page = client.get("/reports/status?by=region").text
    assert row_of(page, "Kyiv Oblast")[-1] == "1" and row_of(page, "Total")[-1] == "7"
    assert "Exact figures of an official report" in page and "Not published yet." in page
    actions = [e.action for e in pg_runtime.audit.query(user_name="statistician")]
    assert "report.read_exact" in actions
    form = {"csrf": csrf_of(page), "from": "", "to": "", "by": "region", "region": "", "as_of": ""}
    published = client.post("/reports/status/publications", data=form, follow_redirects=False)
    assert published.status_code == 303
    target = published.headers["location"]
    assert target.startswith("/publications/")
    shown = client.get(target).text
    assert "the same to the digit" in shown and "No figure reads differently now." in shown
    applications(client, planted, KYIV, 1)  # recorded after publication, in its period
    pg_runtime.projections.catch_up()
    shown = client.get(target).text
    assert row_of(shown, "Kyiv Oblast")[-1] == "1"  # reproduced as published
    revisions = shown[shown.index('id="revisions"') :]
    assert "Applications received" in revisions and "Kyiv Oblast" in revisions
    assert "Application registered" in revisions and "applied" not in revisions
    assert '<td class="num">1</td><td class="num">2</td>' in revisions
    listed = client.get("/reports/status?by=region").text
    assert f'href="{target}"' in listed


def test_an_analyst_may_not_publish(client: TestClient, planted: Callers) -> None:
    sign_in(client, planted["analyst"].token)
    page = client.get("/reports/status").text
    assert "Publish these figures" not in page
    response = client.post("/reports/status/publications", data={"csrf": csrf_of(page), "by": ""})
    assert response.status_code == 403 and "Only statisticians may publish" in response.text


@pytest.mark.parametrize(("who", "kyiv"), [("analyst", "x"), ("statistician", "1")])
def test_the_downloads_hold_the_figures_the_page_shows(
    client: TestClient, planted: Callers, pg_runtime: Runtime, who: str, kyiv: str
) -> None:
    sign_in(client, planted[who].token)
    page = client.get("/reports/status?by=region,sex").text
    link = html.unescape(re.search(r'id="csv" href="([^"]+)"', page).group(1))  # type: ignore[union-attr]
    assert link.startswith("/reports/status.csv?") and "by=region%2Csex" in link
    response = client.get(link)
    assert response.headers["content-type"].startswith("text/csv")
    lines = list(csv.DictReader(io.StringIO(response.text)))
    applied = {(r["region"], r["sex"]): r["value"] for r in lines if r["measure"] == "applications"}
    on_page = row_of(page, "Lviv Oblast")[-1].split(" ")[0]
    assert applied[(KYIV, "total")] == kyiv and applied[(LVIV, "total")] == on_page
    book = load_workbook(io.BytesIO(client.get(link.replace(".csv?", ".xlsx?")).content))
    sheet = [[c.value for c in row] for row in book["applications"].iter_rows()]
    assert sheet[0][-1] == "total" and sheet[-1][0] == "total"
    assert [str(r[-1]) for r in sheet if r[0] == LVIV] == [on_page]
    exact = [e for e in pg_runtime.audit.query(user_name=who) if e.action == "report.read_exact"]
    assert {(e.detail or {}).get("format") for e in exact} == (
        {"html", "csv", "xlsx"} if who == "statistician" else set()
    )


@pytest.mark.parametrize(
    ("address", "status", "says"),
    [
        ("/reports/status?by=nope", 422, "unknown dimension"),
        ("/reports/status?by=Nope!", 422, "must name dimensions"),
        ("/reports/status?from=2026-05-01&to=2026-01-31", 422, "must not be after"),
        ("/reports/status?from=May", 422, "must be a date"),
        ("/reports/status?as_of=yesterday", 422, "must be a date and time"),
        ("/reports/status.csv?by=nope", 422, "unknown dimension"),
        ("/reports/nothing", 404, "nothing"),
        ("/reports/status.pdf", 422, ""),
        ("/publications/not-an-id", 422, ""),
        ("/publications/00000000-0000-0000-0000-000000000000", 404, ""),
    ],
)
def test_bad_input_gets_the_error_page(
    client: TestClient, planted: Callers, address: str, status: int, says: str
) -> None:
    sign_in(client, planted["analyst"].token)
    response = client.get(address)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert "Something is not right" in response.text and says in response.text


def test_no_english_is_left_on_the_report_pages_in_ukrainian(
    client: TestClient, planted: Callers
) -> None:
    sign_in(client, planted["statistician"].token)
    client.get("/lang/uk?next=/")
    page = client.get("/reports/status").text
    published = client.post(
        "/reports/status/publications",
        data={"csrf": csrf_of(page), "by": "region,child"},
        follow_redirects=False,
    ).headers["location"]
    applications(client, planted, KYIV, 1)
    pages = [
        client.get(path).text
        for path in (
            "/reports",
            "/reports/status?by=region,child",
            "/reports/identification?by=screening_actor",
            "/reports/assistance?by=sex,age_group",
            published,
        )
    ]
    assert "Дорослі" in pages[1] and "Київська область" in pages[1]
    assert [left_in_english(p, english_interface()) for p in pages] == [[]] * len(pages)
    assert not any(CODES.search(p) for p in pages)
