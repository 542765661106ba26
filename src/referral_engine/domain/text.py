"""What no string entering the engine may hold: one check, two strengths.

A *name* (an identifier, a code, a region, an agency, a trigger, a query value, a header) may hold
no NUL, no lone surrogate, no other control character (Unicode category Cc), no invisible
formatting character (Cf: zero-width spaces and joiners, bidirectional marks, embeddings,
overrides and isolates, the byte order mark, the soft hyphen, tags...) and no line or paragraph
separator (Zl, Zp). *Free text* (notes, reasons) may also hold tab, carriage return and line feed.

Why these: PostgreSQL refuses NUL in text (one such value stopped every read model), a lone
surrogate cannot be encoded as UTF-8 (a 500 wherever it is written or shown), and the invisible
ones make two values that look the same differ (`shelter-kyiv` with a zero-width space is another
agency) or make a value read backwards (U+202E) on a page, in a CSV or in a terminal.

Categories are decided by the running Python's Unicode database, but only for the categories
above, which Unicode keeps stable; unassigned code points are left alone so that whether a value
is accepted does not depend on the Python version. Values are never normalised (NFC/NFKC) here:
the engine stores what was sent, and every comparison that decides something (a region code, an
enum value, a trigger, a workflow id) is against a declared ASCII value, so a look-alike or a
differently composed value is refused as unknown instead of being silently made equal.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
FREE_TEXT_ALLOWED = frozenset("\t\r\n")
_CODES = {"Cc": "control_character", "Cs": "lone_surrogate"}


@dataclass(frozen=True)
class TextProblem:
    """What is wrong with a string: a stable code, an English message, the character (as
    U+XXXX, never the value itself, which may be personal) and its position."""

    code: str
    character: str
    position: int

    @property
    def message(self) -> str:
        what = {
            "control_character": "a control character",
            "lone_surrogate": "a lone surrogate (not a character)",
        }.get(self.code, "an invisible formatting character")
        return f"must not contain {what} ({self.character} at position {self.position})"

    @property
    def params(self) -> dict[str, object]:
        return {"character": self.character, "position": self.position}


def text_problem(value: str, *, free_text: bool = False) -> TextProblem | None:
    """The first character `value` may not hold (None: it is acceptable); `free_text` also
    allows tab, carriage return and line feed."""
    if value.isprintable():  # the common case, without a loop in Python: every refused
        return None  # category is one `isprintable` refuses (Cyrillic names took the loop)
    for position, char in enumerate(value):
        category = unicodedata.category(char)
        if category in REFUSED_CATEGORIES and not (free_text and char in FREE_TEXT_ALLOWED):
            code = _CODES.get(category, "invisible_character")
            return TextProblem(code, f"U+{ord(char):04X}", position)
    return None


def shown_safely(value: str) -> str:
    """`value` with every character a name may not hold written as an escape (`\\u202e`), for
    echoing a refused value (a field path, a key) in a message that must stay printable."""
    if text_problem(value) is None:
        return value
    return "".join(
        _escaped(c) if unicodedata.category(c) in REFUSED_CATEGORIES else c for c in value
    )


def _escaped(char: str) -> str:
    return f"\\u{ord(char):04x}" if ord(char) <= 0xFFFF else f"\\U{ord(char):08x}"
