"""The generalisation hierarchies of the HTCDS fields an anonymised export may take as
quasi-identifiers: each level a coarser value of the one below, up to `*` (nothing said).

- a country (`prs_Citizenship`, `hte_Country`): code -> M49 sub-region -> M49 region -> `*`;
- an age band (`vic_AgeAtEntryIntoTrafficking`): the reporting band (0-11 .. 65+) -> a broad
  band (0-17, 18-34, 35-54, 55+) -> child or adult (0-17, 18+) -> `*`;
- a year (a date field, exported as its year): year -> five-year period (`2020/2024`, an ISO 8601
  interval of years) -> `*`;
- the forms of exploitation (a multiselect): the forms -> each as forced labour, sexual
  exploitation or other (`ForcedLabour;Other`) -> `*`;
- any other field: value -> `*`.
A value not recorded (empty) stays empty below the top, where everything is `*`, or the field's
own "not specified" value where its picklist has one (`UNSPECIFIED`): then the generalised file
keeps to the picklist.
"""

from __future__ import annotations

from collections.abc import Callable

from referral_engine.domain.htcds import FIELDS
from referral_engine.domain.m49 import REGION, SUBREGION

ANY = "*"
Level = Callable[[str], str]

BROAD_AGE = {
    "0-11": "0-17",
    "12-14": "0-17",
    "15-17": "0-17",
    "18-24": "18-34",
    "25-34": "18-34",
    "35-44": "35-54",
    "45-54": "35-54",
    "55-64": "55+",
    "65+": "55+",
}
UNSPECIFIED = {"prs_Gender": "NonSpecifiedUnknown"}
"""The top of a field whose picklist has a value saying nothing: the gender's "Not
Specified/Unknown" (the toolkit's XLSForm, v1.0+). No other field a quasi-identifier may be has
one: the countries are ISO 3166 codes only, the forms of exploitation have `Other` (a form, not
an unknown one), the age and the dates are a number and a date, generalised to bands and years."""
BROAD_FORMS = {"ForcedLabour": "ForcedLabour", "SexualExploitation": "SexualExploitation"}
"""Every other form of exploitation generalises to `Other`."""


def _kept(value: str) -> str:
    return value


def _any(value: str) -> str:
    return ANY


def _blank_kept(level: Level) -> Level:
    return lambda value: value if value == "" else level(value)


def _subregion(code: str) -> str:
    return SUBREGION.get(code, code)


def _region(code: str) -> str:
    sub = SUBREGION.get(code)
    return REGION[sub] if sub is not None else code


def _broad_age(band: str) -> str:
    return BROAD_AGE.get(band, band)


def _child_or_adult(band: str) -> str:
    broad = BROAD_AGE.get(band)
    if broad is None:
        return band
    return broad if broad == "0-17" else "18+"


def _period(year: str) -> str:
    if not year.isdigit():
        return year
    start = int(year) - int(year) % 5
    return f"{start}/{start + 4}"


def _broad_forms(forms: str) -> str:
    broad = {BROAD_FORMS.get(f, "Other") for f in forms.split(";")}
    return ";".join(sorted(broad, key=("ForcedLabour", "SexualExploitation", "Other").index))


def hierarchy(column: str) -> tuple[Level, ...]:
    """The levels of one HTCDS field, from the value as recorded (level 0) to `*`."""
    kind = FIELDS[column].kind
    if kind == "country":
        steps: tuple[Level, ...] = (_subregion, _region)
    elif column == "vic_AgeAtEntryIntoTrafficking":
        steps = (_broad_age, _child_or_adult)
    elif kind == "date":
        steps = (_period,)
    elif kind == "multiselect":
        steps = (_broad_forms,)
    else:
        steps = ()
    unspecified = UNSPECIFIED.get(column)
    top: Level = _any if unspecified is None else (lambda value: unspecified)
    return (_kept, *(_blank_kept(s) for s in steps), top)


def describe(column: str, level: int) -> str:
    """A level in words, for the export's report."""
    kind = FIELDS[column].kind
    names: tuple[str, ...]
    if kind == "country":
        names = ("country", "M49 sub-region", "M49 region")
    elif column == "vic_AgeAtEntryIntoTrafficking":
        names = ("age band", "broad age band", "child or adult")
    elif kind == "date":
        names = ("year", "five-year period")
    elif kind == "multiselect":
        names = ("as recorded", "labour, sexual or other")
    else:
        names = ("as recorded",)
    if level < len(names):
        return names[level]
    unspecified = UNSPECIFIED.get(column)
    return "suppressed (*)" if unspecified is None else f"not specified ({unspecified})"
