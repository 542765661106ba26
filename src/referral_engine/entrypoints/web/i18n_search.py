"""The queue and the person search in English and Ukrainian (merged into `i18n.MESSAGES`)."""

from __future__ import annotations

SEARCH: dict[str, tuple[str, str]] = {
    "queue.title": ("Case queue", "Черга справ"),
    "queue.open": ("Open a case", "Відкрити справу"),
    "queue.filters": ("Filter the queue", "Відбір справ"),
    "queue.state": ("State", "Стан"),
    "queue.overdue": ("Deadlines", "Строки"),
    "queue.overdue_only": ("Overdue only", "Лише прострочені"),
    "queue.on_time": ("Not overdue", "Не прострочені"),
    "queue.last_step": ("Last step", "Останній крок"),
    "queue.opened": ("Opened", "Відкрито"),
    "queue.next_deadline": ("Next deadline", "Найближчий строк"),
    "queue.empty": ("No cases match.", "Справ не знайдено."),
    "search.title": ("Find a person", "Пошук особи"),
    "search.label": (
        "Name, date of birth, phone or document number",
        "Ім'я, дата народження, телефон або номер документа",
    ),
    "search.hint": (
        "In Cyrillic or Latin letters, in any order; a typo is forgiven. Only cases you may "
        "see are searched.",
        "Кирилицею або латиницею, у будь-якому порядку; одну помилку буде прощено. Пошук "
        "лише серед справ, які вам доступні.",
    ),
    "search.submit": ("Search", "Шукати"),
    "search.results": ("People found", "Знайдені особи"),
    "search.none": (
        "Nobody matches among the cases you may see.",
        "Серед доступних вам справ збігів немає.",
    ),
    "search.count": ("{count} found, best match first.", "Знайдено: {count}. Спершу найближчі."),
    "search.person": ("Person", "Особа"),
    "search.name_hidden": ("Name not shown to you", "Ім'я вам не показується"),
    "search.match": ("Match", "Збіг"),
    "search.match_strong": ("Close match", "Близький збіг"),
    "search.match_possible": ("Possible match", "Можливий збіг"),
    "search.born_same": ("same date of birth", "та сама дата народження"),
    "search.open_case": ("Open the case", "Відкрити справу"),
    "search.problem": ("There is a problem", "Є проблема"),
    "search.error.empty": (
        "Write at least two letters of a name, a date of birth, a phone or a document number.",
        "Напишіть щонайменше дві літери імені, дату народження, телефон або номер документа.",
    ),
    "search.error.too-long": (
        "Write at most {limit} characters.",
        "Напишіть не більше {limit} символів.",
    ),
    "search.error.character": (
        "Remove the invisible or control character from the search.",
        "Приберіть із пошуку невидимий або керувальний символ.",
    ),
    "error.no_search_access": (
        "Analysts, statisticians and admins may not search for persons: a search shows "
        "personal data.",
        "Аналітики, статистики й адміністратори не можуть шукати осіб: пошук показує "
        "персональні дані.",
    ),
}
