"""How a past register's columns become a case: the mapping file of an import, checked against
the workflow before any row is read (docs/import.md).

A mapping names the register (its row ids are unique within it), the column holding each row's
id, for each column the field it fills (with a map from the register's words to the field's
values, and a date format) or the date it gives the steps, the column saying how far each row's
case went (its words mapped to workflow states), and for each of those states the steps that lead
there from the opening, each dated by a date column, with constant data where the register records
nothing (`$name` stands for a date column's value). Every step of every path is checked here: legal
from the state before it, its required fields given by a column or a constant, each column's field
taken by some step.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from dataclasses import field as declared
from typing import Any

from referral_engine.domain.errors import ImportMappingInvalid
from referral_engine.domain.fields import FieldInvalid, FieldSpec
from referral_engine.domain.text import shown_safely, text_problem
from referral_engine.domain.workflow import PREVIOUS, WorkflowDefinition

REGISTER_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
DEFAULT_DATE_FORMAT = "%Y-%m-%d"
OPEN = "open"
"""The opening's name where a step is named (in problems, and as the first step of a path)."""


@dataclass(frozen=True)
class Column:
    """One mapped column: the field it fills and/or the date it gives the steps."""

    name: str
    field: str | None = None
    date: str | None = None
    values: Mapping[str, Any] = declared(default_factory=dict)
    date_format: str = DEFAULT_DATE_FORMAT
    separator: str = ";"
    spec: FieldSpec | None = None
    """The field's declaration, from the first step (opening first) that records it."""


@dataclass(frozen=True)
class PathStep:
    """A step on the way to a state: its trigger (`open` for the opening), the date column
    naming when it happened, constant data, and the fields its columns fill."""

    trigger: str
    on: str
    data: Mapping[str, Any]
    fields: tuple[FieldSpec, ...]
    title: str = ""
    """The step's title in the workflow, to name it in a row's problems."""

    @property
    def named(self) -> str:
        return f"“{self.title}”" if self.title else self.trigger


@dataclass(frozen=True)
class ImportMapping:
    """A checked mapping: what each column means and the steps to each state."""

    register: str
    row_id: str
    columns: tuple[Column, ...]
    state_column: str
    states: Mapping[str, str]
    """The register's word -> the workflow state a row with it reached."""
    paths: Mapping[str, tuple[PathStep, ...]]
    """Workflow state -> the steps leading there, the opening first."""
    region_column: str | None = None
    regions: Mapping[str, str] = declared(default_factory=dict)
    agency: str | None = None

    @property
    def needed_columns(self) -> list[str]:
        """Every column the file must have."""
        named = [self.row_id, self.state_column, *(c.name for c in self.columns)]
        if self.region_column is not None:
            named.append(self.region_column)
        return list(dict.fromkeys(named))

    def date_column(self, alias: str) -> str:
        """The column of a date alias."""
        return next(c.name for c in self.columns if c.date == alias)

    def column_of(self, field_name: str) -> str | None:
        """The column filling a field, if one does."""
        return next((c.name for c in self.columns if c.field == field_name), None)


def check_mapping(raw: object, workflow: WorkflowDefinition) -> ImportMapping:
    """The mapping `raw` (parsed from YAML) as checked against `workflow`, or every problem."""
    problems: list[str] = []
    if not isinstance(raw, Mapping):
        raise ImportMappingInvalid(["the mapping must be a YAML mapping (key: value lines)"])
    known = {"register", "row_id", "date_format", "agency", "region", "columns", "state"}
    known |= {"opening", "paths"}
    problems += [f"unknown key {_shown(k)}" for k in raw if k not in known]
    register = _text(raw, "register", problems)
    if register and not REGISTER_NAME.fullmatch(register):
        problems.append("register: lower-case letters, digits, '.', '_' or '-', at most 64")
    row_id = _text(raw, "row_id", problems)
    default_format = _text(raw, "date_format", problems, required=False) or DEFAULT_DATE_FORMAT
    agency = _text(raw, "agency", problems, required=False)
    columns = _columns(raw.get("columns"), default_format, problems)
    state_column, states = _words(raw.get("state"), "state", problems)
    region_column: str | None = None
    regions: dict[str, str] = {}
    if isinstance(raw.get("region"), Mapping) and "values" not in raw["region"]:
        region_column, regions = _words({**raw["region"], "values": _names(workflow)}, "", [])
    elif raw.get("region") is not None:
        region_column, regions = _words(raw.get("region"), "region", problems)
    bad_regions = sorted({r for r in regions.values() if r not in workflow.regions})
    problems += [f"region: {_shown(r)} is not a region of {workflow.ref}" for r in bad_regions]
    aliases = {c.date for c in columns if c.date}
    paths = _paths(raw, workflow, aliases, problems)
    for word, state in states.items():
        if state not in paths:
            problems.append(f"state: {_shown(word)} maps to {_shown(state)}, which no path reaches")
    columns = _check_columns(columns, paths, problems)
    _check_words(columns, row_id, problems)
    if problems:
        raise ImportMappingInvalid(list(dict.fromkeys(problems)))
    return ImportMapping(
        register,
        row_id,
        tuple(columns),
        state_column,
        states,
        paths,
        region_column,
        regions,
        agency,
    )


