"""Charts of a published dashboard: horizontal bars as HTML (labels wrap, never cut) grouped by
one dimension, and lines over the months as server-drawn SVG (no script, no library).

Each bar or point is one published cell: nothing is added up across rows (disclosure control
forbids figures across rows), and a suppressed cell is drawn as a marker, never as a value.
Every label is in words (`Words`: a dimension's value as the page says it), never a code.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from referral_engine.application.dashboards import SUPPRESSED, Report
from referral_engine.application.exports import csv_text

Words = Callable[[str, Any], str]
"""A dimension's value in words: (dimension, value) -> text."""
Order = Callable[[str, Any], Any]
"""A dimension's value's place in reading order: (dimension, value) -> sort key."""
MAX_BARS = 60
"""The most bars a chart draws: beyond, whole groups are left out and the page says how many
(the filters narrow the choice; the table shows every row)."""
MAX_SERIES = 8
MAX_PERIOD_LABELS = 8
WIDTH = 760
LINE_HEIGHT = 260
PAD = 36


@dataclass(frozen=True)
class Bar:
    label: str
    """What the bar is, in words: the values of the dimensions its group does not say."""
    value: Any
    share: float
    """Its length, in per cent of the longest bar drawn."""
    suppressed: bool


@dataclass(frozen=True)
class BarGroup:
    label: str
    """The group's value in words ("" for a chart without groups)."""
    bars: list[Bar]


@dataclass(frozen=True)
class BarChart:
    measure: str
    groups: list[BarGroup]
    omitted: int
    """Bars beyond MAX_BARS, left out of the chart (the table shows them all)."""
    by: str | None = None
    """The dimension the bars are grouped by."""

    @property
    def bars(self) -> list[Bar]:
        return [b for g in self.groups for b in g.bars]


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    value: Any
    suppressed: bool


@dataclass(frozen=True)
class Series:
    label: str
    points: list[Point]
    segments: list[str] = field(default_factory=list)
    """`points` attributes of the polylines between consecutive shown points."""


@dataclass(frozen=True)
class LineChart:
    measure: str
    width: int
    height: int
    baseline: float
    periods: list[tuple[float, str]]
    """Each month's place on the axis and its label ("" where labels are thinned out)."""
    series: list[Series]
    ticks: list[tuple[float, str]]


def measures(report: Report) -> list[str]:
    """The columns a chart can show: every count and derived measure."""
    dimensions = set(report.dashboard.dimensions)
    return [c for c in report.published.columns if c not in dimensions]


def _suppressed(report: Report, row: int, column: str) -> bool:
    return (row, column) in report.published.reasons


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _scale(values: list[float]) -> tuple[float, list[float]]:
    """A round top for the axis and the ticks below it."""
    top = max([v for v in values if v > 0], default=1.0)
    step = 10 ** math.floor(math.log10(top))
    for mult in (1, 2, 2.5, 5, 10):
        if top <= step * mult * 4:
            step *= mult
            break
    ticks = [step * i for i in range(math.ceil(top / step) + 1)]
    return ticks[-1] or 1.0, ticks


def _tick_label(value: float) -> str:
    return f"{value:g}"


def _varying(report: Report, dims: Sequence[str], rows: Sequence[int]) -> list[str]:
    """The dimensions whose value differs between these rows (the others go without saying:
    a filter chose them, or the data holds one value)."""
    published = report.published.rows
    return [d for d in dims if len({str(published[i].get(d)) for i in rows}) > 1]


def group_by(report: Report, by: str | None) -> str | None:
    """The dimension the bars are grouped by: `by` if it is one, else the first that varies."""
    dims = report.dashboard.dimensions
    if by in dims:
        return by
    every = range(len(report.published.rows))
    return next(iter(_varying(report, dims, every)), dims[0] if dims else None)


def bar_rows(report: Report, by: str | None, order: Order) -> tuple[list[list[int]], int]:
    """The rows a bar chart draws, in groups of `by`'s values, in reading order; whole groups
    up to MAX_BARS (the first group's first MAX_BARS if it alone is longer); and how many
    rows are left out."""
    rows = report.published.rows
    dims = report.dashboard.dimensions
    key = [d for d in dims if d != by]
    groups: dict[str, list[int]] = {}
    ranked = sorted(
        range(len(rows)),
        key=lambda i: [order(d, rows[i].get(d)) for d in ([by] if by else []) + key],
    )
    for i in ranked:
        groups.setdefault(str(rows[i].get(by)) if by else "", []).append(i)
    drawn: list[list[int]] = []
    count = 0
    for members in groups.values():
        if count + len(members) > MAX_BARS:
            if not drawn:
                drawn.append(members[:MAX_BARS])
                count = MAX_BARS
            break
        drawn.append(members)
        count += len(members)
    return drawn, len(rows) - count


