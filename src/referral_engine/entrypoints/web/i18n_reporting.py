"""The reporting vocabulary's values in the page's language, for the pages (report tables,
charts, the citizenship field): words from the catalogues (`vocab.<vocabulary>.<value>`,
`dimension.<name>`).

Country names come from the CLDR territory names babel ships, in any language, for every
ISO 3166-1 code the domain knows (domain/reporting.py), so no page ever shows a bare code.
"""

from __future__ import annotations

from babel import Locale

from referral_engine.domain.reporting import (
    AGE_BANDS,
    CITIZENSHIP_OTHER,
    COUNTRIES,
    FEEDBACK_REASONS,
    FORMS,
    OUTCOMES,
    RATINGS,
    SEXES,
)
from referral_engine.entrypoints.web.i18n import translator

VOCABULARIES: dict[str, tuple[str, ...]] = {
    "sex": tuple(SEXES),
    "exploitation_forms": tuple(FORMS),
    "age_at_identification": tuple(AGE_BANDS),
    "age_at_exploitation": tuple(AGE_BANDS),
    "child": ("true", "false"),
    "citizenship": (*CITIZENSHIP_OTHER, *COUNTRIES),
    "closure_outcome": tuple(OUTCOMES),
    "follow_up_outcome": tuple(OUTCOMES),
    "feedback_rating": tuple(RATINGS),
    "feedback_reasons": tuple(FEEDBACK_REASONS),
}
"""Dimension -> every value of its reporting vocabulary, in the vocabulary's order."""

_WORDS = {
    "sex": "sex",
    "exploitation_forms": "form",
    "child": "child",
    "citizenship": "citizenship",
    "closure_outcome": "outcome",
    "follow_up_outcome": "outcome",
    "feedback_rating": "rating",
    "feedback_reasons": "reason",
}
"""Dimension -> the catalogue's name of its vocabulary (two outcomes share one list)."""


def reporting_label(dimension: str, value: str, lang: str) -> str:
    """A vocabulary value in `lang`; a value with no label as it is."""
    if value not in VOCABULARIES.get(dimension, ()):
        return value
    t = translator(lang)
    if dimension.startswith("age_"):
        over = value.endswith("+")
        return t("vocab.age.over", low=value[:-1]) if over else t("vocab.age.band", band=value)
    if dimension == "citizenship" and value in COUNTRIES:
        return str(Locale.parse(t.lang).territories.get(value, value))
    return t(f"vocab.{_WORDS[dimension]}.{value}")


def dimension_title(name: str, lang: str) -> str | None:
    """The title of a reportable fact (a report's dimension, a derived fact on a case page)."""
    t = translator(lang)
    return t(f"dimension.{name}") if t.has(f"dimension.{name}") else None


def citizenship_options(lang: str) -> dict[str, str]:
    """The citizenship field's choices in `lang`: stateless and unknown, then every country
    by its name there."""
    said = {c: reporting_label("citizenship", c, lang) for c in VOCABULARIES["citizenship"]}
    countries = sorted(COUNTRIES, key=lambda c: said[c].casefold())
    return {c: said[c] for c in (*CITIZENSHIP_OTHER, *countries)}
