"""The import page's words in English and Ukrainian (merged into `i18n.MESSAGES`), and the
Ukrainian wording of the import's frequent row problems (the importer says them in English)."""

from __future__ import annotations

import re

IMPORTS: dict[str, tuple[str, str]] = {
    "nav.imports": ("Import", "Імпорт"),
    "error.no_import_access": (
        "Only admins may import registers.",
        "Імпортувати реєстри можуть лише адміністратори.",
    ),
    "error.file_too_large": (
        "The file is larger than the server accepts ({mb} MB), so nothing was imported. Split "
        "the register into smaller files and import each.",
        "Файл більший, ніж приймає сервер ({mb} МБ), тому нічого не імпортовано. Розділіть "
        "реєстр на менші файли й імпортуйте кожен.",
    ),
    "imp.title": ("Import a past register", "Імпорт реєстру минулих років"),
    "imp.intro": (
        "Each row becomes a case dated by the row's own dates. A row that cannot be imported is "
        "listed with its problem; the other rows go in. Importing the same file again adds "
        "nothing.",
        "Кожен рядок стає справою з датами, узятими з самого рядка. Рядок, який не можна "
        "імпортувати, буде наведено з його проблемою; інші рядки буде імпортовано. Повторний "
        "імпорт того самого файлу нічого не додає.",
    ),
    "imp.file": ("Register (.csv or .xlsx)", "Реєстр (.csv або .xlsx)"),
    "imp.mapping": ("Mapping of its columns (.yaml)", "Відповідність стовпців (.yaml)"),
    "imp.mapping.help": (
        "Which column holds which field, and which steps lead to each state (docs/import.md).",
        "Який стовпець містить яке поле і які кроки ведуть до кожного стану (docs/import.md).",
    ),
    "imp.workflow": ("Workflow", "Процедура"),
    "imp.region": ("Region of every row", "Область усіх рядків"),
    "imp.region.any": ("As each row says", "Як зазначено в кожному рядку"),
    "imp.dry_run": (
        "Only check the rows, import nothing",
        "Лише перевірити рядки, нічого не імпортувати",
    ),
    "imp.submit": ("Send the register", "Надіслати реєстр"),
    "imp.wait": (
        "A large register takes a while (about ten seconds for 10,000 rows).",
        "Великий реєстр обробляється довше (близько десяти секунд на 10 000 рядків).",
    ),
    "imp.not_done": ("Nothing was imported.", "Нічого не імпортовано."),
    "imp.report": ("Report", "Звіт"),
    "imp.report.dry": (
        "Check only: nothing was imported",
        "Лише перевірка: нічого не імпортовано",
    ),
    "imp.report.file": (
        "{file}: {rows} rows, as the register “{register}”",
        "{file}: рядків — {rows}, як реєстр «{register}»",
    ),
    "imp.count.imported": ("Imported", "Імпортовано"),
    "imp.count.imported.dry": ("Would be imported", "Буде імпортовано"),
    "imp.count.unchanged": (
        "Already imported, unchanged",
        "Уже імпортовано, без змін",
    ),
    "imp.count.changed": (
        "Already imported, but the row now differs (case left as it is)",
        "Уже імпортовано, але рядок тепер інший (справу не змінено)",
    ),
    "imp.count.erased": (
        "Already imported, personal data erased since (not imported again)",
        "Уже імпортовано, особисті дані відтоді стерто (повторно не імпортується)",
    ),
    "imp.count.refused": ("Not imported: a problem in the row", "Не імпортовано: помилка в рядку"),
    "imp.count.refused.dry": (
        "Would not be imported: a problem in the row",
        "Не буде імпортовано: помилка в рядку",
    ),
    "imp.rows": ("Rows not imported", "Рядки, яких не імпортовано"),
    "imp.rows.none": ("None.", "Немає."),
    "imp.rows.capped": (
        "The first {shown} of {total} problems; the CSV file holds them all.",
        "Перші {shown} з {total} проблем; CSV-файл містить усі.",
    ),
    "imp.download": ("Every problem as CSV", "Усі проблеми у CSV"),
    "imp.row": ("Row", "Рядок"),
    "imp.row_id": ("Row id", "Ідентифікатор рядка"),
    "imp.column": ("Column", "Стовпець"),
    "imp.problem": ("Problem", "Проблема"),
    "imp.whole_row": ("the whole row", "увесь рядок"),
    "imp.outcome.changed": ("differs, left as it is", "відрізняється, не змінено"),
    "imp.outcome.erased": ("personal data erased", "особисті дані стерто"),
}

PROBLEMS_UK: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), words)
    for pattern, words in (
        (r"^is required$", "обов'язкове поле"),
        (
            r"^is required: the row's id in the register.*$",
            "обов'язкове поле: ідентифікатор рядка в реєстрі, один рядок до 200 символів",
        ),
        (r"^must be one of: (.*)$", r"має бути одним із значень: \1"),
        (r"^is not a date in the form (\S+)(.*)$", r"не є датою у формі \1\2"),
        (r"^unknown state (.*); the mapping knows: (.*)$", r"невідомий стан \1; відомі: \2"),
        (r"^unknown region (.*)$", r"невідома область \1"),
        (r"^unknown (\w+) (.*)$", r"невідоме значення (\1) \2"),
        (
            r"^the same id as row (\d+): each row needs its own$",
            r"той самий ідентифікатор, що й у рядку \1: кожен рядок має мати власний",
        ),
        (
            r"^must not contain an invisible formatting character \((\S+) at position (\d+)\)$",
            r"не може містити невидимий символ форматування (\1, позиція \2)",
        ),
        (
            r"^must not contain a control character \((\S+) at position (\d+)\)$",
            r"не може містити керівний символ (\1, позиція \2)",
        ),
        (r"^is empty: it dates the step (.*)$", r"порожнє: це дата кроку \1"),
        (
            r"^the step (.*): must not be before the previous step, (.*)$",
            r"крок \1: не може бути раніше за попередній крок, \2",
        ),
        (
            r"^differs from its case as imported \((.*)\); the case is left as it is$",
            r"відрізняється від справи, як її імпортовано (\1); справу не змінено",
        ),
        (
            r"^its case's personal data was erased after the import: not imported again$",
            "особисті дані цієї справи стерто після імпорту: повторно не імпортується",
        ),
    )
)
"""The importer's frequent problems (application/importing.py, domain/imports.py) in Ukrainian;
a problem none of these matches is shown as the importer says it."""
