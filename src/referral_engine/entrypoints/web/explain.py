"""Errors in the reader's language: field problems worded by their stable `code`, domain errors
by their class or `type`, each filled in from the error's own facts (workflow names in the
workflow's words). English is the engine's own text (the API says the same) unless a page needs
other words; a code with no wording here falls back to that text, so nothing is ever hidden."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from referral_engine.domain import errors
from referral_engine.domain.agency_errors import (
    AgencyUnsuitable,
    AgreementMissing,
    NotAddressedAgency,
)
from referral_engine.domain.case_file_errors import CaseFileNotPermitted, DocumentDamaged
from referral_engine.domain.errors import DomainError, FieldProblem
from referral_engine.domain.papers import PaperNotAvailable, PaperNotPermitted
from referral_engine.domain.person_links import PersonAlertClosed
from referral_engine.domain.person_terms import QueryInvalid
from referral_engine.domain.transfer_errors import (
    AssigneeUnsuitable,
    AssignmentRefused,
    TransferNotPossible,
)
from referral_engine.domain.windows import TooLate
from referral_engine.entrypoints.web import agency_words
from referral_engine.entrypoints.web.agency_words import Namer
from referral_engine.entrypoints.web.condition_words import conditions_said
from referral_engine.entrypoints.web.explain_words import (
    AGREEMENT_CONFLICTS,
    ALERT_CLOSED,
    CASE_FILE,
    MOVES,
    NOT_CONFIRMABLE,
    PAPERS,
    QUERY_INVALID,
    REGION_ACTIONS,
)
from referral_engine.entrypoints.web.i18n import Translator
from referral_engine.entrypoints.web.i18n_dates import DATE_PROBLEMS
from referral_engine.entrypoints.web.workflow_text import WorkflowText

FIELD_PROBLEMS: dict[str, tuple[str, str]] = {
    # code: (English, or "" for the engine's own words; Ukrainian)
    "required": ("", "обов'язкове поле"),
    "unknown_field": ("", "це поле не належить до цього кроку"),
    "not_text": ("", "має бути текстом"),
    "blank": ("", "не може бути порожнім"),
    "too_long": ("", "має містити не більше {limit} символів"),
    "date_not_datetime": ("", "має бути датою (РРРР-ММ-ДД), без часу"),
    "date": ("", "має бути датою у форматі РРРР-ММ-ДД"),
    "datetime": ("", "має бути датою й часом ISO-8601 з часовим поясом"),
    "time_zone": ("", "має містити часовий пояс (наприклад, +02:00 або Z)"),
    "not_int": ("", "має бути цілим числом"),
    "below_min": ("", "має бути не менше {min}"),
    "above_max": ("", "має бути не більше {max}"),
    "not_bool": ("", "має бути «так» або «ні»"),
    "not_one_of": ("must be one of: {values}", "має бути одним із значень: {values}"),
    "not_list_of": (
        "must be a non-empty list of: {values}",
        "оберіть хоча б одне зі значень: {values}",
    ),
    "unknown_values": ("", "невідомі значення на позиціях {at}; дозволені: {values}"),
    "repeated": ("", "значення не можуть повторюватися"),
    "not_country": (
        "",
        "має бути кодом країни ISO 3166-1 alpha-2 великими літерами (наприклад, UA), "
        "або stateless (без громадянства), або unknown (невідомо)",
    ),
    "born_after": ("", "дата народження пізніша за {on} ({date})"),
    "after_limit": ("must be on or before {limit}", "має бути не пізніше {limit}"),
    "before_limit": ("must be on or after {limit}", "має бути не раніше {limit}"),
    "not_month": ("", "має бути місяцем (РРРР-ММ)"),
    "not_day": ("", "має бути датою (РРРР-ММ-ДД)"),
    "not_case_id": ("", "не є ідентифікатором справи"),
    "from_after_to": ("", "початок не може бути пізніше кінця"),
    "no_period": ("", "цей показник не має виміру за місяцями, тож період задати не можна"),
    "control_character": ("", "не може містити керівний символ ({character}, позиція {position})"),
    "invisible_character": (
        "",
        "не може містити невидимий символ форматування ({character}, позиція {position})",
    ),
    "lone_surrogate": ("", "не може містити одинокий сурогат ({character}, позиція {position})"),
    "region_code": ("", "має бути кодом області за ISO 3166-2, наприклад UA-32"),
    "unknown_region": ("", "такої області немає в цій процедурі; схожі: {close}"),
    "code": ("", "має бути кодом: латинські малі літери, цифри та дефіс"),
    "unknown_language": ("", "реєстр веде назви лише англійською (en) та українською (uk)"),
    "unknown_agency": ("", "такої організації немає в реєстрі"),
    "value_condition": ("", "значення «{value}» можна обрати лише для справ, де {unmet}"),
    "withheld": (
        "may not be recorded on this case yet: {rule}",
        "поки що не можна зберігати в цій справі: {rule}",
    ),
    "agency_id": (
        "",
        "має бути ідентифікатором зареєстрованої організації (малі латинські літери, цифри, дефіс)",
    ),
    "same_agency": ("", "має бути інша організація"),
    "not_after": ("", "має бути пізніше від дати підписання"),
    "before_signed": ("", "не може бути раніше від дати підписання угоди"),
    "email": (
        "",
        "має бути адресою електронної пошти, наприклад name@example.org (латиниця, без пробілів)",
    ),
    "webhook_url": ("", "має бути адресою http:// або https:// без імені користувача й пароля"),
    "webhook_secret": ("", "має бути whsec_ і від 24 до 64 байтів у base64"),
    "unknown_event_type": ("", "такої події немає в жодній процедурі; схожі: {close}"),
    "same_region": ("", "має бути інша область, ніж та, де справа зараз"),
    "no_file": ("", "оберіть файл для завантаження"),
    **DATE_PROBLEMS,
}

ERRORS: dict[str, tuple[str, str]] = {
    # error class or type: (English, or "" for the engine's own words; Ukrainian)
    "CaseNotFound": ("", "Справу {case_id} не знайдено"),
    "ReferralNotFound": ("", "Направлення {referral_id} не знайдено"),
    "WorkflowNotFound": ("", "Процедуру {workflow_id} не знайдено"),
    "DashboardNotFound": ("", "Показника «{name}» немає"),
    "ReportNotFound": ("", "Звіту «{name}» немає"),
    "PublicationNotFound": ("", "Публікації {publication} немає"),
    "figures-not-reproduced": (
        "",
        "Опубліковані показники {publication} не вдалося відтворити: їх треба перевірити",
    ),
    "ErasureRequestNotFound": ("", "Запиту на стирання {request_id} у ваших регіонах немає"),
    "PersonAlertNotFound": ("", "Можливого збігу цих двох справ у ваших регіонах немає"),
    "person-alert-closed": ("", "Щодо цих двох справ уже вирішено: вони {why}"),
    "not-found": ("", "Не знайдено"),
    "erasure-request-decided": (
        "",
        "Запит на стирання {request_id} уже розглянуто, він більше не очікує рішення",
    ),
    "own-erasure-request": (
        "",
        "Стирання за вашим запитом {request_id} має схвалити інший адміністратор або керівник",
    ),
    "own-stated-date": (
        "",
        "Ви виконали крок версії {version}: його дату має підтвердити інший керівник",
    ),
    "date-not-confirmable": ("", "Крок версії {version} {why}"),
    "illegal-transition": (
        "",
        "Крок «{trigger}» неможливий у стані «{state}»{why}; зараз можливі: {legal}",
    ),
    "too-early": ("", "Крок «{trigger}» дозволено не раніше {earliest_on} (відлік від {after})"),
    "too-late": (
        "",
        "Крок «{trigger}» можна було виконати лише до {latest_on}: строк сплив, коли стало "
        "можливим «{closed_by}»",
    ),
    "forbidden-role": ("", "Роль «{role}» не може виконати крок «{trigger}»; можуть: {allowed}"),
    "forbidden-region": ("", "Ви не можете {action} «{region}»"),
    "condition-not-met": (
        "The step “{trigger}” is only for cases where {wanted}",
        "Крок «{trigger}» можливий лише для справ, де {wanted}",
    ),
    "not-receiving-agency": (
        "",
        "Крок «{trigger}» може виконати лише установа, що приймає («{receiving_agency}»), "
        "а не «{agency}»",
    ),
    "precondition-missing": ("", "Для кроку «{trigger}» спершу потрібно: {missing}"),
    "version-conflict": (
        "",
        "Очікувалася версія справи {expected}, але справа вже у версії {current}",
    ),
    "idempotency-key-reused": (
        "This form was already sent with other values (from another tab, or after going back), "
        "so nothing new was recorded. Check the queue before sending this fresh form again.",
        "Цю форму вже надсилали з іншими значеннями (з іншої вкладки або після повернення "
        "назад), тому нічого нового не записано. Перевірте чергу, перш ніж надіслати цю нову "
        "форму ще раз.",
    ),
    "personal-data-erased": (
        "The personal data of this case was erased on request; personal fields cannot be "
        "recorded on it again: {fields}",
        "Особисті дані цієї справи стерто на вимогу; особисті поля більше не можна записати: "
        "{fields}",
    ),
    "personal-data-erased-retry": (
        "The personal data of this case was erased on request; a retried request that carried "
        "personal fields can no longer be matched to its first answer, and nothing was "
        "recorded: {fields}",
        "Особисті дані цієї справи стерто на вимогу; повторний запит з особистими полями вже "
        "не можна зіставити з першою відповіддю, тож нічого не записано: {fields}",
    ),
    "validation": (
        "Some values are missing or not valid: {problems}",
        "Деякі значення відсутні або неприпустимі: {problems}",
    ),
    "migration-refused": ("", "Справу {case_id} не можна перевести на нову версію: {problems}"),
    "invalid-workflow": ("", "Файл процедури {source} містить помилки: {problems}"),
    "user-exists": ("", "Користувач з таким іменем уже існує"),
    "import-mapping-invalid": (
        "",
        "Файл відповідності не підходить до процедури або до файлу реєстру: {problems}",
    ),
    "import-row-refused": ("", "Рядок реєстру не можна імпортувати: {problems}"),
    "register-unreadable": ("", "Файл реєстру не вдається прочитати: {reason}"),
    "AgencyNotFound": ("", "Організації «{agency}» немає в реєстрі"),
    "AgreementNotFound": ("", "Організація «{agency}» не має угоди «{agreement}»"),
    "NotificationNotFound": ("", "Сповіщення {notification_id} серед ваших немає"),
    "agency-exists": ("", "Організацію «{agency}» уже зареєстровано"),
    "agreement-conflict": ("", "Угода «{agreement}» організації «{agency}» {why}"),
    "SubscriptionNotFound": ("", "Підписки на вебхуки {subscription} немає"),
    "DeliveryNotFound": ("", "Підписка {subscription} не має доставки {delivery}"),
    "agency-unsuitable": (
        "{named} {why}. Agencies that fit: {candidates}.",
        "{named} {why}. Підходять: {candidates}.",
    ),
    "agreement-missing": (
        "{named} has no co-operation agreement in force on {on} with {whom} for the service "
        "“{service}”. Record the agreement in the agency registry, or choose another agency.",
        "{named} не має чинної на {on} угоди про співпрацю з {whom} щодо послуги «{service}». "
        "Запишіть угоду в реєстрі організацій або оберіть іншу організацію.",
    ),
    "not-addressed-agency": (
        "Only {named}, to which the step “{by_trigger}” sent the case, may take the step "
        "“{trigger}”.",
        "Крок «{trigger}» може виконати лише {named}: саме туди справу надіслано кроком "
        "«{by_trigger}».",
    ),
    "query-invalid": ("", "Пошук {why}"),
    "transfer-not-possible": ("", "Передати справу зараз не можна: {why}"),
    "assignment-refused": ("", "Призначення не змінено: {why}"),
    "assignee-unsuitable": ("", "Користувача «{user}» не можна призначити: {why}"),
    "PaperNotFound": ("", "У процедурі цієї справи немає документа «{paper}» для друку"),
    "paper-not-available": (
        "This paper cannot be printed for the case now: {why}.",
        "Цей документ зараз не можна надрукувати для справи: {why}.",
    ),
    "paper-not-permitted": (
        "You may not print this paper: {why}.",
        "Ви не можете надрукувати цей документ: {why}.",
    ),
    "case-file-not-permitted": ("", "Додати примітку чи документ не можна: {why}"),
    "document-too-large": (
        "The document is larger than {limit_mb} MB, the most accepted.",
        "Документ більший за {limit_mb} МБ — найбільший допустимий розмір.",
    ),
    "document-type-refused": (
        "Only PDF, JPEG and PNG documents are accepted, and this file's content is none of them "
        "(whatever its name says).",
        "Приймаються лише документи PDF, JPEG і PNG, а вміст цього файлу не такий (хоч би як "
        "його було названо).",
    ),
    "document-damaged": ("", "Файл не вдається прочитати: {why}"),
    "DocumentNotFound": ("", "Документа {document_id} у цій справі немає"),
    "document-erased": (
        "This document was erased with the case's personal data: it can no longer be read.",
        "Документ стерто разом з особистими даними справи: його більше не можна прочитати.",
    ),
    "domain-error": ("", "Цю дію неможливо виконати"),
}
MOVING_STEPS = frozenset(
    {"request_transfer", "accept_transfer", "refuse_transfer", "withdraw_transfer", "assign"}
)
"""The engine's transfer and assignment commands, as a refused role names them."""


