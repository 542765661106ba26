"""The reporting vocabulary's values in English and Ukrainian, for the pages (report tables,
charts, the citizenship field): {dimension: {value: (English, Ukrainian)}}.

Country names come from the CLDR territory names babel ships, for every ISO 3166-1 code the
domain knows (domain/reporting.py), so no page ever shows a bare code.
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

_SEX = {
    "female": ("Female", "Жіноча"),
    "male": ("Male", "Чоловіча"),
    "other_unknown": ("Other or unknown", "Інша або невідома"),
}
_FORMS = {
    "labour": ("Labour exploitation", "Трудова експлуатація"),
    "sexual": ("Sexual exploitation", "Сексуальна експлуатація"),
    "begging": ("Forced begging", "Примушування до жебракування"),
    "criminal_activity": ("Criminal activity", "Залучення до злочинної діяльності"),
    "organ_removal": ("Organ removal", "Вилучення органів"),
    "armed_conflict": ("Use in armed conflict", "Використання у збройному конфлікті"),
    "child_sale": ("Sale of a child", "Продаж дитини"),
    "mixed": ("Mixed forms", "Змішані форми"),
    "other": ("Other", "Інше"),
    "domestic_servitude": ("Domestic servitude", "Домашнє підневільне становище"),
    "unknown": ("Unknown", "Невідомо"),
}
_OUTCOMES = {
    "living_independently": ("Living independently", "Живе самостійно"),
    "employed": ("Employed", "Працює"),
    "in_education_or_training": ("In education or training", "Навчається або проходить підготовку"),
    "returned_to_family": ("Returned to family", "Повернулася до родини"),
    "in_other_support": ("In other support", "Отримує іншу підтримку"),
    "moved_abroad": ("Moved abroad", "Виїхала за кордон"),
    "lost_contact": ("Contact lost", "Зв'язок втрачено"),
    "other": ("Other", "Інше"),
}
_RATINGS = {
    "very_poor": ("Very poor", "Дуже погано"),
    "poor": ("Poor", "Погано"),
    "fair": ("Fair", "Задовільно"),
    "good": ("Good", "Добре"),
    "very_good": ("Very good", "Дуже добре"),
}
_REASONS = {
    "timely": ("Timely", "Вчасно"),
    "met_needs": ("Met the person's needs", "Відповідала потребам"),
    "respectful": ("Respectful", "Шанобливе ставлення"),
    "understood_language": ("In a language understood", "Зрозумілою мовою"),
    "easy_to_reach": ("Easy to reach", "Легко дістатися"),
    "delayed": ("Delayed", "Із запізненням"),
    "needs_not_met": ("Needs not met", "Не відповідала потребам"),
    "disrespectful": ("Disrespectful", "Неповажне ставлення"),
    "language_barrier": ("Language barrier", "Мовний бар'єр"),
    "hard_to_reach": ("Hard to reach", "Важко дістатися"),
    "other": ("Other", "Інше"),
}
_CITIZENSHIP_OTHER = {
    "stateless": ("Stateless", "Без громадянства"),
    "unknown": ("Unknown", "Невідомо"),
}


def _age(band: str) -> tuple[str, str]:
    if band.endswith("+"):
        return f"{band[:-1]} and over", f"{band[:-1]} і старше"
    return f"{band} years", f"{band} років"


def _countries() -> dict[str, tuple[str, str]]:
    en, uk = Locale("en").territories, Locale("uk").territories
    return {code: (en[code], uk[code]) for code in COUNTRIES}


AGE_LABELS = {band: _age(band) for band in AGE_BANDS}
CITIZENSHIP_LABELS = _countries() | {c: _CITIZENSHIP_OTHER[c] for c in CITIZENSHIP_OTHER}

REPORTING_LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "sex": {s: _SEX[s] for s in SEXES},
    "exploitation_forms": {f: _FORMS[f] for f in FORMS},
    "age_at_identification": AGE_LABELS,
    "age_at_exploitation": AGE_LABELS,
    "child": {"true": ("Child", "Дитина"), "false": ("Adult", "Доросла особа")},
    "citizenship": CITIZENSHIP_LABELS,
    "closure_outcome": {o: _OUTCOMES[o] for o in OUTCOMES},
    "follow_up_outcome": {o: _OUTCOMES[o] for o in OUTCOMES},
    "feedback_rating": {r: _RATINGS[r] for r in RATINGS},
    "feedback_reasons": {r: _REASONS[r] for r in FEEDBACK_REASONS},
}
"""Dimension -> value -> (English, Ukrainian) for every value of the reporting vocabulary."""


DIMENSIONS: dict[str, tuple[str, str]] = {
    "sex": ("Sex", "Стать"),
    "citizenship": ("Citizenship", "Громадянство"),
    "exploitation_forms": ("Form of exploitation", "Форма експлуатації"),
    "age_at_identification": ("Age group at identification", "Вікова група під час виявлення"),
    "age_at_exploitation": ("Age group at exploitation", "Вікова група на початку експлуатації"),
    "child": ("Child or adult", "Дитина чи доросла особа"),
    "screening_actor": ("First responder", "Хто виявив"),
    "indicators": ("Indicators", "Індикатори"),
    "closure_outcome": ("Where the person stood at closure", "Становище особи під час закриття"),
    "follow_up_outcome": (
        "Where the person stood at follow-up",
        "Становище особи під час супроводу",
    ),
    "feedback_rating": ("Rating of the service", "Оцінка послуги"),
    "feedback_reasons": ("Reasons given", "Названі причини"),
}
"""The title of each reportable fact (a report's dimension, a derived fact on a case page)."""


def citizenship_options(lang: str) -> dict[str, str]:
    """The citizenship field's choices in `lang`: stateless and unknown, then every country
    by its name there."""
    i = 1 if lang == "uk" else 0
    countries = sorted(COUNTRIES, key=lambda c: CITIZENSHIP_LABELS[c][i].casefold())
    return {c: CITIZENSHIP_LABELS[c][i] for c in (*CITIZENSHIP_OTHER, *countries)}


def reporting_label(dimension: str, value: str, lang: str) -> str:
    """A vocabulary value in `lang` (`en` or `uk`); a value with no label as it is."""
    found = REPORTING_LABELS.get(dimension, {}).get(value)
    return value if found is None else found[1 if lang == "uk" else 0]
