"""Dates that make sense (domain/date_rules.py) in the pages' words: each refusal's code, in
English and Ukrainian, filled from its facts (`against`: the other field, named by its label;
`when`: its value, when it may be shown)."""

from __future__ import annotations

DATE_PROBLEMS: dict[str, tuple[str, str]] = {
    # code: (English, Ukrainian)
    "date_in_future": (
        "must not be in the future (later than {on})",
        "не може бути в майбутньому (пізніше за {on})",
    ),
    "date_after_opened": (
        "must not be later than {on}, the day the case was opened",
        "не може бути пізніше за {on}, день відкриття справи",
    ),
    "date_after_field": (
        "must not be later than “{against}”{when}",
        "не може бути пізніше за «{against}»{when}",
    ),
    "date_in_past": (
        "must not be in the past (earlier than {on})",
        "не може бути в минулому (раніше за {on})",
    ),
    "date_before_opened": (
        "must not be earlier than {on}, the day the case was opened",
        "не може бути раніше за {on}, день відкриття справи",
    ),
    "date_before_field": (
        "must not be earlier than “{against}”{when}",
        "не може бути раніше за «{against}»{when}",
    ),
    "birth_date_child": (
        "the person is recorded as a child, so the date of birth must be less than 18 years "
        "before {on}, the day the case was opened (it makes them {age})",
        "особу записано як дитину, тож дата народження має бути менш ніж за 18 років до {on}, "
        "дня відкриття справи (за нею особі {age})",
    ),
    "birth_date_adult": (
        "the person is recorded as an adult, so the date of birth must be at least 18 years "
        "before {on}, the day the case was opened (it makes them {age})",
        "особу записано як дорослу, тож дата народження має бути щонайменше за 18 років до {on}, "
        "дня відкриття справи (за нею особі {age})",
    ),
}
