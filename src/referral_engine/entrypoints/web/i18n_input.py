"""The catalogue's words about what may be typed (web/i18n.py merges them): text refused for a
character it may not hold, regions."""

from __future__ import annotations

INPUT_MESSAGES: dict[str, tuple[str, str]] = {
    "regions.all": ("all regions", "усі області"),
    "error.bad_text": (
        "The form's value '{field}' holds a character that cannot be accepted ({character} at "
        "position {position}): control and invisible formatting characters are refused. "
        "Go back, retype the value and send the form again.",
        "Значення форми «{field}» містить символ, який не можна прийняти ({character}, позиція "
        "{position}): керівні й невидимі символи форматування не приймаються. Поверніться, "
        "введіть значення ще раз і надішліть форму знову.",
    ),
    "error.too_long_name": (
        "The form names a step or a referral in more than {limit} characters, which none is "
        "named in: go back to the page and send its form again.",
        "Форма називає крок чи перенаправлення довше ніж {limit} символів, а таких назв не "
        "буває: поверніться на сторінку й надішліть її форму ще раз.",
    ),
}
