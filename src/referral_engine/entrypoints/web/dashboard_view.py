"""A dashboard as its page shows it: the filters (region, months, any other dimension) with the
values the dashboard holds, every value in words in the page's language (regions from the
workflows' registries, months by name, agencies by name, deadlines by title), its charts, and
one page of its table. Disclosure is the application's (`dashboards.report`): the page only
chooses whole published rows."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from babel.dates import format_date

from referral_engine.application.dashboards import Report, report
from referral_engine.application.ports import ReadModels
from referral_engine.domain.workflow import WorkflowDefinition
from referral_engine.entrypoints.web import charts
from referral_engine.entrypoints.web.i18n import Translator
from referral_engine.entrypoints.web.report_view import Words, alphabetical
from referral_engine.entrypoints.web.workflow_text import text_of

PAGE_ROWS = 50
"""Rows of the table on one page."""


class Values:
    """A dashboard's values in words and in reading order, in one language."""

    def __init__(
        self,
        words: Words,
        agency: Callable[[str], str],
        deadline: Callable[[str], str],
    ) -> None:
        self.words, self.t = words, words.t
        self.named = {"agency": agency, "deadline": deadline}

    def __call__(self, dimension: str | None, value: Any) -> str:
        if value is None or value == "":
            return self.t("dash.none_value")
        if (day := _day(value)) is not None:
            said = format_date(day, "LLLL y", locale=self.t.lang)
            return said[:1].upper() + said[1:]
        if dimension in self.named:
            return self.named[dimension](str(value))
        return self.words.value(dimension, str(value))

    def order(self, dimension: str | None, value: Any) -> Any:
        """Time in time order, anything else by its name in words."""
        if _day(value) is not None:
            return [0, str(value)]
        return [1, *alphabetical(self(dimension, value))]

    def dimension(self, name: str) -> str:
        said = self.t.column(name)
        return said[:1].upper() + said[1:]

    def column(self, name: str) -> str:
        """A published column in words; `count.category` with the category in words."""
        whole, _, part = name.partition(".")
        said = self.t.label(f"column.{whole}", whole)
        said = said[:1].upper() + said[1:]
        return f"{said}: {self.words.value(whole, part).lower()}" if part else said


