"""A workflow's mapping to the HTCDS (its file's `htcds:` block, docs/workflows.md "HTCDS
export"), and one case's record folded from its events with it: the standard's fields and values,
nothing personal (the block may name no personal field; dates are kept to their year).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from referral_engine.domain.htcds import FIELDS

OPENED = "$opened"
"""In a `steps` map or `dates`: the opening of the case (domain/workflow.OPENED)."""
OTHER = "$other"
"""In a `states` map: every state not named."""


@dataclass(frozen=True)
class FieldMap:
    """An HTCDS field read from a workflow field; `values` maps its values (`""`: not recorded,
    a value not mapped is taken as it is)."""

    field: str
    values: Mapping[str, str] = dataclasses.field(default_factory=dict)


@dataclass(frozen=True)
class HtcdsMapping:
    """What of a case each HTCDS field says: a workflow field (`fields`), the latest of some
    milestones or events (`steps`, `$opened` for the opening), the case's state (`states`), the
    day of a step (`dates`: its first occurrence, exported as its year) or a constant."""

    fields: Mapping[str, FieldMap] = dataclasses.field(default_factory=dict)
    steps: Mapping[str, Mapping[str, str]] = dataclasses.field(default_factory=dict)
    states: Mapping[str, Mapping[str, str]] = dataclasses.field(default_factory=dict)
    dates: Mapping[str, str] = dataclasses.field(default_factory=dict)
    constants: Mapping[str, str] = dataclasses.field(default_factory=dict)

    @property
    def columns(self) -> frozenset[str]:
        """Every HTCDS field the mapping fills."""
        return frozenset([*self.fields, *self.steps, *self.states, *self.dates, *self.constants])


class CaseRecord:
    """One case's HTCDS values, folded event by event in log order (each event with the mapping
    of the workflow version it was recorded under; the latest value of a field wins)."""

    __slots__ = ("_dates", "mapping", "opened_on", "state", "values")

    def __init__(self) -> None:
        self.values: dict[str, str] = {}
        self._dates: dict[str, date] = {}
        self.opened_on: date | None = None
        self.state: str | None = None
        self.mapping: HtcdsMapping | None = None

    def fold(
        self,
        mapping: HtcdsMapping,
        *,
        name: str,
        milestones: Iterable[str],
        opened: bool,
        to_state: str | None,
        on: date,
        data: Mapping[str, Any],
    ) -> None:
        """Fold one event: its data's mapped fields, the steps and dates it marks, its state."""
        self.mapping = mapping
        if opened:
            self.opened_on = on
        if to_state:
            self.state = to_state
        for column, fm in mapping.fields.items():
            if fm.field in data:
                self.values[column] = _mapped(column, fm, data[fm.field])
        marks = [*((OPENED,) if opened else ()), *sorted(milestones), name]
        for column, by in mapping.steps.items():
            for mark in marks:
                if mark in by:
                    self.values[column] = by[mark]
        for column, mark in mapping.dates.items():
            if column not in self._dates and mark in marks:
                self._dates[column] = on

    def record(self) -> dict[str, str]:
        """The case's values: its state's and the constants by its latest mapping, dates as
        years."""
        found = dict(self.values)
        mapping = self.mapping or HtcdsMapping()
        for column, by in mapping.states.items():
            value = by.get(self.state or "", by.get(OTHER))
            if value is not None:
                found[column] = value
        for column, on in self._dates.items():
            found[column] = str(on.year)
        found.update(mapping.constants)
        return {k: v for k, v in found.items() if v != ""}


def _mapped(column: str, fm: FieldMap, value: Any) -> str:
    """A recorded value as the standard's: a list joined with `;` in the picklist's order."""
    if isinstance(value, list):
        parts = {fm.values.get(str(v), str(v)) for v in value} - {""}
        known = FIELDS[column].values
        return ";".join(sorted(parts, key=lambda p: (known.index(p) if p in known else 99, p)))
    key = str(value).lower() if isinstance(value, bool) else str(value)
    return fm.values.get(key, key) if value is not None else ""