def field_problem(problem: FieldProblem, t: Translator, text: WorkflowText | None = None) -> str:
    """One field's problem, as shown next to it."""
    english, other = FIELD_PROBLEMS.get(problem.code, ("", ""))
    template = other if t.lang != "en" else english
    if not template:
        return problem.message
    facts = {k: _listed(v, text) if k == "values" else v for k, v in problem.params.items()}
    if problem.code == "value_condition":  # a value allowed only for some cases
        facts["value"] = text.value(str(facts["value"])) if text else facts["value"]
        facts["unmet"] = conditions_said(problem.params.get("unmet", ()), t, text)
    close = problem.params.get("close")
    if isinstance(close, tuple | list):  # regions near what was typed, named in this language
        said = text.region if text else str
        facts["close"] = ", ".join(f"{c} ({said(c)})" for c in close)
    if problem.code in ("date_after_field", "date_before_field"):  # the other field's label
        against = str(problem.params.get("against", ""))
        facts["against"] = text.data_title(against) if text else against
        facts["when"] = f" ({problem.params['on']})" if "on" in problem.params else ""
    return _filled(template, facts, problem.message)


def labelled(problem: FieldProblem, t: Translator, text: WorkflowText | None) -> str:
    """Where a problem lies, as the page names it: a field by its label, the case's region as
    the form does."""
    name = problem.path.removeprefix("data.")
    if problem.path == "region":
        return t("region")
    if text is None or name == problem.path:
        return problem.path
    return text.data_title(name)


