"""Regions: ISO 3166-2 codes from the workflow's registry (its `regions:` block), with their names
in each language; a case's region must be one of them. A case moves to another region only by
an accepted transfer, as the workflow's `transfers:` block allows (domain/transfers.py)."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass

from referral_engine.domain.errors import FieldProblem, InvalidData
from referral_engine.domain.fields import FieldSpec
from referral_engine.domain.text import text_problem

CODE = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}$")
"""An ISO 3166-2 subdivision code: the country's alpha-2 code, a hyphen, up to three letters or
digits (UA-32, GB-ENG)."""
DEFAULT_LANGUAGE = "en"
TRANSFER_NOTE = FieldSpec("transfer_note", "text", pii=True, title="Note")
"""A transfer's optional note: free text, so personal (sealed with the case's key)."""


@dataclass(frozen=True)
class TransferSpec:
    """Transfers between regions (`transfers:`): who requests them in the case's region, who
    answers them in the receiving one, and the reasons each may give (domain/transfers.py)."""

    requested_by: frozenset[str]
    answered_by: frozenset[str]
    reasons: tuple[str, ...]
    refusal_reasons: tuple[str, ...]


@dataclass(frozen=True)
class Region:
    """One region of a workflow's registry: its ISO 3166-2 code and its name per language."""

    code: str
    names: Mapping[str, str]

    def name(self, language: str) -> str:
        """The region's name in `language`, else in English, else its code."""
        return self.names.get(language) or self.names.get(DEFAULT_LANGUAGE) or self.code


def check_region(value: object, regions: Mapping[str, Region]) -> str:
    """The region a case is opened in: a code of the workflow's registry (`regions`), or, for a
    workflow that declares none, a well-formed ISO 3166-2 code; InvalidData naming close matches."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidData([FieldProblem("region", "is required", "required")])
    if (found := text_problem(value)) is not None:
        raise InvalidData([FieldProblem("region", found.message, found.code, found.params)])
    code = value.strip()
    if code in regions or (not regions and CODE.match(code)):
        return code
    if not regions:
        problem = "must be an ISO 3166-2 region code such as UA-32"
        raise InvalidData([FieldProblem("region", problem, "region_code")])
    close = close_matches(code, regions)
    if close:
        named = ", ".join(f"{r.code} ({r.name(DEFAULT_LANGUAGE)})" for r in close)
        problem = f"is not a region of this workflow; close matches: {named}"
    else:
        problem = "is not a region of this workflow (an ISO 3166-2 code such as UA-32)"
    params = {"close": tuple(r.code for r in close)}
    raise InvalidData([FieldProblem("region", problem, "unknown_region", params)])


def close_matches(value: str, regions: Mapping[str, Region], n: int = 3) -> list[Region]:
    """The regions whose code or a name looks like `value` (`Kyivska`: Kyiv Oblast, Kyiv)."""
    wanted = value.casefold()
    keys: dict[str, str] = {}
    for region in regions.values():
        for said in (region.code, *region.names.values()):
            keys.setdefault(said.casefold(), region.code)
    found = [keys[k] for k in difflib.get_close_matches(wanted, keys, n=n, cutoff=0.6)]
    stem = wanted[:4]
    if len(stem) == 4:  # a name written another way (Kyivska, Kyiv Oblast): its first letters
        found += [
            code for key, code in keys.items() if any(w.startswith(stem) for w in key.split())
        ]
    return [regions[code] for code in dict.fromkeys(found)][:n]
