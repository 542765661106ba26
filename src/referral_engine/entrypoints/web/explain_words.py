"""The refusals' words beside their codes (web/explain.py words them): why a paper, a note or
a document, a search, a transfer, an agreement or an alert was refused, in Ukrainian (English from
the exception's own words), and the paper refusals in both languages."""

from __future__ import annotations

PAPERS: dict[str, tuple[str, str]] = {
    # PaperNotAvailable and PaperNotPermitted codes: (English, Ukrainian)
    "not_yet": (
        "it is printed only after one of these steps: {events}",
        "його друкують лише після одного з кроків: {events}",
    ),
    "ended": (
        "it is no longer issued since this step: {events}",
        "його більше не видають після кроку: {events}",
    ),
    "erased": (
        "the personal data it prints was erased",
        "особисті дані, які він містить, стерто",
    ),
    "personal": (
        "your role may not read personal data it prints: {fields}",
        "ваша роль не може читати особисті дані, які він містить: {fields}",
    ),
    "referrals": (
        "you see this case only through its referrals to your agency",
        "ви бачите цю справу лише через її перенаправлення до вашої організації",
    ),
}
CASE_FILE: dict[str, str] = {
    # CaseFileNotPermitted and DocumentDamaged codes: their Ukrainian words
    "not_working": "це роблять лише ті, хто працює зі справою",
    "not_reader": "ваша роль не читає особисті дані справи, а примітки й документи — це вони",
    "empty": "він порожній",
    "pdf": "він починається як PDF, але його будова пошкоджена або обірвана",
    "jpeg": "він починається як зображення JPEG, але його будова пошкоджена або обірвана",
    "png": "він починається як зображення PNG, але його будова пошкоджена або обірвана",
}
QUERY_INVALID: dict[str, str] = {
    # QueryInvalid.code: its Ukrainian words
    "empty": "не має за чим шукати: напишіть щонайменше дві літери імені чи прізвища, дату "
    "народження, телефон або номер документа",
    "too-long": "довший за {limit} символів",
    "character": "містить символ, якого не може бути в тексті",
}
MOVES: dict[str, str] = {
    # TransferNotPossible, AssignmentRefused and AssigneeUnsuitable codes: their Ukrainian words
    "undeclared": "процедура справи не передбачає передавання між областями",
    "pending": "запит на передавання цієї справи вже очікує відповіді",
    "none": "жоден запит на передавання цієї справи не очікує відповіді",
    "receiving": "справа ще в іншій області, доки її передавання не прийнято",
    "taken": "справу призначено іншому працівникові: перепризначає лише керівник",
    "unchanged": "справу вже так призначено",
    "unknown": "такого активного користувача немає",
    "cannot_work": "він не може працювати з цією справою (інша область або роль без доступу)",
}
AGREEMENT_CONFLICTS: dict[str, str] = {
    # AgreementConflict.code: its Ukrainian words
    "exists": "уже записана",
    "ended": "уже припинена",
}
NOT_CONFIRMABLE: dict[str, str] = {
    # DateNotConfirmable.code: its Ukrainian words
    "not-a-step": "не є кроком цієї справи",
    "not-backdated": "не записано пізніше від дня, коли його зроблено: підтверджувати нічого",
    "confirmed": "уже має підтверджену дату",
    "no-guard": "не стримує жодного наступного кроку: підтверджувати нічого",
}
ALERT_CLOSED: dict[str, str] = {
    # PersonAlertClosed.code: its Ukrainian words
    "linked": "уже пов’язані з однією особою",
    "dismissed": "мали збіг, який уже відхилено",
    "unlinked": "мали зв’язок, який уже скасовано",
    "open": "не пов’язані: їхній можливий збіг ще не розглянуто",
}
REGION_ACTIONS: dict[str, str] = {
    # RegionNotAllowed.action: its Ukrainian words
    "open cases in": "відкривати справи в області",
    "see the deadlines of": "переглядати строки області",
    "answer transfers into": "відповідати на передавання справ до області",
}