def _columns(raw: object, default_format: str, problems: list[str]) -> list[Column]:
    if not isinstance(raw, Mapping) or not raw:
        problems.append("columns: required, a mapping of column name -> field (or details)")
        return []
    columns: list[Column] = []
    for name, spec in raw.items():
        where = f"columns: {_shown(name)}"
        if isinstance(spec, str):
            spec = {"field": spec}
        if not isinstance(name, str) or not isinstance(spec, Mapping):
            problems.append(f"{where}: give a field name, or field/date/values/format")
            continue
        unknown = sorted(set(spec) - {"field", "date", "values", "format", "separator"})
        problems += [f"{where}: unknown key {_shown(k)}" for k in unknown]
        values = spec.get("values") or {}
        if not isinstance(values, Mapping):
            problems.append(f"{where}: values must map the register's words to the field's")
            values = {}
        names = {k: spec.get(k) for k in ("field", "date", "format", "separator")}
        wrong = [k for k, v in names.items() if v is not None and not isinstance(v, str)]
        if wrong:  # a list or a number here made a set of names fail (TypeError: unhashable)
            problems += [f"{where}: {k} must be one name (text)" for k in wrong]
            continue
        column = Column(
            name,
            names["field"],
            names["date"],
            {str(k).strip().casefold(): v for k, v in values.items()},
            names["format"] or default_format,
            names["separator"] or ";",
        )
        if column.field is None and column.date is None:
            problems.append(f"{where}: names neither a field nor a date")
        columns.append(column)
    dates = [c.date for c in columns if c.date]
    problems += [
        f"columns: the date {_shown(d)} is named twice" for d in set(dates) if dates.count(d) > 1
    ]
    for name in dict.fromkeys(c.field for c in columns if c.field):
        twice = [_shown(c.name) for c in columns if c.field == name]
        if len(twice) > 1:  # each row's value would have been the last column's, silently
            problems.append(f"columns: {name} is filled by two columns: {', '.join(twice)}")
    return columns


def _words(raw: object, key: str, problems: list[str]) -> tuple[str, dict[str, str]]:
    """A `{column, values}` block: the column and its words (compared case-insensitively)."""
    if not isinstance(raw, Mapping) or not isinstance(raw.get("column"), str):
        problems.append(f"{key}: required, with `column` and `values`")
        return "", {}
    values = raw.get("values")
    if not isinstance(values, Mapping) or not values:
        problems.append(f"{key}: `values` must map the register's words to codes")
        return raw["column"], {}
    return raw["column"], {str(k).strip().casefold(): str(v) for k, v in values.items()}


def _names(workflow: WorkflowDefinition) -> dict[str, str]:
    """A region's words when the mapping gives none: its code and its names in every language."""
    words = {code: code for code in workflow.regions}
    for code, region in workflow.regions.items():
        words |= dict.fromkeys(region.names.values(), code)
    return words


def _paths(
    raw: Mapping[str, Any], workflow: WorkflowDefinition, aliases: set[str], problems: list[str]
) -> dict[str, tuple[PathStep, ...]]:
    opening = raw.get("opening")
    if not isinstance(opening, Mapping):
        problems.append("opening: required, with `on` (the date column of the opening)")
        return {}
    first = _step(OPEN, opening, workflow.opening.fields, aliases, "opening", problems)
    first = replace(first, title=workflow.opening.title or "Open the case")
    paths: dict[str, tuple[PathStep, ...]] = {workflow.opening.state: (first,)}
    declared = raw.get("paths") or {}
    if not isinstance(declared, Mapping):
        problems.append("paths: a mapping of workflow state -> the steps leading there")
        return paths
    for target, listed in declared.items():
        where = f"paths: {_shown(target)}"
        if target not in workflow.states:
            problems.append(f"{where}: not a state of {workflow.ref}")
            continue
        after, listed = _after(listed, paths, where, problems)
        if after is None:
            continue
        before, state = after
        taken = list(before)
        for n, item in enumerate(listed, 1):
            trigger = item.get("step") if isinstance(item, Mapping) else None
            spec = workflow.guard.step(state, trigger) if isinstance(trigger, str) else None
            if spec is None or not isinstance(item, Mapping):
                problems.append(f"{where}, step {n}: {_shown(trigger)} is not a step from {state}")
                break
            if spec.dest == PREVIOUS:
                problems.append(f"{where}, step {n}: {trigger} returns to an earlier state")
                break
            step = _step(spec.trigger, item, spec.fields, aliases, where, problems)
            taken.append(replace(step, title=spec.title))
            state = spec.dest or state
        else:
            if state != target:
                problems.append(f"{where}: the steps end in {state}, not {target}")
            paths[target] = tuple(taken)
    return paths


