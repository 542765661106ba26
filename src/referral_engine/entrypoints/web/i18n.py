"""The interface's words in English (the default) and Ukrainian: a small message catalogue.

Workflow content (state, step and field titles) is shown as the workflow file words it; the
catalogue covers the interface around it. A missing translation falls back to English, and a
missing key shows the key itself, so a gap is visible rather than fatal.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from referral_engine.entrypoints.web.i18n_agencies import AGENCIES
from referral_engine.entrypoints.web.i18n_alerts import ALERTS
from referral_engine.entrypoints.web.i18n_imports import IMPORTS
from referral_engine.entrypoints.web.i18n_inbox import INBOX
from referral_engine.entrypoints.web.i18n_input import INPUT_MESSAGES
from referral_engine.entrypoints.web.i18n_notifications import NOTIFICATIONS
from referral_engine.entrypoints.web.i18n_projections import PROJECTIONS
from referral_engine.entrypoints.web.i18n_reports import REPORTS
from referral_engine.entrypoints.web.i18n_search import SEARCH
from referral_engine.entrypoints.web.i18n_signin import SIGN_IN
from referral_engine.entrypoints.web.i18n_transfers import TRANSFERS

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
    "error.title": ("Something is not right", "Щось не так"),
    "error.401": ("Please sign in", "Будь ласка, увійдіть"),
    "error.403": ("Not allowed", "Не дозволено"),
    "error.404": ("Not found", "Не знайдено"),
    "error.409": ("Conflict", "Конфлікт"),
    "error.422": ("Some values are not valid", "Деякі значення неприпустимі"),
    "error.413": ("Too much was sent", "Надіслано забагато даних"),
    "error.too_large": (
        "The form is larger than the server accepts ({kb} KB), so nothing was recorded. Go back "
        "in your browser, shorten the longest texts and send it again.",
        "Форма більша, ніж приймає сервер ({kb} КБ), тому нічого не записано. Поверніться назад "
        "у браузері, скоротіть найдовші тексти і надішліть ще раз.",
    ),
    "error.429": ("Too many attempts", "Забагато спроб"),
    "error.503": ("Not available yet", "Поки недоступно"),
    "error.home": ("Back to the start page", "На початкову сторінку"),
    "error.no_page": (
        "There is no page at this address. The link may be out of date.",
        "За цією адресою сторінки немає. Можливо, посилання застаріло.",
    ),
    "error.no_case_access": (
        "Analysts have no access to individual cases.",
        "Аналітики не мають доступу до окремих справ.",
    ),
    "error.no_audit_access": (
        "Only supervisors and admins may read the audit log.",
        "Журнал аудиту можуть читати лише керівники й адміністратори.",
    ),
    "error.no_board_access": (
        "Only supervisors and admins may read the deadline board.",
        "Дошку строків можуть переглядати лише керівники й адміністратори.",
    ),
    "error.no_rebuild_access": (
        "Only admins and analysts may rebuild read models.",
        "Перебудовувати моделі читання можуть лише адміністратори й аналітики.",
    ),
    "error.form_expired": (
        "The form has expired or did not come from this site: reload the page and send it again.",
        "Форма застаріла або надійшла не з цього сайту: оновіть сторінку й надішліть її ще раз.",
    ),
    "error.not_ready": (
        "'{name}' is being built from the event log; try again shortly.",
        "«{name}» будується з журналу подій; спробуйте трохи згодом.",
    ),
    "error.bad_address": (
        "The address of this page has a value that is not valid: {where}.",
        "В адресі цієї сторінки є неприпустиме значення: {where}.",
    ),
    "error.no_chart": (
        "'{name}' has no such chart of '{measure}'.",
        "У «{name}» немає такої діаграми для «{measure}».",
    ),
    "error.no_read_model": (
        "There is no read model named '{name}'.",
        "Моделі читання «{name}» немає.",
    ),
    "error.rebuild_running": (
        "A rebuild of '{name}' is already running.",
        "Перебудова «{name}» уже триває.",
    ),
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
    "previous_page": ("Previous page", "Попередня сторінка"),
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
    # events the engine records itself, not a workflow step
    "event.PersonalDataErased": ("Personal data erased", "Персональні дані стерто"),
    "event.StatedDateConfirmed": ("Stated date confirmed", "Заявлену дату підтверджено"),
    "event.PossibleDuplicateFound": ("Possible duplicate found", "Знайдено можливий збіг особи"),
    "event.PersonLinked": ("Linked to one person", "Пов’язано з однією особою"),
    "event.DuplicateDismissed": ("Possible duplicate dismissed", "Можливий збіг відхилено"),
    "event.PersonUnlinked": ("Link to one person undone", "Зв’язок з однією особою скасовано"),
    "event.CaseImported": ("Imported from a past register", "Імпортовано з реєстру минулих років"),
    "event.WorkflowMigrated": (
        "Moved to another version of the workflow",
        "Переведено на іншу версію процесу",
    ),
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
    **PROJECTIONS,
    "wf.title": ("Workflows", "Процедури"),
    "wf.source": ("Legal source", "Правова основа"),
    "wf.diagram_alt": ("State diagram of {title}", "Діаграма станів: {title}"),
    "wf.mermaid": ("The picture as Mermaid text: {part}", "Діаграма як текст Mermaid: {part}"),
    "wf.part.case": ("case states", "стани справи"),
    "wf.part.referrals": ("referral sub-workflow", "підпроцес направлення"),
    "wf.previous": ("back to the state before", "назад до попереднього стану"),
    "diagram.case_states": ("{ref}: case states", "{ref}: стани справи"),
    "diagram.referrals": ("referral sub-workflow", "підпроцес направлення"),
    "diagram.opening": ("opening: {event} by {roles}", "відкриття: {event}, хто: {roles}"),
    "diagram.sending": ("sending: {trigger} ({event})", "надсилання: {trigger} ({event})"),
    "diagram.any_of": ("any of {n} states", "будь-який із {n} станів"),
    "diagram.before": ("the state before", "попередній стан"),
    "diagram.keeps": (
        "keeps the state: {trigger} ({event}) in {where}",
        "без зміни стану: {trigger} ({event}) у {where}",
    ),
    "diagram.edge": ("{source} to {dest}: {triggers}", "{source} → {dest}: {triggers}"),
    "wf.stays": ("(stays)", "(без зміни стану)"),
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

# What the read models declare, in words: each dashboard's title (English: its own declared title)
# and the columns dashboards publish. A name not listed here is shown as declared.
MESSAGES |= {
    "dashboard.status_decisions": (
        "",
        "Заяви про встановлення статусу та їх результати, за областями й місяцями заяви",
    ),
    "dashboard.referrals": (
        "",
        "Перенаправлення за областями, місяцем надсилання, установою, що приймає, і послугою",
    ),
    "dashboard.assistance": (
        "",
        "Надана допомога за областями, місяцями й видами, і як скоро після встановлення статусу",
    ),
    "dashboard.funnel": (
        "",
        "Справи за областями й когортою (місяць виявлення): скільки дійшло до кожного етапу",
    ),
    "dashboard.deadlines": (
        "",
        "Відкриті й прострочені строки за областями, відповідальною установою і строком",
    ),
    "column.region": ("region", "область"),
    "column.month": ("month", "місяць"),
    "column.cohort": ("cohort (month screened)", "когорта (місяць виявлення)"),
    "column.agency": ("agency", "установа"),
    "column.service": ("service", "послуга"),
    "column.deadline": ("deadline", "строк"),
    "column.assistance_type": ("type of assistance", "вид допомоги"),
    "column.applications": ("applications", "заяви"),
    "column.granted": ("granted", "статус встановлено"),
    "column.refused": ("refused", "відмовлено"),
    "column.incomplete": ("returned incomplete", "повернуто як неповні"),
    "column.pending": ("pending", "очікують рішення"),
    "column.approval_rate": ("approval rate", "частка встановлених"),
    "column.median_days_to_decision": ("median days to decision", "медіана днів до рішення"),
    "column.p90_days_to_decision": (
        "90th percentile of days to decision",
        "90-й процентиль днів до рішення",
    ),
    "column.sent": ("sent", "надіслано"),
    "column.accepted": ("accepted", "прийнято"),
    "column.rejected": ("rejected", "відхилено"),
    "column.revoked": ("revoked", "відкликано"),
    "column.awaiting": ("awaiting an answer", "очікують відповіді"),
    "column.done": ("assistance completed", "допомогу завершено"),
    "column.acceptance_rate": ("acceptance rate", "частка прийнятих"),
    "column.median_days_to_accept": ("median days to accept", "медіана днів до прийняття"),
    "column.people": ("people", "осіб"),
    "column.deliveries": ("deliveries", "надань"),
    "column.first_served": ("first served", "уперше отримали допомогу"),
    "column.first_served_after_status": (
        "first served after the status",
        "уперше отримали допомогу після встановлення статусу",
    ),
    "column.median_days_from_status": ("median days from the status", "медіана днів від статусу"),
    "column.p90_days_from_status": (
        "90th percentile of days from the status",
        "90-й процентиль днів від статусу",
    ),
    "column.open": ("open", "відкриті"),
    "column.overdue": ("overdue", "прострочені"),
    "column.screened": ("screened", "виявлено"),
    "column.applied": ("applied", "подали заяву"),
    "column.identified": ("identified", "ідентифіковано"),
    "column.referred": ("referred", "перенаправлено"),
    "column.assisted": ("assisted", "отримали допомогу"),
    "column.granted_rate": ("share granted", "частка зі статусом"),
    "column.assisted_rate": ("share assisted", "частка з допомогою"),
    **INPUT_MESSAGES,
    **IMPORTS,
    **AGENCIES,
    **INBOX,
    **TRANSFERS,
    **REPORTS,
    **SIGN_IN,
    **NOTIFICATIONS,
    **SEARCH,
    **ALERTS,
}


class Translator:
    """`t(key, **values)`: the message in one language, with `{name}` placeholders filled."""

    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in LANGS else DEFAULT
        self.index = LANGS.index(self.lang)

    def __call__(self, key: str, **values: Any) -> str:
        found = MESSAGES.get(key)
        text = (found[self.index] or found[0]) if found else key
        return text.format(**values) if values else text

    def plural(self, key: str, n: int) -> str:
        """`key.one`, `key.few` or `key.many` for the count `n`, as this language says it."""
        if self.lang == "uk" and n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14):
            form = "few"
        elif n % 10 == 1 and (n % 100 != 11 if self.lang == "uk" else n == 1):
            form = "one"
        else:
            form = "many"
        return self(f"{key}.{form}", n=n)

    def has(self, key: str) -> bool:
        return key in MESSAGES

    def label(self, key: str, default: str) -> str:
        """The catalogue's word for something the engine names (a dashboard, a column) in this
        language, or `default` (the name as declared) where it has none."""
        found = MESSAGES.get(key)
        return (found[self.index] if found else "") or default

    def column(self, name: str) -> str:
        """A published column in words; `count.category` as the count's words and the category."""
        whole, _, part = name.partition(".")
        said = self.label(f"column.{whole}", whole)
        return f"{said}: {part}" if part else said


@cache
def translator(lang: str) -> Translator:
    return Translator(lang)
