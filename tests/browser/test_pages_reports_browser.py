"""The report page in Chromium, in English and Ukrainian: a statistician chooses a dimension,
sees the table with its totals, and downloads it as CSV and XLSX."""

from __future__ import annotations

import csv
import io
import re

from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from tests import factories
from tests.browser.conftest import Server, Shots, Visitors, no_sideways_scroll

KYIV, LVIV = "UA-32", "UA-46"


def downloaded(page: Page, link: str) -> bytes:
    """Click a download link; the file's bytes."""
    with page.expect_download() as download:
        page.get_by_role("link", name=link).click()
    return download.value.path().read_bytes()


def test_a_report_in_both_languages_with_its_downloads(
    server: Server, shots: Shots, visitors: Visitors
) -> None:
    for region, n in ((KYIV, 2), (LVIV, 3)):
        for _ in range(n):
            factories.case_in(server.runtime.engine, "application_registered", region=region)
    server.user("olena", "statistician", "msp-statistics", ["*"])
    server.caught_up()
    page = visitors.signed_in("olena")
    page.get_by_role("link", name="Reports").click()
    page.get_by_role("link", name=re.compile("Status of a person")).click()
    page.get_by_label("Rows").select_option(label="Region")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"by=region"))
    table = page.locator("#m-applications table")
    expect(table.get_by_role("row", name=re.compile("^Kyiv Oblast 2"))).to_be_visible()
    expect(table.get_by_role("row", name=re.compile("^Total 5"))).to_be_visible()
    expect(page.locator("#m-applications figure.bars")).to_be_visible()
    shots(page, "report-statistician")

    lines = list(csv.DictReader(io.StringIO(downloaded(page, "CSV").decode())))
    applied = {r["region"]: r["value"] for r in lines if r["measure"] == "applications"}
    assert applied == {KYIV: "2", LVIV: "3", "total": "5"}
    book = load_workbook(io.BytesIO(downloaded(page, "Excel (XLSX)")))
    assert [r[-1] for r in book["applications"].iter_rows(values_only=True)] == [
        "total",
        2,
        3,
        5,
    ]

    page.get_by_role("link", name="Українська").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Статус особи")
    page.get_by_label("Стовпці").select_option(label="Стать")
    page.get_by_role("button", name="Показати").click()
    expect(page).to_have_url(re.compile(r"by=region&by=sex"))
    table = page.locator("#m-applications table")
    sexes = re.compile("^(Жіноча|Чоловіча|Інша або невідома)$")
    expect(table.get_by_role("columnheader", name=sexes).first).to_be_visible()
    expect(table.get_by_role("row", name=re.compile(r"^Усього( \d+)+ 5$"))).to_be_visible()
    shots(page, "report-statistician-ukrainian")
    lines = list(csv.DictReader(io.StringIO(downloaded(page, "CSV").decode())))
    applications = [r for r in lines if r["measure"] == "applications"]
    by_sex = [r for r in applications if r["region"] == KYIV and r["sex"] != "total"]
    assert sum(int(r["value"]) for r in by_sex) == 2
    assert {r["sex"] for r in by_sex} <= {"female", "male", "other_unknown"}
    assert ("total", "total", "5") in {(r["region"], r["sex"], r["value"]) for r in applications}
    book = load_workbook(io.BytesIO(downloaded(page, "Excel (XLSX)")))
    about = {r[0]: r[1] for r in book["About"].iter_rows(values_only=True)}
    assert str(about["title"]).startswith("Статус особи")


def test_hidden_figures_stay_inside_a_narrow_screen(
    server: Server, shots: Shots, visitors: Visitors
) -> None:
    """An analyst's table of small counts at 375 px: the tables scroll in their own boxes, and
    the hidden marks' spoken explanations (positioned off-screen) widen nothing (they widened
    the page by 104 px before their box held them)."""
    born = ("1950-05-01", "1965-05-01", "1975-05-01", "1985-05-01", "1995-05-01", "2004-05-01")
    for i, region in enumerate((KYIV, LVIV, "UA-63", "UA-51") * 3):  # a wide table: six ages
        factories.case_in(
            server.runtime.engine,
            "application_registered",
            region=region,
            date_of_birth=born[i % len(born)],
        )
    server.user("taras", "analyst", "msp-analytics", ["*"])
    server.caught_up()
    page = visitors.signed_in("taras")
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto("/lang/uk?next=/reports/status%3Fby%3Dregion%2Cage_group")
    expect(page.locator("#m-applications td.suppressed").first).to_be_attached()
    shots(page, "report-analyst-narrow")
    no_sideways_scroll(page)