def _day(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


@dataclass(frozen=True)
class Asked:
    """What the page's form asks for."""

    region: str | None = None
    start: date | None = None
    end: date | None = None
    where: Mapping[str, str] = field(default_factory=dict)
    measure: str | None = None
    by: str | None = None
    page: int = 1

    @property
    def chosen(self) -> bool:
        """Whether any filter is chosen (else the page may choose the latest months)."""
        return bool(self.region or self.start or self.end or self.where)


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class Filter:
    name: str
    label: str
    choices: list[Choice]
    chosen: str


@dataclass(frozen=True)
class Cell:
    text: str
    suppressed: bool = False
    figure: bool = False


@dataclass(frozen=True)
class DashboardPage:
    report: Report
    filters: list[Filter]
    params: dict[str, str]
    """The form's values, for links (CSV, pages of the table) that keep them."""
    measures: list[Choice]
    measure: str
    groupings: list[Choice]
    bars: charts.BarChart | None
    line: charts.LineChart | None
    too_many_lines: bool
    latest: bool
    """The period was not chosen: the latest months that fit a chart are shown."""
    columns: list[str]
    rows: list[list[Cell]]
    page: int
    pages: int
    first: int


def build(
    projections: ReadModels,
    name: str,
    asked: Asked,
    values: Values,
    *,
    k: int,
    today: date,
) -> DashboardPage:
    """The page of dashboard `name` for what the form asks."""

    def ask(start: date | None, end: date | None) -> Report:
        return report(projections, name, k=k, today=today, region=asked.region, start=start,
                      end=end, where=asked.where)  # fmt: skip

    every = report(projections, name, k=k, today=today)
    start, end, latest = asked.start, asked.end, False
    if not asked.chosen and len(every.published.rows) > charts.MAX_BARS:
        start, end, latest = *latest_months(every), True
    found = every if (not asked.chosen and not latest) else ask(start, end)
    choices = charts.measures(found) or charts.measures(every)
    measure = asked.measure if asked.measure in choices else (choices[0] if choices else "")
    bars = charts.bar_chart(found, measure, asked.by, values, values.order) if measure else None
    line = charts.line_chart(found, measure, values) if measure else None
    params = _params(asked, found, measure, bars)
    rows, page, pages = _table(found, values, asked.page)
    return DashboardPage(
        report=found,
        filters=_filters(every, found, asked, values),
        params=params,
        measures=[Choice(m, values.column(m)) for m in choices],
        measure=measure,
        groupings=[Choice(d, values.dimension(d)) for d in found.dashboard.dimensions],
        bars=bars if bars is not None and bars.groups else None,
        line=line,
        too_many_lines=bool(found.dashboard.period and line is None and found.published.rows),
        latest=latest,
        columns=[
            values.dimension(c) if c in found.dashboard.dimensions else values.column(c)
            for c in found.published.columns
        ],
        rows=rows,
        page=page,
        pages=pages,
        first=(page - 1) * PAGE_ROWS + 1,
    )


def latest_months(every: Report) -> tuple[date | None, date | None]:
    """The latest months whose rows fit one chart (at least the latest month)."""
    period = every.dashboard.period
    counts: dict[date, int] = {}
    for row in every.published.rows:
        if (day := _day(row.get(period or ""))) is not None:
            counts[day] = counts.get(day, 0) + 1
    months = sorted(counts, reverse=True)
    if not months:
        return None, None
    start, total = months[0], 0
    for month in months:
        total += counts[month]
        if total > charts.MAX_BARS:
            break
        start = month
    return start, months[0]


def _filters(every: Report, found: Report, asked: Asked, values: Values) -> list[Filter]:
    """The region, the months and each other dimension, offering the values the dashboard
    holds (with the chosen one, should it hold none now)."""
    rows = every.published.rows
    period = every.dashboard.period

    def held(dimension: str, chosen: str | None) -> list[Choice]:
        found_values = {str(r.get(dimension)): r.get(dimension) for r in rows}
        if chosen and chosen not in found_values:
            found_values[chosen] = chosen
        keys = sorted(found_values, key=lambda v: values.order(dimension, found_values[v]))
        return [Choice(v, values(dimension, found_values[v])) for v in keys]

    t = values.t
    shown: list[Filter] = []
    for dimension in every.dashboard.dimensions:
        if dimension == period:
            months = [Choice(c.value[:7], c.label) for c in held(dimension, None)]
            start = found.start.isoformat()[:7] if found.start else ""
            end = found.end.isoformat()[:7] if found.end else ""
            shown.append(
                Filter("start", t("dash.from"), [Choice("", t("dash.earliest")), *months], start)
            )
            shown.append(Filter("end", t("dash.to"), [Choice("", t("dash.latest")), *months], end))
            continue
        chosen = asked.region if dimension == "region" else asked.where.get(dimension)
        everything = t("dash.all_regions") if dimension == "region" else t("dash.all")
        options = [Choice("", everything), *held(dimension, chosen)]
        shown.append(Filter(dimension, values.dimension(dimension), options, chosen or ""))
    return shown


def _params(
    asked: Asked, found: Report, measure: str, bars: charts.BarChart | None
) -> dict[str, str]:
    params = {
        "region": asked.region or "",
        "start": found.start.isoformat()[:7] if found.start else "",
        "end": found.end.isoformat()[:7] if found.end else "",
        **asked.where,
        "measure": measure,
        "by": bars.by if bars is not None and bars.by else "",
    }
    return {k: v for k, v in params.items() if v}


def _table(found: Report, values: Values, page: int) -> tuple[list[list[Cell]], int, int]:
    """One page of the table's rows in reading order, every value in words."""
    published = found.published
    dims = found.dashboard.dimensions
    order = sorted(
        range(len(published.rows)),
        key=lambda i: [values.order(d, published.rows[i].get(d)) for d in dims],
    )
    pages = max(1, -(-len(order) // PAGE_ROWS))
    page = min(max(page, 1), pages)
    lines = []
    for i in order[(page - 1) * PAGE_ROWS : page * PAGE_ROWS]:
        row = published.rows[i]
        cells = []
        for column in published.columns:
            if column in dims:
                cells.append(Cell(values(column, row.get(column))))
            elif (i, column) in published.reasons:
                cells.append(Cell("x", suppressed=True, figure=True))
            else:
                cells.append(Cell(_figure(row.get(column)), figure=True))
        lines.append(cells)
    return lines, page, pages


def _figure(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".")
    return str(value)


def deadline_titles(workflows: Iterable[WorkflowDefinition], lang: str) -> dict[str, str]:
    """Each deadline's title in `lang`, from the loaded workflows (the newest version's last)."""
    return {
        d.name: text_of(workflow, lang).deadline(d.name)
        for workflow in workflows
        for d in workflow.deadlines
    }


def values_of(
    t: Translator,
    region: Callable[[str | None], str],
    coded: Callable[[str], str | None],
    agency: Callable[[str], str],
    deadline: Callable[[str], str],
) -> Values:
    """The dashboard's values in words in `t`'s language."""
    return Values(Words(t, region, coded), agency, deadline)
