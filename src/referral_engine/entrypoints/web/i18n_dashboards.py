"""The dashboard pages' words in English and Ukrainian (merged into `i18n.MESSAGES`)."""

from __future__ import annotations

DASHBOARDS: dict[str, tuple[str, str]] = {
    "dash.title": ("Dashboards", "Показники"),
    "dash.from": ("From month", "З місяця"),
    "dash.to": ("To month", "По місяць"),
    "dash.earliest": ("the first month", "від першого місяця"),
    "dash.latest": ("the last month", "до останнього місяця"),
    "dash.all": ("All", "Усі"),
    "dash.all_regions": ("All regions", "Усі області"),
    "dash.measure": ("Figure", "Показник"),
    "dash.by": ("Group the bars by", "Групувати стовпчики за"),
    "dash.show": ("Show", "Показати"),
    "dash.csv": ("Download CSV", "Завантажити CSV"),
    "dash.chart_csv": ("Chart data (CSV)", "Дані діаграми (CSV)"),
    "dash.empty": ("No figures for this choice.", "Немає даних для цього відбору."),
    "dash.none": (
        "No read model publishes a dashboard.",
        "Жодна модель читання не публікує показників.",
    ),
    "dash.legend": ("Lines", "Лінії"),
    "dash.suppression": (
        "Counts from 1 to {k} are suppressed and shown as x (with the cells that would give "
        "them away).",
        "Кількості від 1 до {k} приховано і позначено x (разом із клітинками, які б їх розкрили).",
    ),
    "dash.suppressed": ("suppressed", "приховано"),
    "dash.period": ("Months shown: {start} to {end}.", "Показано місяці: {start} — {end}."),
    "dash.latest_months": (
        "Every month together is too much for one chart: the latest months are shown. "
        "Choose the months, a region or another value above.",
        "Усі місяці разом — забагато для однієї діаграми, тож показано останні місяці. "
        "Оберіть місяці, область чи інше значення вище.",
    ),
    "dash.over_time": ("{m} by month", "{m} за місяцями"),
    "dash.by_group": ("{m}, grouped by {d}", "{m}, згруповано: {d}"),
    "dash.table": ("Table", "Таблиця"),
    "dash.choose_region": (
        "Too many lines to draw by month: choose a region or another value above.",
        "Забагато ліній для діаграми за місяцями: оберіть вище область чи інше значення.",
    ),
    "dash.omitted": (
        "{n} more bars are not drawn: choose a region, the months or another value above. "
        "The table below holds every row.",
        "Ще {n} стовпчиків не показано: оберіть область, місяці чи інше значення вище. "
        "У таблиці нижче — усі рядки.",
    ),
    "dash.rows": ("Rows {first}–{last} of {n}", "Рядки {first}–{last} з {n}"),
    "dash.pages": ("Pages of the table", "Сторінки таблиці"),
    "dash.previous": ("Previous rows", "Попередні рядки"),
    "dash.next": ("Next rows", "Наступні рядки"),
    "dash.none_value": ("not recorded", "не зазначено"),
}