def _after(
    listed: object, paths: Mapping[str, tuple[PathStep, ...]], where: str, problems: list[str]
) -> tuple[Any, Sequence[Any]]:
    """A path's starting point and its own steps: a plain list starts at the opening; a mapping
    `{after: STATE, steps: [...]}` continues the path to STATE given before it."""
    start: Any = next(iter(paths))  # the opening's state
    if isinstance(listed, Mapping):
        start, listed = listed.get("after"), listed.get("steps") or []
        if not isinstance(start, str) or start not in paths:
            problems.append(f"{where}: `after` must name a state whose path is given above")
            return None, []
    if not isinstance(listed, Sequence) or isinstance(listed, str):
        problems.append(f"{where}: a list of steps ({{step, on, data}})")
        return None, []
    return (paths[start], start), listed


def _step(
    trigger: str,
    raw: Mapping[Any, Any],
    fields: Sequence[FieldSpec],
    aliases: set[str],
    where: str,
    problems: list[str],
) -> PathStep:
    on = raw.get("on", raw.get(True))  # YAML 1.1 reads a bare `on:` key as true
    if not isinstance(on, str) or on not in aliases:
        problems.append(f"{where}, {trigger}: `on` must name a date column ({_shown(on)} is none)")
    data = raw.get("data") or {}
    if not isinstance(data, Mapping):
        problems.append(f"{where}, {trigger}: data must be a mapping of field -> value")
        data = {}
    names = {f.name for f in fields}
    unknown = [k for k in data if k not in names]
    problems += [f"{where}, {trigger}: {_shown(k)} is not a field of this step" for k in unknown]
    for value in data.values():
        if isinstance(value, str) and value.startswith("$") and value[1:] not in aliases:
            problems.append(f"{where}, {trigger}: {_shown(value)} names no date column")
    return PathStep(trigger, str(on), dict(data), tuple(fields))


def _check_columns(
    columns: Sequence[Column], paths: Mapping[str, tuple[PathStep, ...]], problems: list[str]
) -> list[Column]:
    """Every column's field is taken by some step, and every required field of every step on
    every path is given (by a column or a constant); the columns with their fields' specs."""
    filled = {c.field for c in columns if c.field}
    taken: dict[str, FieldSpec] = {}
    for path in paths.values():
        for step in path:
            for spec in step.fields:
                taken.setdefault(spec.name, spec)
                if spec.required and spec.name not in filled and spec.name not in step.data:
                    problems.append(
                        f"paths: {step.trigger} needs {spec.name}: "
                        "map a column to it or give it in the step's data"
                    )
    problems += [
        f"columns: {_shown(c.name)} fills {_shown(c.field)}, which no step on any path records"
        for c in columns
        if c.field and c.field not in taken
    ]
    return [replace(c, spec=taken.get(c.field or "")) for c in columns]


def _check_words(columns: Sequence[Column], row_id: str, problems: list[str]) -> None:
    """Each word of a coded field maps to a value the field accepts (else every row with the
    word was refused, one by one); the row's id is not personal (it is kept in the clear: the
    case's id derives from it, and the import's marks on the case name it)."""
    for column in columns:
        spec = column.spec
        if spec is None:
            continue
        if column.name == row_id and spec.pii:
            problems.append(
                f"row_id: {_shown(row_id)} fills {spec.name}, a personal field: row ids are "
                "kept in the clear; name the register's own numbering"
            )
        if spec.type not in ("enum", "enum_list", "country"):
            continue  # other values are read through the column's format first
        for word, value in column.values.items():
            try:
                spec.check([value] if spec.type == "enum_list" else value)
            except FieldInvalid as exc:
                problems.append(
                    f"columns: {_shown(column.name)}: {_shown(word)} maps to a value "
                    f"{spec.name} refuses ({exc})"
                )


def _text(raw: Mapping[str, Any], key: str, problems: list[str], *, required: bool = True) -> str:
    value = raw.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip() or text_problem(value) is not None:
        problems.append(f"{key}: required, one line of text")
        return ""
    return value.strip()


def _shown(value: object) -> str:
    return repr(shown_safely(value)) if isinstance(value, str) else repr(value)
