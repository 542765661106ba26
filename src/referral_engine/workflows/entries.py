"""Checks of what a workflow file lets into the engine: every string in it (no control or
invisible formatting character, domain/text.py) and its registry of regions (`regions:`)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from referral_engine.domain.text import shown_safely, text_problem
from referral_engine.workflows.model import WorkflowModel

REGION_LANGUAGES = ("en", "uk")
"""The languages every region needs a name in: the pages' own (web/i18n.py)."""


def text_problems(document: Any, path: str = "") -> list[str]:
    """Every string of a decoded document (keys and values) holding a character it may not, as
    `path: problem`; values may hold tab and line breaks (descriptions are written over lines)."""
    problems: list[str] = []
    if isinstance(document, dict):
        for key, value in document.items():
            here = f"{path}.{shown_safely(str(key))}" if path else shown_safely(str(key))
            if isinstance(key, str) and (found := text_problem(key)) is not None:
                problems.append(f"{here}: the key {found.message}")
            problems += text_problems(value, here)
    elif isinstance(document, list):
        for i, value in enumerate(document):
            problems += text_problems(value, f"{path}[{i}]")
    elif isinstance(document, str) and (found := text_problem(document, free_text=True)):
        problems.append(f"{path or '(top)'}: {found.message}")
    return problems


def region_problems(model: WorkflowModel) -> list[str]:
    """Each code once; a name, one line, in each of REGION_LANGUAGES."""
    problems: list[str] = []
    seen = Counter(r.code for r in model.regions)
    for i, region in enumerate(model.regions):
        where = f"regions[{i}]"
        if seen[region.code] > 1:
            problems.append(f"{where}.code: '{region.code}' is declared more than once")
        for language in REGION_LANGUAGES:
            if not region.names.get(language, "").strip():
                problems.append(f"{where}.names: needs a name in '{language}'")
        for language, name in region.names.items():
            if (found := text_problem(name)) is not None:
                problems.append(f"{where}.names.{language}: {found.message}")
    return problems
