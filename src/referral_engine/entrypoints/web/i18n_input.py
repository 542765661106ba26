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
}
