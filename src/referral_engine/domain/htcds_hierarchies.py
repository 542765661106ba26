"""The generalisation hierarchies of the HTCDS fields an anonymised export may take as
quasi-identifiers. Every level writes only what the standard's field can hold (docs/htcds.md,
"Anonymisation"): a value of its picklist, a value of its type (a number of years, a year), or an
empty cell; nothing the standard has no field or value for (no age band, no region of the world,
no period of years, no `*`).

- level 0: the value as recorded;
- the forms of exploitation (a multiselect) only: each form as `ForcedLabour`,
  `SexualExploitation` or `Other` (`ForcedLabour;Other`), values of its picklist still;
- rare values withheld: a value (of the level below) that fewer than k records of the export hold
  in that column is written as the field's top (local suppression of the cell, the same for every
  record holding it);
- the top: every value withheld, written as the picklist's own "not specified" value where it has
  one (`HtcdsField.unknown`: the gender's `NonSpecifiedUnknown`), else as an empty cell.

A value not recorded (empty) stays empty below the top. The rare level depends on the export's
records and k, so a hierarchy is made for the values at hand (`hierarchy(column, values, k)`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable

from referral_engine.domain.htcds import FIELDS

Level = Callable[[str], str]

BROAD_FORMS = {"ForcedLabour": "ForcedLabour", "SexualExploitation": "SexualExploitation"}
"""Every other form of exploitation generalises to `Other`."""
BROAD_ORDER = ("ForcedLabour", "SexualExploitation", "Other")


def _kept(value: str) -> str:
    return value


def _broad_forms(forms: str) -> str:
    if forms == "":
        return ""
    broad = {BROAD_FORMS.get(f, "Other") for f in forms.split(";")}
    return ";".join(sorted(broad, key=BROAD_ORDER.index))


def top(column: str) -> str:
    """What a value generalised away is written as: the picklist's "not specified" value, or an
    empty cell."""
    return FIELDS[column].unknown


def hierarchy(column: str, values: Iterable[str] = (), k: int = 1) -> tuple[Level, ...]:
    """The levels of one HTCDS field, from the value as recorded (level 0) to the top, the rare
    values among `values` (the column of the export's records) withheld for k."""
    steps: tuple[Level, ...] = (_kept,)
    if FIELDS[column].kind == "multiselect":
        steps += (_broad_forms,)
    below = steps[-1]
    counts = Counter(below(v) for v in values)
    withheld = top(column)

    def rare(value: str) -> str:
        general = below(value)
        return general if general == "" or counts[general] >= k else withheld

    return (*steps, rare, lambda value: withheld)


def describe(column: str, level: int) -> str:
    """A level in words, for the export's report."""
    names: tuple[str, ...] = ("as recorded",)
    if FIELDS[column].kind == "multiselect":
        names += ("labour, sexual or other",)
    written = top(column) or "empty"
    names += (f"rare values withheld ({written})", f"withheld ({written})")
    return names[min(level, len(names) - 1)]