def error(
    exc: DomainError,
    t: Translator,
    text: WorkflowText | None = None,
    agencies: Namer | None = None,
) -> str:
    """A domain error as a sentence for the page (agencies named by `agencies`, the registry's
    names in the page's language, where the error does not carry them)."""
    key = exc.type + ("-retry" if getattr(exc, "retry", False) else "")
    english, other = ERRORS.get(type(exc).__name__) or ERRORS.get(key, ("", ""))
    template = other if t.lang != "en" else english
    if not template:
        return str(exc)
    return _filled(template, _facts(exc, t, text, agencies), str(exc))


def _facts(
    exc: DomainError, t: Translator, text: WorkflowText | None, agencies: Namer | None = None
) -> dict[str, Any]:
    """The error's attributes, with workflow names in the workflow's words."""
    facts: dict[str, Any] = dict(vars(exc))
    if isinstance(exc, AgencyUnsuitable | AgreementMissing | NotAddressedAgency):
        facts.update(agency_words.facts(exc, t, text, agencies))
    if facts.get("trigger") in MOVING_STEPS:  # the engine's own commands, in the page's words
        facts["trigger"] = t(f"move.{facts['trigger']}")
    elif text is not None and isinstance(facts.get("trigger"), str):
        facts["trigger"] = text.step(facts["trigger"])
    if isinstance(exc, errors.IllegalTransition):
        facts["state"] = text.state(exc.state) if text else exc.state
        steps = [text.step(s) if text else s for s in exc.legal_triggers]
        facts["legal"] = ", ".join(steps) or t("none")
        facts["why"] = f" ({exc.rule})" if exc.rule else ""  # the law refusing it there
    if isinstance(exc, errors.PersonalDataErased) and text is not None:
        facts["fields"] = ", ".join(text.data_title(name) for name in exc.fields)
    if isinstance(exc, errors.RoleNotAllowed):
        facts["allowed"] = ", ".join(exc.allowed_roles)
    if isinstance(exc, errors.DateNotConfirmable):
        facts["why"] = NOT_CONFIRMABLE[exc.code] if t.lang != "en" else exc.WHY[exc.code]
    if isinstance(exc, errors.AgreementConflict):
        facts["why"] = AGREEMENT_CONFLICTS[exc.code] if t.lang != "en" else exc.WHY[exc.code]
    if isinstance(exc, PersonAlertClosed):
        facts["why"] = ALERT_CLOSED[exc.code] if t.lang != "en" else exc.WHY[exc.code]
    if isinstance(exc, QueryInvalid):
        facts["why"] = QUERY_INVALID[exc.code].format(limit=exc.limit)
    if isinstance(exc, TransferNotPossible | AssignmentRefused | AssigneeUnsuitable):
        facts["why"] = MOVES[exc.code] if t.lang != "en" else exc.WHY[exc.code]
    if isinstance(exc, PaperNotAvailable | PaperNotPermitted):
        facts["why"] = _paper_why(exc, t, text)
    if isinstance(exc, CaseFileNotPermitted | DocumentDamaged):
        facts["why"] = CASE_FILE[exc.code] if t.lang != "en" else exc.WHY[exc.code]
    if isinstance(exc, errors.RegionNotAllowed):
        facts["action"] = REGION_ACTIONS.get(exc.action, exc.action)
    if isinstance(exc, errors.ConditionNotMet):
        facts["wanted"] = conditions_said(exc.unmet, t, text)
    if isinstance(exc, TooLate) and text is not None:
        facts["closed_by"] = text.step(exc.closed_by)
    if isinstance(exc, errors.InvalidData):  # each field by its label, as beside the field
        facts["problems"] = "; ".join(
            f"{labelled(p, t, text)}: {field_problem(p, t, text)}" for p in exc.problems
        )
    if isinstance(exc, errors.RowRefused):
        facts["problems"] = "; ".join(f"{column or '—'}: {p}" for column, p in exc.problems)
    for name in ("missing", "fields", "problems"):
        if isinstance(facts.get(name), tuple):
            facts[name] = ", ".join(facts[name])
    return facts


def _paper_why(
    exc: PaperNotAvailable | PaperNotPermitted, t: Translator, text: WorkflowText | None
) -> str:
    """Why a paper is refused, its steps and fields in the workflow's words."""
    template = PAPERS[exc.code][0 if t.lang == "en" else 1]
    if isinstance(exc, PaperNotAvailable):
        events = [text.event(e) if text else e for e in exc.events]
        return template.format(
            events=", ".join(f"«{e}»" if t.lang != "en" else f"“{e}”" for e in events)
        )
    fields = [text.data_title(f) if text else f for f in exc.fields]
    return template.format(fields=", ".join(fields))


def _listed(values: object, text: WorkflowText | None) -> str:
    if isinstance(values, str) or not isinstance(values, Iterable):
        return str(values)
    names = [str(v) for v in values]
    return text.values(names) if text else ", ".join(names)


def _filled(template: str, facts: dict[str, Any], fallback: str) -> str:
    try:
        return template.format(**facts)
    except (KeyError, IndexError, ValueError):  # a fact this error lacks: say it as it is
        return fallback