def bar_chart(report: Report, measure: str, by: str | None, words: Words, order: Order) -> BarChart:
    """Bars of `measure`, one per published row, grouped by `by`'s values; suppressed cells
    marked; each labelled by the dimensions that vary within its group, in words."""
    by = group_by(report, by)
    drawn, omitted = bar_rows(report, by, order)
    rows = report.published.rows
    every = [i for members in drawn for i in members]
    labelled = _varying(report, [d for d in report.dashboard.dimensions if d != by], every)
    values = [v for i in every if (v := _number(rows[i].get(measure))) is not None]
    top = max([v for v in values if v > 0], default=1.0)
    groups = []
    for members in drawn:
        bars = []
        for i in members:
            value = _number(rows[i].get(measure))
            hidden = _suppressed(report, i, measure)
            label = " · ".join(words(d, rows[i].get(d)) for d in labelled)
            share = 0.0 if value is None or hidden else max(100 * value / top, 0.0)
            bars.append(Bar(label, rows[i].get(measure), round(share, 2), hidden))
        heading = words(by, rows[members[0]].get(by)) if by else ""
        groups.append(BarGroup(heading, bars))
    if not labelled:  # one bar a group: the groups' values label the bars of one list
        groups = [BarGroup("", [replace(g.bars[0], label=g.label) for g in groups])]
    return BarChart(measure, groups, omitted, by)


def bars_of(measure: str, items: Sequence[tuple[str, Any, bool]]) -> BarChart:
    """One bar per (label, value, suppressed) item, the first MAX_BARS of them, ungrouped."""
    shown = items[:MAX_BARS]
    values = [_number(value) for _, value, _ in shown]
    top = max([v for v in values if v is not None and v > 0], default=1.0)
    bars = [
        Bar(label, raw, 0.0 if value is None or hidden else round(100 * value / top, 2), hidden)
        for (label, raw, hidden), value in zip(shown, values, strict=True)
    ]
    return BarChart(measure, [BarGroup("", bars)], len(items) - len(shown))


def line_chart(report: Report, measure: str, words: Words) -> LineChart | None:
    """`measure` over the dashboard's months, one line per combination of the other dimensions
    that vary (None without a month dimension, or when there are too many lines to read)."""
    period = report.dashboard.period
    if period is None:
        return None
    rows = report.published.rows
    others = _varying(
        report, [d for d in report.dashboard.dimensions if d != period], range(len(rows))
    )
    periods = sorted({str(r.get(period)) for r in rows})
    raw = {str(r.get(period)): r.get(period) for r in rows}
    groups: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        label = " · ".join(words(d, r.get(d)) for d in others) or measure
        groups.setdefault(label, []).append(i)
    if not periods or len(groups) > MAX_SERIES:
        return None
    values = [v for r in rows if (v := _number(r.get(measure))) is not None]
    top, ticks = _scale(values)
    left, right, bottom = PAD + 20, WIDTH - 60, LINE_HEIGHT - PAD  # room for a month in words
    step = (right - left) / max(len(periods) - 1, 1)
    xs = {p: left + i * step for i, p in enumerate(periods)}
    every = max(1, math.ceil(len(periods) / MAX_PERIOD_LABELS))

    def y(v: float) -> float:
        return bottom - (bottom - PAD / 2) * v / top

    series = []
    for label, indexes in groups.items():
        points = []
        for i in sorted(indexes, key=lambda i: str(rows[i].get(period))):
            value = _number(rows[i].get(measure))
            hidden = _suppressed(report, i, measure)
            x = xs[str(rows[i].get(period))]
            at = bottom if value is None else y(value)
            points.append(Point(x, at, rows[i].get(measure), hidden))
        series.append(Series(label, points, _segments(points)))
    return LineChart(
        measure,
        WIDTH,
        LINE_HEIGHT,
        bottom,
        [(xs[p], words(period, raw[p]) if n % every == 0 else "") for n, p in enumerate(periods)],
        series,
        [(y(t), _tick_label(t)) for t in ticks],
    )


def _segments(points: list[Point]) -> list[str]:
    """Polylines through runs of shown points: a suppressed or missing value breaks the line."""
    runs: list[list[Point]] = [[]]
    for p in points:
        if p.suppressed or _number(p.value) is None:
            runs.append([])
        else:
            runs[-1].append(p)
    return [" ".join(f"{p.x:.1f},{p.y:.1f}" for p in run) for run in runs if len(run) > 1]


def chart_csv(
    report: Report, measure: str, kind: str, by: str | None = None, order: Order | None = None
) -> str | None:
    """Exactly the cells a chart draws, as CSV (its rows in its order, its dimensions and its
    one measure), taken from the published report: a suppressed cell reads `x` here too. None
    when the dashboard has no such chart."""
    rows = list(range(len(report.published.rows)))
    dims = list(report.dashboard.dimensions)
    if kind == "bars":
        drawn, _ = bar_rows(report, group_by(report, by), order or (lambda d, v: str(v)))
        rows = [i for members in drawn for i in members]
    elif kind == "lines" and line_chart(report, measure, lambda d, v: str(v)) is not None:
        period = str(report.dashboard.period)
        dims = [*(d for d in dims if d != period), period]  # one line per series, by month
        rows.sort(key=lambda i: [str(report.published.rows[i].get(d)) for d in dims])
    else:
        return None
    cells = []
    for i in rows:
        row = report.published.rows[i]
        value = SUPPRESSED if _suppressed(report, i, measure) else row.get(measure)
        cells.append([*(row.get(d) for d in dims), "" if value is None else value])
    return csv_text([*dims, measure], cells)
