"""The interface's words in English (the default) and Ukrainian: a small message catalogue.

Workflow content (state, step and field titles) is shown as the workflow file words it; the
catalogue covers the interface around it. A missing translation falls back to English, and a
missing key shows the key itself, so a gap is visible rather than fatal.
"""

from __future__ import annotations

from functools import cache
from typing import Any

LANGS = ("en", "uk")
DEFAULT = "en"
LANG_COOKIE = "re_lang"

# key: (English, Ukrainian)
MESSAGES: dict[str, tuple[str, str]] = {
    "app.name": ("Referral engine", "Система перенаправлення"),
    "skip": ("Skip to content", "Перейти до змісту"),
    "nav.label": ("Sections", "Розділи"),
    "nav.cases": ("Cases", "Справи"),
    "nav.deadlines": ("Deadlines", "Строки"),
    "nav.audit": ("Audit log", "Журнал аудиту"),
    "nav.dashboards": ("Dashboards", "Показники"),
    "nav.projections": ("Read models", "Моделі читання"),
    "nav.workflows": ("Workflows", "Процедури"),
    "lang.label": ("Language", "Мова"),
    "lang.en": ("English", "English"),
    "lang.uk": ("Українська", "Українська"),
    "sign_out": ("Sign out", "Вийти"),
    "signin.title": ("Sign in", "Вхід"),
    "signin.with_password": ("With your name and password", "За іменем і паролем"),
    "signin.with_token": ("With a token", "За токеном"),
    "signin.name": ("User name", "Ім'я користувача"),
    "signin.password": ("Password", "Пароль"),
    "signin.token": ("Token", "Токен"),
    "signin.submit": ("Sign in", "Увійти"),
    "signin.failed": (
        "Sign-in failed: check the name and password, or the token.",
        "Не вдалося увійти: перевірте ім'я і пароль або токен.",
    ),
    "error.title": ("Something is not right", "Щось не так"),
    "error.401": ("Please sign in", "Будь ласка, увійдіть"),
    "error.403": ("Not allowed", "Не дозволено"),
    "error.404": ("Not found", "Не знайдено"),
    "error.409": ("Conflict", "Конфлікт"),
    "error.422": ("Some values are not valid", "Деякі значення неприпустимі"),
    "error.429": ("Too many attempts", "Забагато спроб"),
    "error.503": ("Not available yet", "Поки недоступно"),
    "error.home": ("Back to the start page", "На початкову сторінку"),
    "any": ("Any", "Будь-який"),
    "none": ("none", "немає"),
    "yes": ("Yes", "Так"),
    "no": ("No", "Ні"),
    "true": ("Yes", "Так"),
    "false": ("No", "Ні"),
    "filter": ("Filter", "Відібрати"),
    "pages": ("Pages", "Сторінки"),
    "first_page": ("First page", "Перша сторінка"),
    "next_page": ("Next page", "Наступна сторінка"),
    "required": ("required", "обов'язкове"),
    "required_note": ("Fields marked * are required.", "Поля з * обов'язкові."),
    "case": ("Case", "Справа"),
    "state": ("State", "Стан"),
    "version": ("Version", "Версія"),
    "region": ("Region", "Область"),
    "workflow": ("Workflow", "Процедура"),
    "data": ("Data", "Дані"),
    "days": ("days", "дн."),
    "overdue": ("overdue", "прострочено"),
    "deadline": ("Deadline", "Строк"),
    "deadlines": ("Open deadlines", "Відкриті строки"),
    "deadline.started": ("Started", "Почався"),
    "deadline.due": ("Due", "До"),
    "deadline.days_left": ("Days left", "Залишилося днів"),
    "deadline.none": ("No open deadlines.", "Відкритих строків немає."),
    "deadline.service_target": ("(service target)", "(цільовий строк служби)"),
    "referral": ("Referral", "Направлення"),
    "referrals": ("Referrals", "Направлення"),
    "referral.agency": ("Agency", "Установа"),
    "referral.service": ("Service", "Послуга"),
    "referral.none": ("No referrals yet.", "Направлень ще немає."),
    "redacted.not-permitted": ("(not shown to your role)", "(не показується вашій ролі)"),
    "redacted.erased": ("(erased)", "(стерто)"),
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
    "new.title": ("Open a case", "Відкрити справу"),
    "new.submit": ("Open the case", "Відкрити справу"),
    "step.not_recorded": ("Not recorded:", "Не записано:"),
    "step.see_fields": (
        "some values are missing or not valid; see the fields marked below.",
        "деякі значення відсутні або неприпустимі; див. позначені поля нижче.",
    ),
    "case.flags": ("Flags", "Позначки"),
    "case.recorded_at": ("Last recorded", "Останній запис"),
    "case.history_link": ("History and replay", "Історія та відтворення"),
    "case.recorded": ("Recorded", "Записано"),
    "case.next_steps": ("Next steps", "Наступні кроки"),
    "case.no_steps": (
        "Your role has no step to take on this case now.",
        "Для вашої ролі зараз немає кроків у цій справі.",
    ),
    "case.not_before": ("allowed from", "дозволено з"),
    "conflict.title": ("Someone else changed this case.", "Хтось інший змінив цю справу."),
    "conflict.detail": (
        "Your step was not recorded. Changes since the version you saw:",
        "Ваш крок не записано. Зміни після версії, яку ви бачили:",
    ),
    "conflict.reload": ("Reload the case", "Оновити справу"),
    "history.title": ("History of case", "Історія справи"),
    "history.back": ("Back to the case", "Назад до справи"),
    "history.timeline": ("Events", "Події"),
    "history.replay_to": ("Replay up to event", "Відтворити до події"),
    "history.show": ("Show", "Показати"),
    "history.occurred": ("happened", "сталося"),
    "history.recorded": ("recorded", "записано"),
    "history.changed": ("What was recorded", "Що записано"),
    "history.as_of": ("The case after event {v} of {n}", "Справа після події {v} з {n}"),
    "history.earlier": ("Earlier", "Раніше"),
    "history.later": ("Later", "Пізніше"),
    "board.title": ("Deadline board", "Дошка строків"),
    "board.within": ("Due within (days)", "Строк спливає протягом (днів)"),
    "board.overdue": ("Overdue", "Прострочені"),
    "board.due_soon": ("Due within {n} days", "Спливають протягом {n} днів"),
    "board.full": (
        "Only the first 500 deadlines are shown: narrow the filter.",
        "Показано лише перші 500 строків: звузьте відбір.",
    ),
    "board.filters": ("Filter the board", "Відбір строків"),
    "board.groups": ("By region and agency", "За регіонами та установами"),
    "board.not_yet_allowed": ("Steps not allowed yet", "Кроки, ще не дозволені"),
    "board.step": ("Step", "Крок"),
    "board.counted_from": ("Counted from", "Відлік від"),
    "board.allowed_from": ("Allowed from", "Дозволено з"),
    "board.days_until": ("Days until allowed", "Днів до дозволу"),
    "audit.title": ("Audit log", "Журнал аудиту"),
    "audit.user": ("User", "Користувач"),
    "audit.on": ("Day", "День"),
    "audit.at": ("When", "Коли"),
    "audit.action": ("Action", "Дія"),
    "audit.status": ("Status", "Статус"),
    "audit.detail": ("Detail", "Подробиці"),
    "audit.newest": ("The newest {n} entries first.", "Спочатку найновіші {n} записів."),
    "dash.title": ("Dashboards", "Показники"),
    "dash.from": ("From month", "З місяця"),
    "dash.to": ("To month", "По місяць"),
    "dash.measure": ("Chart", "Діаграма"),
    "dash.show": ("Show", "Показати"),
    "dash.csv": ("Download CSV", "Завантажити CSV"),
    "dash.suppression": (
        "Counts from 1 to {k} are suppressed and shown as x (with the cells that would give "
        "them away).",
        "Кількості від 1 до {k} приховано і позначено x (разом із клітинками, які б їх розкрили).",
    ),
    "dash.suppressed": ("suppressed", "приховано"),
    "dash.over_time": ("{m} by month", "{m} за місяцями"),
    "dash.by_row": ("{m} by row", "{m} за рядками"),
    "dash.table": ("Table", "Таблиця"),
    "dash.choose_region": (
        "Too many lines to draw by month: narrow the filters (choose a region).",
        "Забагато ліній для діаграми за місяцями: звузьте відбір (оберіть область).",
    ),
    "dash.omitted": (
        "{n} more rows are in the table below.",
        "Ще {n} рядків — у таблиці нижче.",
    ),
    "proj.title": ("Read models", "Моделі читання"),
    "proj.live": ("This table updates itself.", "Таблиця оновлюється сама."),
    "proj.started": (
        "Rebuilding {name}: the current version serves until the new one has caught up.",
        "Перебудова {name}: поточна версія працює, доки нова не наздожене.",
    ),
    "proj.name": ("Read model", "Модель читання"),
    "proj.position": ("Position / head", "Позиція / остання подія"),
    "proj.lag": ("Lag", "Відставання"),
    "proj.events": ("events", "подій"),
    "proj.rebuild": ("Rebuild", "Перебудувати"),
    "proj.rebuilding": ("Rebuilding", "Перебудова"),
    "proj.stale": ("new version waiting", "очікує нова версія"),
    "wf.title": ("Workflows", "Процедури"),
    "wf.source": ("Legal source", "Правова основа"),
    "wf.diagram_alt": ("State diagram of {title}", "Діаграма станів: {title}"),
    "wf.mermaid": ("Diagram as Mermaid text", "Діаграма як текст Mermaid"),
    "wf.roles": ("Roles", "Ролі"),
    "wf.states": ("States", "Стани"),
    "wf.terminal": ("final", "кінцевий"),
    "wf.transitions": ("Steps", "Кроки"),
    "wf.opening": ("Opening step", "Перший крок"),
    "wf.trigger": ("Step", "Крок"),
    "wf.from": ("From", "Із"),
    "wf.to": ("To", "До"),
    "wf.required": ("Required fields", "Обов'язкові поля"),
    "wf.starts": ("Starts on", "Починається з"),
    "wf.stops": ("Stops on", "Зупиняється на"),
    "wf.within": ("Within", "Протягом"),
    "wf.working_days": ("working days", "робочих днів"),
}


class Translator:
    """`t(key, **values)`: the message in one language, with `{name}` placeholders filled."""

    def __init__(self, lang: str) -> None:
        self.index = LANGS.index(lang) if lang in LANGS else 0

    def __call__(self, key: str, **values: Any) -> str:
        found = MESSAGES.get(key)
        text = (found[self.index] or found[0]) if found else key
        return text.format(**values) if values else text

    def has(self, key: str) -> bool:
        return key in MESSAGES


@cache
def translator(lang: str) -> Translator:
    return Translator(lang)
