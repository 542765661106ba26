"""The one check of what a string entering the engine may hold (domain/text.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from referral_engine.domain.text import shown_safely, text_problem

REFUSED = {
    "\x00": "control_character",  # NUL: PostgreSQL refuses it in text
    "\x1b": "control_character",  # ESC: terminal escape sequences
    "\x7f": "control_character",
    "\x85": "control_character",  # C1 next line
    "\ud800": "lone_surrogate",  # what JSON's "\ud800" decodes to
    "\u200b": "invisible_character",  # zero-width space
    "\u200d": "invisible_character",  # zero-width joiner
    "\u200e": "invisible_character",  # left-to-right mark
    "\u202e": "invisible_character",  # right-to-left override
    "\u2066": "invisible_character",  # left-to-right isolate
    "\u00ad": "invisible_character",  # soft hyphen
    "\ufeff": "invisible_character",  # byte order mark
    "\U000e0041": "invisible_character",  # tag latin capital letter A
    "\u2028": "invisible_character",  # line separator
}


@pytest.mark.parametrize(("char", "code"), REFUSED.items(), ids=[hex(ord(c)) for c in REFUSED])
def test_a_name_refuses_controls_surrogates_and_invisible_formatting(char: str, code: str) -> None:
    found = text_problem(f"shelter{char}kyiv")
    assert found is not None
    assert (found.code, found.position) == (code, 7)
    assert found.character == f"U+{ord(char):04X}"
    assert char not in found.message  # the message names the character, never holds it


@pytest.mark.parametrize("char", REFUSED)
def test_free_text_refuses_them_too(char: str) -> None:
    assert text_problem(f"note{char}", free_text=True) is not None


def test_an_undecodable_command_line_byte_is_a_lone_surrogate() -> None:
    found = text_problem(b"agency\xff".decode("utf-8", "surrogateescape"))
    assert found is not None and found.code == "lone_surrogate"


def test_free_text_allows_tab_and_line_breaks_a_name_does_not() -> None:
    note = "first line\r\n\tsecond line\n"
    assert text_problem(note, free_text=True) is None
    found = text_problem(note)
    assert found is not None and found.code == "control_character" and found.position == 10


@pytest.mark.parametrize(
    "value",
    [
        "shelter-kyiv",
        "Київська область",
        "Мар\u02bcяна",  # the Ukrainian apostrophe is a letter (Lm), not formatting
        "Zoë Ødegård",
        "Ze\u0301",  # a combining accent (Mn) is kept: values are never normalised
        "日本語",
        "\u00a0non-breaking space",
        "\U0001f600",
        "",
    ],
)
def test_ordinary_text_in_any_script_is_accepted(value: str) -> None:
    assert text_problem(value) is None


@given(st.text(st.characters(exclude_categories=("Cc", "Cf", "Cs", "Zl", "Zp"))))
def test_nothing_outside_the_refused_categories_is_refused(value: str) -> None:
    assert text_problem(value) is None


def test_a_refused_value_is_shown_escaped_and_printable() -> None:
    assert shown_safely("a\x00b\ud800c\u202e\U000e0041") == "a\\u0000b\\ud800c\\u202e\\U000e0041"
    assert shown_safely("Київ") == "Київ"
    shown_safely("\ud800").encode("utf-8")  # no lone surrogate left
