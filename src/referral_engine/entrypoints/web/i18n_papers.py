"""Printing papers on the pages, in English and Ukrainian (merged into `i18n.MESSAGES`)."""

from __future__ import annotations

PAPERS: dict[str, tuple[str, str]] = {
    "papers.title": ("Print", "Друк"),
    "papers.none": (
        "Nothing of this case is for your role to print.",
        "Вашій ролі нічого з цієї справи друкувати не належить.",
    ),
    "papers.pdf": ("PDF", "PDF"),
    "papers.back": ("Back to the case", "Назад до справи"),
    "papers.print": ("Print", "Надрукувати"),
    "papers.download": ("Download PDF", "Завантажити PDF"),
    "papers.issued_in": (
        "This paper is issued in {language} only.",
        "Цей документ видається лише такою мовою: {language}.",
    ),
}
