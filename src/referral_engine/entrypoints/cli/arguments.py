"""The text check (domain/text.py) on the command line: every argument and option value, before
any command runs, so a command added later is covered without remembering it."""

from __future__ import annotations

from collections.abc import Sequence

from referral_engine.domain.text import shown_safely, text_problem

FREE_TEXT_OPTIONS = frozenset({"--reason"})
"""Options taking free text, which may also hold tab and line breaks."""


def refused_argument(argv: Sequence[str]) -> str | None:
    """Why a word of the command line cannot be accepted, naming its option or its place (None:
    every word is acceptable). An undecodable byte arrives as a lone surrogate and is refused."""
    for i, word in enumerate(argv):
        option, _, attached = word.partition("=") if word.startswith("--") else ("", "", "")
        value = attached if option and attached else word
        before = argv[i - 1] if i else ""
        owner = option or (before if before.startswith("-") and "=" not in before else "")
        found = text_problem(value, free_text=owner in FREE_TEXT_OPTIONS)
        if found is not None:
            return f"{shown_safely(owner) or f'argument {i + 1}'}: {found.message}"
    return None
