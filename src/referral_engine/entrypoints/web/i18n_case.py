"""The case page as a person's file, one step at a time, in English and Ukrainian (merged into
`i18n.MESSAGES`); the engine's own roles by name."""

from __future__ import annotations

CASE: dict[str, tuple[str, str]] = {
    "case.reference": ("Case {ref}", "Справа {ref}"),
    "case.status": ("Status", "Стан"),
    "case.assigned": ("Assigned to", "Відповідальний працівник"),
    "case.unassigned": ("Nobody yet", "Ще нікого"),
    "case.application": ("Application", "Заява"),
    "case.not_applied": ("Not registered yet", "Ще не зареєстровано"),
    "case.applied_today": ("Registered today ({on})", "Зареєстровано сьогодні ({on})"),
    "case.applied_ago.one": ("{n} day ago", "{n} день тому"),
    "case.applied_ago.few": ("{n} days ago", "{n} дні тому"),
    "case.applied_ago.many": ("{n} days ago", "{n} днів тому"),
    "case.next_deadline": ("Next deadline", "Найближчий строк"),
    "case.no_deadline": ("None running", "Немає"),
    "case.due_today": ("due today", "спливає сьогодні"),
    "case.due_in.one": ("due in {n} day", "спливає через {n} день"),
    "case.due_in.few": ("due in {n} days", "спливає через {n} дні"),
    "case.due_in.many": ("due in {n} days", "спливає через {n} днів"),
    "case.overdue_by.one": ("overdue by {n} day", "прострочено на {n} день"),
    "case.overdue_by.few": ("overdue by {n} days", "прострочено на {n} дні"),
    "case.overdue_by.many": ("overdue by {n} days", "прострочено на {n} днів"),
    "case.about": (
        "{workflow}, version {version} of the case · last recorded {at}",
        "{workflow}, версія справи {version} · останній запис {at}",
    ),
    "case.change_steps": ("Change what is recorded", "Змінити записане"),
    "case.change": ("Change: {step}", "Змінити: {step}"),
    "case.other_actions": ("Other actions", "Інші дії"),
    "case.other_actions_hint": (
        "These end or undo something. You will be asked to confirm before anything is recorded.",
        "Ці дії щось завершують або скасовують. Перш ніж щось записати, вас попросять підтвердити.",
    ),
    "case.step_unavailable": (
        "That step cannot be taken on this case now. The steps open to you are listed under "
        "“Next steps”.",
        "Цей крок зараз неможливий для цієї справи. Доступні вам кроки перелічено в розділі "
        "«Наступні кроки».",
    ),
    "case.back": ("Back to the case", "Назад до справи"),
    "case.cancel": ("Cancel", "Скасувати"),
    "case.for_referral": ("Referral: {referral}", "Перенаправлення: {referral}"),
    "case.confirm_title": ("Check before you continue", "Перевірте, перш ніж продовжити"),
    "case.confirm_hint": (
        "This step ends or undoes something on the case. It is recorded only when you tick "
        "the box.",
        "Цей крок щось завершує або скасовує у справі. Його буде записано, лише якщо ви "
        "позначите поле.",
    ),
    "case.confirm_label": ("I confirm: {step}", "Підтверджую: {step}"),
    "case.confirm_error": (
        "Tick the box to confirm: {step}",
        "Позначте поле, щоб підтвердити: {step}",
    ),
    "case.problem": ("There is a problem", "Виникла проблема"),
    "case.services": ("Referrals and services", "Перенаправлення та послуги"),
    "case.sent_on": ("sent on {on}", "надіслано {on}"),
    "case.assistance": ("Assistance delivered", "Надана допомога"),
    "case.no_assistance": ("No assistance recorded yet", "Допомогу ще не записано"),
    "case.referral_steps": ("Steps", "Кроки"),
    "case.latest": ("Latest steps", "Останні кроки"),
    "problem.enter": ("Enter {label}", "Заповніть поле «{label}»"),
    "problem.select": ("Select {label}", "Оберіть значення поля «{label}»"),
    "problem.field": ("{label} {problem}", "Поле «{label}» {problem}"),
    "problem.about": ("{label}: {problem}", "«{label}»: {problem}"),
    # the engine's own roles (a workflow's roles are named by the workflow)
    "role.supervisor": ("Supervisor", "Керівник"),
    "role.admin": ("Administrator", "Адміністратор"),
    "role.analyst": ("Analyst", "Аналітик"),
    "role.statistician": ("Statistician", "Статистик"),
}
