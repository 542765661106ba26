"""Official figures as the report pages show them: every code in words in the page's language,
each table with its totals, and a bar chart of its row totals (web/charts.py)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from referral_engine.application.disclosure_tables import TOTAL
from referral_engine.application.publications import Change
from referral_engine.application.statistics import NOT_RECORDED, Figures, Table
from referral_engine.entrypoints.web import charts
from referral_engine.entrypoints.web.i18n import Translator
from referral_engine.entrypoints.web.i18n_reporting import VOCABULARIES, reporting_label

TIME = frozenset({"year", "quarter", "month"})
"""Dimensions whose values are in time order as they are (2026-Q1 before 2026-Q2)."""
UKRAINIAN = "абвгґдеєжзиіїйклмнопрстуфхцчшщьюя"
VOCABULARY = {
    "age_group": "age_at_identification",
    "form": "exploitation_forms",
    "rating": "feedback_rating",
    "reason": "feedback_reasons",
    "outcome": "closure_outcome",
}
"""Dimensions worded from another dimension's vocabulary in VOCABULARIES."""
SCALES = frozenset({"rating"})
"""Dimensions whose values are in the order of their scale (very poor .. very good)."""


def readable(code: str) -> str:
    """The last resort for a value no catalogue words: a code's underscores as spaces, its first
    letter capitalised; a code without them (a country code, a year, 2026-Q1) as it is."""
    if "_" not in code:
        return code.capitalize() if code.isalpha() and code.islower() else code
    text = code.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def alphabetical(name: str) -> list[int]:
    """A sort key in alphabetical order for Latin and Ukrainian names (by code point, І, Ї, Є
    and Ґ would come before А)."""
    return [UKRAINIAN.index(c) + 0x400 if c in UKRAINIAN else ord(c) for c in name.casefold()]


@dataclass(frozen=True)
class Words:
    """The names of a report's dimensions, values, bases and event kinds in one language."""

    t: Translator
    region: Callable[[str | None], str]
    coded: Callable[[str], str | None] = lambda code: None
    """A value's words from the workflows' labels (a referral's service), if they have any."""

    def dimension(self, name: str) -> str:
        return self.t.label(f"dim.{name}", readable(name))

    def value(self, dimension: str | None, value: str) -> str:
        if value == TOTAL:
            return self.t("value.total")
        if value == NOT_RECORDED:
            return self.t("value.not_recorded")
        if dimension == "region":
            return self.region(value)
        if dimension == "child" and value in ("child", "adult"):
            return self.t(f"value.{value}")
        vocabulary = VOCABULARY.get(dimension or "", dimension or "")
        if value in VOCABULARIES.get(vocabulary, ()):
            return reporting_label(vocabulary, value, self.t.lang)
        return self.coded(value) or readable(value)

    def ordered(self, dimension: str | None, values: tuple[str, ...]) -> list[str]:
        """A dimension's values in reading order: time in time order, anything else by its
        name in words; "Not recorded" last."""
        if dimension in TIME:
            key: Callable[[str], Any] = str
        elif dimension in SCALES:
            scale = list(VOCABULARIES[VOCABULARY[dimension]])
            key = lambda v: scale.index(v) if v in scale else len(scale)  # noqa: E731
        else:
            key = lambda v: alphabetical(self.value(dimension, v))  # noqa: E731
        return sorted(values, key=lambda v: (v == NOT_RECORDED, key(v)))

    def basis(self, name: str) -> str:
        return self.t.label(f"basis.{name}", readable(name))

    def kind(self, name: str) -> str:
        return self.t.label(f"kind.{name}", readable(name))


@dataclass(frozen=True)
class Figure:
    text: str
    suppressed: bool = False
    total: bool = False


@dataclass(frozen=True)
class Line:
    label: str
    figures: list[Figure]
    total: bool


@dataclass(frozen=True)
class TableView:
    name: str
    title: str
    counted: str
    """The basis in words, and how the figure is taken (a median, at the end of the period)."""
    row_dimension: str
    columns: list[str]
    """The column headings: the second dimension's values, then Total (or the figure's name)."""
    lines: list[Line]
    chart: charts.BarChart | None


def _two(by: tuple[str, ...]) -> tuple[str | None, str | None]:
    """The dimension down and the one across (None where the table has fewer)."""
    return (by[0] if by else None, by[1] if len(by) > 1 else None)


def number(value: int | float | None) -> str:
    if value is None:
        return "–"
    return str(value) if isinstance(value, int) else f"{value:.1f}".removesuffix(".0")


def tables(figures: Figures, words: Words) -> list[TableView]:
    """Every table of the figures as the page shows it."""
    by = figures.request.by
    return [_table(t, by, words) for t in figures.tables]


def _table(table: Table, by: tuple[str, ...], words: Words) -> TableView:
    t, m = words.t, table.measure
    lang = t.lang
    first, second = _two(by)
    counted = t("rep.counted", basis=words.basis(m.basis))
    if m.value == "median_days":
        counted += f" · {t('rep.median')}"
    if m.value == "percent":
        counted += f" · {t('rep.percent')}"
    if m.stock:
        counted += f" · {t('rep.stock')}"
    row_keys = words.ordered(first, table.rows)
    column_keys = words.ordered(second, table.columns)
    columns = [words.value(second, c) for c in column_keys]
    columns.append(t("value.total") if table.columns else t("rep.figure"))

    def cell(row: str, column: str) -> Figure:
        total = row == TOTAL or (column == TOTAL and bool(table.columns))
        if (row, column) in table.suppressed:
            return Figure("x", suppressed=True, total=total)
        return Figure(number(table.value(row, column)), total=total)

    lines = [
        Line(
            words.value(first, r) if r != TOTAL else t("value.total"),
            [cell(r, c) for c in (*column_keys, TOTAL)],
            r == TOTAL,
        )
        for r in (*row_keys, TOTAL)
    ]
    chart = None
    if table.rows:
        items = [
            (words.value(first, r), table.value(r), (r, TOTAL) in table.suppressed)
            for r in row_keys
        ]
        chart = charts.bars_of(m.name, items)
    title = m.title.get(lang) or m.title["en"]
    row_dimension = words.dimension(first) if first else ""
    return TableView(m.name, title, counted, row_dimension, columns, lines, chart)


@dataclass(frozen=True)
class ChangeView:
    table: str
    figure: str
    published: str
    now: str


def changes(
    found: list[Change], by: tuple[str, ...], titles: Mapping[str, str], words: Words
) -> list[ChangeView]:
    """Each figure that reads differently now, named in words: its table, its row and column."""
    first, second = _two(by)
    views = []
    for c in found:
        parts = [words.value(first, c.row)]
        if second is not None or c.column != TOTAL:
            parts.append(words.value(second, c.column))
        figure = " · ".join(parts)
        views.append(
            ChangeView(titles.get(c.measure, c.measure), figure, number(c.published), number(c.now))
        )
    return views


def recorded_later(events: list[dict[str, Any]], words: Words) -> list[dict[str, str]]:
    """What was recorded after a publication, in words."""
    return [
        {
            "what": words.kind(str(e["kind"]))
            + (f": {readable(str(e['item']))}" if e.get("item") else ""),
            "occurred": e["occurred_on"].isoformat() if e.get("occurred_on") else "",
            "recorded": e["recorded_at"].strftime("%Y-%m-%d %H:%M UTC"),
            "region": words.region(e.get("region")) if e.get("region") else "",
        }
        for e in events
    ]
