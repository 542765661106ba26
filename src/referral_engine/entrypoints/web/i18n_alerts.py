"""Possible duplicates on the pages, in English and Ukrainian (merged into `i18n.MESSAGES`):
the supervisors' list and its decisions, the case page's section, the opener's notice. Reasons
and states in words, never their codes."""

from __future__ import annotations

ALERTS: dict[str, tuple[str, str]] = {
    "nav.person_alerts": ("Possible duplicates", "Можливі дублікати"),
    "error.no_alert_access": (
        "Only supervisors see and decide possible duplicates.",
        "Лише керівники бачать можливі дублікати й ухвалюють щодо них рішення.",
    ),
    "alerts.title": ("Possible duplicates", "Можливі дублікати"),
    "alerts.intro": (
        "Two cases whose persons have the same date of birth and the same or a very similar "
        "name, with at least one case in your regions. Decide whether they are one person.",
        "Дві справи, особи в яких мають ту саму дату народження й однакове або дуже схоже "
        "ім’я, і хоча б одна справа — у ваших областях. Вирішіть, чи це одна особа.",
    ),
    "alerts.open": ("Waiting for a decision ({count})", "Чекають на рішення ({count})"),
    "alerts.none_open": (
        "No possible duplicate waits for a decision.",
        "Немає можливих дублікатів, що чекають на рішення.",
    ),
    "alerts.decided": ("Decided", "Вирішені"),
    "alerts.none_decided": ("Nothing decided yet.", "Рішень ще немає."),
    "alerts.pair": ("Possible duplicate raised on {day}", "Можливий дублікат виявлено {day}"),
    "alerts.elsewhere": ("A case in {region}", "Справа в області: {region}"),
    "alerts.case_in": ("Case in {region}", "Справа в області: {region}"),
    "alerts.name_hidden": ("name not shown to you", "ім’я вам не показується"),
    "alerts.state": ("Decision", "Рішення"),
    "alerts.state.open": ("Waiting for a decision", "Чекає на рішення"),
    "alerts.state.linked": ("Linked: one person", "Пов’язано: одна особа"),
    "alerts.state.dismissed": ("Dismissed: not the same person", "Відхилено: різні особи"),
    "alerts.state.unlinked": ("Link undone", "Зв’язок скасовано"),
    "alerts.reason": ("Reason", "Причина"),
    "alerts.decided_on": ("Decided on", "Дата рішення"),
    "alerts.not_yours": (
        "Only supervisors of the two cases' regions decide.",
        "Рішення ухвалюють лише керівники областей цих двох справ.",
    ),
    "alerts.choose": ("Choose…", "Оберіть…"),
    "alerts.link": ("Link to one person", "Пов’язати з однією особою"),
    "alerts.link_hint": (
        "Both cases then count as one person in reports. The link can be undone.",
        "Тоді обидві справи у звітах рахуються як одна особа. Зв’язок можна скасувати.",
    ),
    "alerts.link_reason": ("Why they are one person", "Чому це одна особа"),
    "alerts.dismiss": ("Not the same person: dismiss", "Не та сама особа: відхилити"),
    "alerts.dismiss_reason": ("Why they are not", "Чому це різні особи"),
    "alerts.dismiss_hint": (
        "A dismissed alert is not raised again for these two cases.",
        "Відхилений збіг для цих двох справ більше не з’явиться.",
    ),
    "alerts.unlink": ("Undo the link", "Скасувати зв’язок"),
    "alerts.unlink_hint": (
        "The two cases then count as two persons again; the alert is closed.",
        "Тоді дві справи знову рахуються як дві особи; збіг закрито.",
    ),
    "alerts.confirm_dismiss": (
        "I confirm these are two different persons",
        "Підтверджую, що це дві різні особи",
    ),
    "alerts.confirm_unlink": (
        "I confirm the link is to be undone",
        "Підтверджую скасування зв’язку",
    ),
    "alerts.reason.same_document": (
        "The same identity document",
        "Той самий документ, що посвідчує особу",
    ),
    "alerts.reason.confirmed_by_person": (
        "The person confirmed it",
        "Особа це підтвердила",
    ),
    "alerts.reason.same_details": (
        "The same personal details on both cases",
        "Ті самі особисті дані в обох справах",
    ),
    "alerts.reason.confirmed_by_agency": (
        "The agency that screened the person confirmed it",
        "Це підтвердила організація, що виявила особу",
    ),
    "alerts.reason.different_persons": ("Different persons", "Різні особи"),
    "alerts.reason.recording_error": (
        "A recording error in one of the cases",
        "Помилка запису в одній зі справ",
    ),
    "alerts.problem": ("There is a problem", "Є проблема"),
    "alerts.error.reason": ("Choose a reason.", "Оберіть причину."),
    "alerts.error.confirm": (
        "Tick the box to confirm.",
        "Позначте поле, щоб підтвердити.",
    ),
    "alerts.error.stale": (
        "Someone has already decided on these two cases: {state}. Nothing was recorded; the "
        "list below shows them as they are now.",
        "Хтось уже ухвалив рішення щодо цих двох справ: {state}. Нічого не записано; нижче "
        "вони такі, як тепер.",
    ),
    "alerts.error.changed": (
        "One of the two cases changed meanwhile. Nothing was recorded: try again.",
        "Одна з двох справ тим часом змінилася. Нічого не записано: спробуйте ще раз.",
    ),
    "alerts.done.linked": (
        "The two cases are linked to one person.",
        "Дві справи пов’язано з однією особою.",
    ),
    "alerts.done.dismissed": ("The alert is dismissed.", "Збіг відхилено."),
    "alerts.done.unlinked": ("The link is undone.", "Зв’язок скасовано."),
    "alerts.open_case": ("Open the case", "Відкрити справу"),
    # the case page
    "alerts.section": ("Possible duplicates", "Можливі дублікати"),
    "alerts.other": ("The other case", "Інша справа"),
    "alerts.decide": ("Decide on the possible duplicates", "Ухвалити рішення щодо дублікатів"),
    "alerts.known": (
        "A person with the same name and date of birth is already known in {region}.",
        "Особа з таким самим ім’ям і датою народження вже відома в області: {region}.",
    ),
    "alerts.known_told": (
        "Supervisors of both regions are told and decide whether it is the same person.",
        "Керівників обох областей повідомлено: вони вирішать, чи це та сама особа.",
    ),
    "alerts.pending": (
        "The check for the same person in other regions runs shortly; supervisors are told "
        "of any match.",
        "Перевірку, чи відома ця особа в інших областях, буде виконано незабаром; про збіг "
        "повідомлять керівників.",
    ),
}
