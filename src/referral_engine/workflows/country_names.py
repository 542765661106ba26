"""Countries' names as a workflow's derived facts match them (domain/country_names.py): the
CLDR territory names Babel ships, in Ukrainian, English and Russian, for every ISO 3166-1 code
the engine knows (domain/reporting.COUNTRIES). Read once per process."""

from __future__ import annotations

from functools import cache

from babel import Locale

from referral_engine.domain.country_names import name_index
from referral_engine.domain.reporting import COUNTRIES

LANGUAGES = ("uk", "en", "ru")


@cache
def country_index() -> dict[str, str]:
    """Each folded name, in any of the languages, to its code."""
    tables = [dict(Locale.parse(lang).territories) for lang in LANGUAGES]
    return name_index(tables, COUNTRIES)
