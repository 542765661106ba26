"""The inbox pages in English and Ukrainian (merged into `i18n.MESSAGES`)."""

from __future__ import annotations

INBOX: dict[str, tuple[str, str]] = {
    "nav.inbox": ("Inbox", "Вхідні"),
    "error.no_inbox_access": (
        "Analysts, statisticians and admins have no inbox: it holds what an agency is asked to "
        "answer.",
        "Аналітики, статистики й адміністратори не мають вхідних: там те, на що має відповісти "
        "організація.",
    ),
    "inbox.title": ("Inbox", "Вхідні"),
    "inbox.intro": (
        "What was sent to your agency for its answer, in your regions.",
        "Те, що надіслано вашій організації для відповіді, у ваших областях.",
    ),
    "inbox.intro_named": (
        "What was sent to {agency} for its answer, in your regions.",
        "Те, що надіслано організації «{agency}» для відповіді, у ваших областях.",
    ),
    "inbox.waiting": ("Waiting for your answer", "Чекають на вашу відповідь"),
    "inbox.none_waiting": (
        "Nothing is waiting for your answer.",
        "Ніщо не чекає на вашу відповідь.",
    ),
    "inbox.in_progress": (
        "Accepted: assistance not completed yet",
        "Прийняті: допомогу ще не завершено",
    ),
    "inbox.none_in_progress": (
        "No accepted referral is waiting for its assistance to be recorded.",
        "Немає прийнятих перенаправлень, допомогу за якими ще треба зафіксувати.",
    ),
    "inbox.what": ("What", "Що"),
    "inbox.referral_for": ("Referral: {service}", "Перенаправлення: {service}"),
    "inbox.sent_on": ("Sent on", "Надіслано"),
    "inbox.accepted_on": ("Accepted on", "Прийнято"),
    "inbox.action": ("Action", "Дія"),
    "inbox.answer": ("Answer", "Відповісти"),
    "inbox.record": ("Record assistance", "Зафіксувати допомогу"),
    "inbox.answered": (
        "Your answer is recorded (case {case}).",
        "Вашу відповідь записано (справа {case}).",
    ),
    "inbox.truncated": (
        "Only the first items are shown: answer these to see the others.",
        "Показано лише перші записи: дайте відповідь на них, щоб побачити решту.",
    ),
    "inbox.conflict": (
        "Your answer was not recorded: the item below is as it is now. Answer again if it still "
        "waits for your answer.",
        "Вашу відповідь не записано: нижче — те, що є зараз. Дайте відповідь ще раз, якщо на неї "
        "досі чекають.",
    ),
    "inbox.conflict_changes": (
        "Recorded since you opened it:",
        "Записано відтоді, як ви відкрили сторінку:",
    ),
    "inbox.back": ("Back to the inbox", "Назад до вхідних"),
    "inbox.open_case": ("Open the case page", "Відкрити сторінку справи"),
    "inbox.your_answer": ("Your answer", "Ваша відповідь"),
    "inbox.nothing_left": (
        "Nothing is left for you to answer here: it may have been answered meanwhile.",
        "Тут вам більше нема на що відповідати: можливо, відповідь уже дали.",
    ),
}
