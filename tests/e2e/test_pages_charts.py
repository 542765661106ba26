"""Each chart on a dashboard page links to a CSV of exactly the cells it draws, published through
the same disclosure control as the dashboard: what the dashboard suppresses stays suppressed."""

from __future__ import annotations

import csv
import html
import io
import re

from fastapi.testclient import TestClient

from referral_engine.bootstrap import Runtime
from tests.e2e.conftest import KYIV, LVIV, Callers, open_case, take_step
from tests.e2e.pages import sign_in

CHART_LINK = re.compile(r'<a class="chart-csv" href="([^"]+)"')


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def applications(client: TestClient, callers: Callers, region: str, n: int) -> None:
    """`n` cases of `region` with a registered application for status."""
    caller = callers["lsa" if region == KYIV else "lviv-lsa"]
    for _ in range(n):
        case = open_case(client, caller, region=region)
        version = case["version"]
        for trigger in ("record_consent", "register_application"):
            response = take_step(client, caller, case["id"], trigger, version)
            assert response.status_code == 200, response.text
            version = response.json()["version"]


def test_each_chart_links_to_the_csv_of_what_it_draws_with_suppressed_cells_kept(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    applications(client, callers, KYIV, 1)  # one application: suppressed
    applications(client, callers, LVIV, 6)  # six: shown
    pg_runtime.projections.catch_up()
    callers.add(pg_runtime, "analyst-all", "analyst", "msp-analytics", ["*"])
    sign_in(client, callers["analyst-all"].token)
    page = client.get("/dashboards/status_decisions?measure=applications").text
    links = [html.unescape(href) for href in CHART_LINK.findall(page)]
    assert [link.split("?")[0] for link in links] == [
        "/dashboards/status_decisions/charts/lines.csv",
        "/dashboards/status_decisions/charts/bars.csv",
    ]
    table = rows(client.get("/dashboards/status_decisions/csv").text)
    drawn = [(r["region"], r["month"], r["applications"]) for r in table]
    assert ("UA-32", "2026-03-01", "x") in drawn and (LVIV, "2026-03-01", "6") in drawn
    for link in links:
        response = client.get(link)
        assert response.status_code == 200 and response.headers["content-type"].startswith(
            "text/csv"
        )
        chart = rows(response.text)
        assert sorted(chart[0]) == ["applications", "month", "region"]  # one measure only
        assert sorted((r["region"], r["month"], r["applications"]) for r in chart) == sorted(drawn)


def test_a_chart_csv_follows_the_filters_and_the_measure(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    applications(client, callers, KYIV, 1)
    pg_runtime.projections.catch_up()
    sign_in(client, callers["analyst"].token)
    page = client.get("/dashboards/status_decisions?measure=pending&region=UA-32").text
    bars = next(html.unescape(h) for h in CHART_LINK.findall(page) if "/bars.csv" in h)
    assert "measure=pending" in bars and "region=UA-32" in bars
    chart = rows(client.get(bars).text)
    assert chart == [{"region": "UA-32", "month": "2026-03-01", "pending": "x"}]
    assert (
        client.get("/dashboards/status_decisions/charts/bars.csv?measure=nope").status_code == 404
    )
    assert client.get("/dashboards/deadlines/charts/lines.csv?measure=open").status_code == 404
