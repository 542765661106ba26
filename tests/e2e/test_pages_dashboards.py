"""Dashboard pages a reader can read (#19, items 8 and 9): a chart draws at most MAX_BARS bars,
grouped by the dimension the reader chooses, each labelled in words in the page's language; the
reader chooses the region, the months and any other dimension from the values the dashboard
holds; the table is paged; and choosing rows never changes what disclosure control publishes."""

from __future__ import annotations

import csv
import html
import io
import re

import pytest
from fastapi.testclient import TestClient

from referral_engine.application import demo
from referral_engine.application.dashboards import dashboards, report
from referral_engine.bootstrap import Runtime
from referral_engine.entrypoints.web.charts import MAX_BARS
from referral_engine.entrypoints.web.dashboard_view import PAGE_ROWS
from tests.e2e.conftest import KYIV, LVIV, Callers
from tests.e2e.pages import sign_in
from tests.e2e.test_pages_imports import text_of

BAR = re.compile(r'<li class="bar-row')
GROUP = re.compile(r'<p class="bar-group-label">([^<]*)</p>')
LABEL = re.compile(r'<span class="bar-label">([^<]*)</span>')
ODESA = "UA-51"
ROW = re.compile(r"<tr>\s*<td")
CODE = re.compile(r"\bUA-\d\d\b|\b[a-z]+_[a-z_]+\b|\b20\d\d-\d\d(-\d\d)?\b")
"""What a code looks like on a page: a region's ISO code, a snake_case value, an ISO month."""


@pytest.fixture
def seeded(pg_runtime: Runtime) -> Runtime:
    """Synthetic cases of three oblasts over four months, folded by the dashboards' models."""
    regions = {KYIV: 3, LVIV: 1, ODESA: 1}
    demo.seed(pg_runtime.engine, "ukraine-nrm", 120, seed=7, regions=regions, days=(15, 135))
    pg_runtime.projections.catch_up(list(dashboards(pg_runtime.projections)))
    return pg_runtime


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def labels(page: str) -> list[str]:
    return [html.unescape(s) for s in GROUP.findall(page) + LABEL.findall(page)]


def all_rows(runtime: Runtime, name: str) -> int:
    found = report(runtime.projections, name, k=5, today=runtime.engine.clock().date())
    return len(found.published.rows)


def test_every_dashboard_draws_a_readable_number_of_bars_labelled_in_words(
    client: TestClient, callers: Callers, seeded: Runtime
) -> None:
    sign_in(client, callers["analyst"].token)
    names = list(dashboards(seeded.projections))
    largest = max(names, key=lambda name: all_rows(seeded, name))
    assert all_rows(seeded, largest) > MAX_BARS  # too many to draw every one at once
    for name in names:
        page = client.get(f"/dashboards/{name}").text
        assert 0 < len(BAR.findall(page)) <= MAX_BARS, name
        said = labels(page)
        assert said and all(s.strip() for s in LABEL.findall(page)), name
        assert not [s for s in said if CODE.search(s)], (name, said)
        assert not CODE.search(text_of(page.split('id="h-table"')[0].split("</form>")[1])), name
    page = client.get(f"/dashboards/{largest}").text
    assert "the latest months are shown" in text_of(page) and 'id="period"' in page


def test_the_reader_chooses_region_months_another_dimension_and_the_grouping(
    client: TestClient, callers: Callers, seeded: Runtime
) -> None:
    sign_in(client, callers["analyst"].token)
    whole = rows_of(client.get("/dashboards/assistance/csv").text)
    months = sorted({r["month"] for r in whole if r["region"] == KYIV})
    kind = next(r["assistance_type"] for r in whole if r["region"] == KYIV)
    page = client.get(
        f"/dashboards/assistance?region={KYIV}&start={months[0][:7]}&end={months[-1][:7]}"
        "&by=month&measure=people"
    ).text
    assert '<option value="UA-32" selected>Kyiv Oblast</option>' in page
    assert '<option value="month" selected>Month</option>' in page
    groups = [html.unescape(g) for g in GROUP.findall(page)]
    assert groups and all(re.fullmatch(r"[A-Z][a-z]+ 20\d\d", g) for g in groups), groups
    assert len(groups) == len({r["month"] for r in whole if r["region"] == KYIV})
    assert not [s for s in labels(page) if "Kyiv" in s or "Lviv" in s]  # chosen: not repeated
    assert len(BAR.findall(page)) == sum(r["region"] == KYIV for r in whole)
    since = text_of(client.get(f"/dashboards/assistance?start={months[1][:7]}").text)
    assert re.search(r"Months shown: [A-Z][a-z]+ 20\d\d to the last month\.", since)
    # another dimension: one type of assistance, every region
    page = client.get(f"/dashboards/assistance?assistance_type={kind}&by=region").text
    assert f'<option value="{kind}" selected>' in page
    table = page.split('id="h-table"')[1]
    assert table.count("<tr>") - 1 == sum(r["assistance_type"] == kind for r in whole)
    assert set(GROUP.findall(page)) <= {"Kyiv Oblast", "Lviv Oblast", "Odesa Oblast"}


