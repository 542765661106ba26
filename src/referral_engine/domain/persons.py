"""Who the person of a case is, as far as search and duplicate alerts need to know: the personal
fields a workflow names in its `persons:` block (names, date of birth, phones, numbers) and the
clear search terms each value gives (domain/person_terms.py).

Pure. The terms are never stored or shown as they are: the blind index keeps only keyed hashes of
them (adapters/blind_index.py), so a database dump holds no name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Any

from referral_engine.domain import person_terms


@dataclass(frozen=True)
class PersonFields:
    """The fields of a workflow that identify its person, by what they hold."""

    names: tuple[str, ...] = ()
    birth_date: str | None = None
    phones: tuple[str, ...] = ()
    numbers: tuple[str, ...] = ()
    phone_country: str = ""

    @cached_property
    def fields(self) -> frozenset[str]:
        birth = (self.birth_date,) if self.birth_date else ()
        return frozenset((*self.names, *birth, *self.phones, *self.numbers))

    def terms(self, field: str, value: Any) -> frozenset[str]:
        """The clear search terms of one recorded value of `field` (none for a value that is
        not text, such as an erased one)."""
        if field == self.birth_date:
            if isinstance(value, date | str):
                try:
                    return person_terms.birth_date_terms(value)
                except ValueError:
                    return frozenset()
            return frozenset()
        if not isinstance(value, str) or not value:
            return frozenset()
        if field in self.names:
            return person_terms.name_terms(value)
        if field in self.phones:
            return person_terms.phone_terms(value, self.phone_country or "380")
        if field in self.numbers:
            return person_terms.number_terms(value)
        return frozenset()

    def recorded(self, data: Mapping[str, Any]) -> list[str]:
        """The fields of `data` that identify the person, in a stable order."""
        return sorted(f for f in data if f in self.fields)
