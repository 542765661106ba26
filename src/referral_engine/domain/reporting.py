"""The engine-wide reporting vocabulary: the coded, non-personal facts official statistics are
cut by (sex, citizenship, forms of exploitation, age bands), the same for every workflow.

Each workflow maps its own fields and values to these (`reporting.fields` in its file); read
models only ever see the vocabulary's values.
"""

from __future__ import annotations

from datetime import date

SEXES = ("female", "male", "other_unknown")

AGE_BANDS = ("0-11", "12-14", "15-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65+")
CHILD_BANDS = AGE_BANDS[:3]
"""The bands of a child (under 18)."""
_BAND_STARTS = (0, 12, 15, 18, 25, 35, 45, 55, 65)

FORMS = (
    "labour",
    "sexual",
    "begging",
    "criminal_activity",
    "organ_removal",
    "armed_conflict",
    "child_sale",
    "mixed",
    "other",
    "domestic_servitude",
    "unknown",
)
"""Forms of exploitation: the Ukrainian Ministry of Social Policy's categories, then the UK's
`domestic_servitude` and `unknown`. Several forms of one person are counted as `mixed`."""

# fmt: off
COUNTRIES = (
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX",
    "AZ", "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ",
    "BR", "BS", "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK",
    "CL", "CM", "CN", "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM",
    "DO", "DZ", "EC", "EE", "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR",
    "GA", "GB", "GD", "GE", "GF", "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS",
    "GT", "GU", "GW", "GY", "HK", "HM", "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN",
    "IO", "IQ", "IR", "IS", "IT", "JE", "JM", "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN",
    "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC", "LI", "LK", "LR", "LS", "LT", "LU", "LV",
    "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK", "ML", "MM", "MN", "MO", "MP", "MQ",
    "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA", "NC", "NE", "NF", "NG", "NI",
    "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG", "PH", "PK", "PL", "PM",
    "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW", "SA", "SB", "SC",
    "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS", "ST", "SV",
    "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO", "TR",
    "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI",
    "VN", "VU", "WF", "WS", "YE", "YT", "ZA", "ZM", "ZW",
)
# fmt: on
"""ISO 3166-1 alpha-2: the 249 officially assigned codes."""

CITIZENSHIP_OTHER = ("stateless", "unknown")
CITIZENSHIPS = COUNTRIES + CITIZENSHIP_OTHER

OUTCOMES = (
    "living_independently",
    "employed",
    "in_education_or_training",
    "returned_to_family",
    "in_other_support",
    "moved_abroad",
    "lost_contact",
    "other",
)
"""Where a person stands at the closure of their case and at each follow-up after it: the same
list for both, so that a follow-up can be compared with the closure."""

RATINGS = ("very_poor", "poor", "fair", "good", "very_good")
"""The person's rating of one service, from worst to best."""

FEEDBACK_REASONS = (
    "timely",
    "met_needs",
    "respectful",
    "understood_language",
    "easy_to_reach",
    "delayed",
    "needs_not_met",
    "disrespectful",
    "language_barrier",
    "hard_to_reach",
    "other",
)
"""Why the person rated a service as they did (several may apply): what went well, then what
did not."""

VOCABULARY: dict[str, tuple[str, ...]] = {
    "sex": SEXES,
    "citizenship": CITIZENSHIPS,
    "exploitation_forms": FORMS,
    "age_at_identification": AGE_BANDS,
    "age_at_exploitation": AGE_BANDS,
    "closure_outcome": OUTCOMES,
    "follow_up_outcome": OUTCOMES,
    "feedback_rating": RATINGS,
    "feedback_reasons": FEEDBACK_REASONS,
}
"""Report field -> the values it may hold (report fields not listed keep the workflow's own)."""


def age(born: date, on: date) -> int:
    """Exact age in whole years on `on` (someone born on 29 February turns a year older on
    1 March in a common year)."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def age_band(born: date, on: date) -> str:
    """The age band of a person born on `born`, on the day `on`."""
    years = age(born, on)
    if years < 0:
        raise ValueError(f"born {born.isoformat()}, after {on.isoformat()}")
    return next(
        b for b, start in zip(AGE_BANDS[::-1], _BAND_STARTS[::-1], strict=True) if years >= start
    )
