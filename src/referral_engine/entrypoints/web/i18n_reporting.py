"""The reporting vocabulary's values in words: {dimension: {value: (English, Ukrainian)}}.

PLACEHOLDER: only sex and the age bands; the full file (forms of exploitation, citizenship with
every ISO country) replaces it at merge.
"""

from __future__ import annotations

AGE_BANDS = ("0-11", "12-14", "15-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65+")

REPORTING_LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "sex": {
        "female": ("Female", "Жінка"),
        "male": ("Male", "Чоловік"),
        "other_unknown": ("Other or unknown", "Інша або невідома"),
    },
    "age_group": {
        band: (f"{band} years", f"{band} років")
        if band != "65+"
        else ("65 and over", "65 і більше")
        for band in AGE_BANDS
    },
}
