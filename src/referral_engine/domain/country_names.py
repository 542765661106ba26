"""A country named in free text, as its ISO 3166-1 alpha-2 code: the text matched whole against
countries' names in some languages, given as data (the names themselves are read outside the
domain: workflows/country_names.py). Both sides are folded the same way: case folded, every
apostrophe written as `'`, `ё` as `е`, spaces collapsed, a final full stop dropped; a name two
countries share matches neither. Text naming no country, or more than one, matches nothing."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

APOSTROPHES = re.compile("[\u2019\u02bc\u2018\u0060\u00b4\u02b9\u2032\uff07]")
"""Typographic apostrophes, the modifier letter (Ukrainian `ʼ`), backtick, acute and prime."""
SPACES = re.compile(r"\s+")


def folded(text: str) -> str:
    """The text as names are compared."""
    text = APOSTROPHES.sub("'", text.casefold()).replace("ё", "е")
    return SPACES.sub(" ", text).strip().rstrip(".").strip()


def name_index(tables: Iterable[Mapping[str, str]], codes: Iterable[str]) -> dict[str, str]:
    """Each folded name to its code, from tables of code -> name (one per language), for the
    codes given only; a name given to two codes is left out."""
    wanted = set(codes)
    found: dict[str, set[str]] = {}
    for table in tables:
        for code, name in table.items():
            if code in wanted and name:
                found.setdefault(folded(name), set()).add(code)
    return {name: next(iter(c)) for name, c in sorted(found.items()) if len(c) == 1}


def country_named(text: str, index: Mapping[str, str]) -> str:
    """The code of the country `text` names, or "" for none."""
    return index.get(folded(text), "")