@pytest.mark.parametrize(
    "chosen",
    [
        {"region": KYIV},
        {"assistance_type": "accommodation"},
        {"region": LVIV, "assistance_type": "accommodation"},
        {"start": "LATEST", "end": "LATEST"},
    ],
    ids=["region", "type", "region-and-type", "one-month"],
)
def test_choosing_rows_publishes_each_row_as_the_whole_dashboard_does(
    client: TestClient, callers: Callers, seeded: Runtime, chosen: dict[str, str]
) -> None:
    sign_in(client, callers["analyst"].token)
    whole = rows_of(client.get("/dashboards/assistance/csv").text)
    latest = max(r["month"] for r in whole)[:7]
    params = {k: (latest if v == "LATEST" else v) for k, v in chosen.items()}
    fields = {"start": "month", "end": "month"}
    expected = [
        r for r in whole if all(r[fields.get(k, k)][: len(v)] == v for k, v in params.items())
    ]
    part = rows_of(client.get("/dashboards/assistance/csv", params=params).text)
    assert part and part == expected  # the same rows, the same figures, the same x marks
    assert any("x" in r.values() for r in whole)  # suppression is there to keep
    # the API publishes those rows alike, and the page's chart draws exactly them
    api = client.get(
        "/api/dashboards/assistance",
        params={k: v for k, v in params.items() if k in ("region", "start", "end")},
        headers=callers["analyst"].auth,
    ).json()
    published = {(r["region"], r["month"], r["assistance_type"]) for r in api["rows"]}
    assert {(r["region"], r["month"], r["assistance_type"]) for r in part} <= published
    bars = rows_of(
        client.get(
            "/dashboards/assistance/charts/bars.csv", params={**params, "measure": "people"}
        ).text
    )
    drawn = {tuple(r.values()) for r in bars}
    cells = {(r["region"], r["month"], r["assistance_type"], r["people"]) for r in part}
    assert drawn <= cells and len(bars) == min(len(part), MAX_BARS)


def test_the_table_is_paged_and_each_page_keeps_the_choice(
    client: TestClient, callers: Callers, seeded: Runtime
) -> None:
    sign_in(client, callers["analyst"].token)
    total = all_rows(seeded, "referrals")
    assert total > PAGE_ROWS
    first = client.get("/dashboards/referrals?start=2000-01&measure=sent").text
    assert len(ROW.findall(first.split('id="h-table"')[1])) == PAGE_ROWS
    assert f"Rows 1–{PAGE_ROWS} of {total}" in text_of(first)
    link = html.unescape(re.search(r'href="\?([^"]*page=2[^"]*)" rel="next"', first).group(1))
    assert "start=2000-01" in link and "measure=sent" in link
    second = client.get(f"/dashboards/referrals?{link}").text
    shown = len(ROW.findall(second.split('id="h-table"')[1]))
    assert shown == min(PAGE_ROWS, total - PAGE_ROWS)
    assert f"Rows {PAGE_ROWS + 1}–{PAGE_ROWS + shown} of {total}" in text_of(second)


def test_dashboard_values_are_in_ukrainian_on_ukrainian_pages(
    client: TestClient, callers: Callers, seeded: Runtime
) -> None:
    sign_in(client, callers["analyst"].token)
    client.get("/lang/uk?next=/")
    for name in ("status_decisions", "assistance", "referrals", "deadlines", "funnel"):
        page = client.get(f"/dashboards/{name}?region={KYIV}").text
        text = text_of(page.split("</header>")[1])
        assert "Київська область" in text, name
        assert not CODE.search(text), (name, CODE.search(text))
        assert "Kyiv Oblast" not in text and "Accommodation" not in text, name
    page = client.get("/dashboards/status_decisions?region=UA-32").text
    assert re.search(r"(Серпень|Вересень|Жовтень|Листопад) 20\d\d", text_of(page))


@pytest.mark.parametrize(
    "query",
    ["assistance_type=a%01b", "assistance_type=" + "a" * 201, "page=0", "start=March"],
)
def test_a_bad_choice_in_the_address_is_a_clear_page_not_a_failure(
    client: TestClient, callers: Callers, query: str
) -> None:
    sign_in(client, callers["analyst"].token)
    response = client.get(f"/dashboards/assistance?{query}")
    assert response.status_code == 422
    assert "Traceback" not in response.text and '<main id="main"' in response.text
