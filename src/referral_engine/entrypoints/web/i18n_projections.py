"""The read-model page's words in English and Ukrainian (merged into `i18n.MESSAGES`)."""

from __future__ import annotations

PROJECTIONS: dict[str, tuple[str, str]] = {
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
    "proj.behind": ("behind", "відстає"),
    "proj.parked": ("Set aside", "Відкладені"),
    "proj.parked.none": ("none", "немає"),
    "proj.parked.one": ("{n} event set aside", "{n} подію відкладено"),
    "proj.parked.few": ("{n} events set aside", "{n} події відкладено"),
    "proj.parked.many": ("{n} events set aside", "{n} подій відкладено"),
    "proj.parked.help": (
        "Events this read model could not fold: it went on without them. An operator lists "
        "them with `referral-engine projections parked` and folds them again after a fix "
        "with `referral-engine projections retry`.",
        "Події, які ця модель читання не змогла врахувати: вона працює далі без них. "
        "Оператор переглядає їх командою `referral-engine projections parked` і після "
        "виправлення враховує знову командою `referral-engine projections retry`.",
    ),
}
