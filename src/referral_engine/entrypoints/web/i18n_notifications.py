"""The notifications' words in English and Ukrainian (merged into `i18n.MESSAGES`): what
happened in a sentence, never the kind's code."""

from __future__ import annotations

NOTIFICATIONS: dict[str, tuple[str, str]] = {
    "nav.notifications": ("Notifications", "Сповіщення"),
    "nt.unread": ("{n} unread", "непрочитаних: {n}"),
    "nt.title": ("Notifications", "Сповіщення"),
    "nt.intro": (
        "What concerns you: referrals for your agency, answers to what you asked, deadlines "
        "that are near or have passed. Newest first.",
        "Те, що стосується вас: перенаправлення до вашої організації, відповіді на ваші запити, "
        "строки, що наближаються або минули. Спершу найновіші.",
    ),
    "nt.show_all": ("Show all", "Показати всі"),
    "nt.show_unread": ("Show unread only", "Показати лише непрочитані"),
    "nt.mark_all": ("Mark all as read", "Позначити всі як прочитані"),
    "nt.mark": ("Mark as read", "Позначити як прочитане"),
    "nt.read": ("Read", "Прочитано"),
    "nt.new": ("New", "Нове"),
    "nt.none": ("Nothing to show.", "Немає що показати."),
    "nt.marked": ("Marked as read.", "Позначено як прочитане."),
    "nt.case": ("Case {ref}", "Справа {ref}"),
    "nt.older": ("Older notifications", "Давніші сповіщення"),
    "nt.newest": ("Newest notifications", "Найновіші сповіщення"),
    "nt.list": ("Your notifications", "Ваші сповіщення"),
    "nt.kind.referral_arrived": (
        "A referral arrived for your agency",
        "До вашої організації надійшло перенаправлення",
    ),
    "nt.kind.referral_answered": (
        "Your referral was answered: {what}",
        "На ваше перенаправлення відповіли: {what}",
    ),
    "nt.kind.request_answered": (
        "What you asked was answered: {what}",
        "На ваш запит відповіли: {what}",
    ),
    "nt.kind.deadline_due": ("Due on {due}: {what}", "Строк до {due}: {what}"),
    "nt.kind.deadline_passed": ("Overdue since {due}: {what}", "Прострочено з {due}: {what}"),
    "nt.kind.deadline_escalated": (
        "Passed unanswered in your region (due on {due}): {what}",
        "У вашій області минув строк без відповіді ({due}): {what}",
    ),
    "error.no_notification": (
        "There is no such notification of yours.",
        "Такого сповіщення серед ваших немає.",
    ),
}
