"""Charts of a published dashboard as geometry for server-rendered SVG (no script, no library).

Each bar or point is one published cell: nothing is added up across rows (disclosure control
forbids figures across rows), and a suppressed cell is drawn as a marker, never as a value.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from referral_engine.application.dashboards import SUPPRESSED, Report
from referral_engine.application.exports import csv_text

WIDTH = 760
LABEL_WIDTH = 260
BAR_HEIGHT = 18
BAR_GAP = 6
MAX_BARS = 60
MAX_SERIES = 8
LINE_HEIGHT = 260
PAD = 36


@dataclass(frozen=True)
class Bar:
    label: str
    y: float
    width: float
    value: Any
    suppressed: bool


@dataclass(frozen=True)
class BarChart:
    measure: str
    width: int
    height: int
    label_width: int
    bars: list[Bar]
    ticks: list[tuple[float, str]]
    omitted: int
    """Rows beyond MAX_BARS, left out of the chart (the table below shows them all)."""


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


def bar_chart(report: Report, measure: str) -> BarChart:
    """One bar per published row for `measure`; suppressed cells marked."""
    dims = report.dashboard.dimensions
    items = [
        (
            " · ".join(str(r.get(d, "")) for d in dims),
            r.get(measure),
            _suppressed(report, i, measure),
        )
        for i, r in enumerate(report.published.rows)
    ]
    return bars_of(measure, items)


def bars_of(measure: str, items: Sequence[tuple[str, Any, bool]]) -> BarChart:
    """One bar per (label, value, suppressed) item, the first MAX_BARS of them."""
    shown = items[:MAX_BARS]
    values = [_number(value) for _, value, _ in shown]
    top, ticks = _scale([v for v in values if v is not None])
    span = WIDTH - LABEL_WIDTH - PAD
    bars = []
    for i, ((label, raw, hidden), value) in enumerate(zip(shown, values, strict=True)):
        width = 0.0 if value is None else span * value / top
        bars.append(Bar(label, PAD / 2 + i * (BAR_HEIGHT + BAR_GAP), width, raw, hidden))
    height = int(PAD + len(bars) * (BAR_HEIGHT + BAR_GAP) + 10)
    return BarChart(
        measure,
        WIDTH,
        height,
        LABEL_WIDTH,
        bars,
        [(LABEL_WIDTH + span * t / top, _tick_label(t)) for t in ticks],
        len(items) - len(shown),
    )


def line_chart(report: Report, measure: str) -> LineChart | None:
    """`measure` over the dashboard's months, one line per combination of the other dimensions
    (None without a month dimension, or when there are too many lines to read)."""
    period = report.dashboard.period
    if period is None:
        return None
    others = [d for d in report.dashboard.dimensions if d != period]
    rows = report.published.rows
    periods = sorted({str(r.get(period)) for r in rows})
    names = {p: p[:7] if len(p) == 10 and p.endswith("-01") else p for p in periods}
    groups: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        groups.setdefault(" · ".join(str(r.get(d, "")) for d in others) or measure, []).append(i)
    if not periods or len(groups) > MAX_SERIES:
        return None
    values = [v for r in rows if (v := _number(r.get(measure))) is not None]
    top, ticks = _scale(values)
    left, right, bottom = PAD + 20, WIDTH - PAD, LINE_HEIGHT - PAD
    step = (right - left) / max(len(periods) - 1, 1)
    xs = {p: left + i * step for i, p in enumerate(periods)}

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
        [(xs[p], names[p]) for p in periods],
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


def chart_csv(report: Report, measure: str, kind: str) -> str | None:
    """Exactly the cells a chart draws, as CSV (its rows, its dimensions and its one measure),
    taken from the published report: a suppressed cell reads `x` here too. None when the
    dashboard has no such chart."""
    rows = list(range(len(report.published.rows)))
    dims = list(report.dashboard.dimensions)
    if kind == "bars":
        rows = rows[:MAX_BARS]
    elif kind == "lines" and line_chart(report, measure) is not None:
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
