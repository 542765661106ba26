"""A register's row turned into a case: the opening and the steps of its path, each dated by
its date column and checked like any step (fields, order, guards), then a `CaseImported` event
naming the register, the row and the file. All or nothing: a row with any problem raises
`RowRefused` naming each column and problem, and leaves no case.

The case's id derives from the register and the row's id, so importing a row again finds the
case it made; `differences` then says whether the row changed since.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, date, datetime, time
from difflib import get_close_matches
from functools import lru_cache
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from referral_engine.domain import steps
from referral_engine.domain.case import Case
from referral_engine.domain.commands import Actor, Context, ImportMark, fingerprint
from referral_engine.domain.conditions import withheld_fields
from referral_engine.domain.errors import DomainError, InvalidData, RowRefused
from referral_engine.domain.fields import FieldInvalid, FieldSpec
from referral_engine.domain.import_mapping import OPEN, Column, ImportMapping, PathStep
from referral_engine.domain.text import text_problem
from referral_engine.domain.workflow import WorkflowDefinition

IMPORTED = uuid5(NAMESPACE_URL, "urn:referral-engine:imported-row")
Cell = str | int | float | bool | date | datetime | None
"""A cell as a file gives it: text from CSV; numbers, dates and booleans from XLSX."""
NOON = time(12, tzinfo=UTC)
"""The time given to a step the register dates by the day (the same day in every European zone)."""
KNOWN_SHOWN = 12
"""A refused word lists the mapping's words up to this many, else the closest three."""
TRUE_WORDS = frozenset({"true", "yes", "1", "так", "y", "+"})
FALSE_WORDS = frozenset({"false", "no", "0", "ні", "n", "-"})


def case_id_of(register: str, row_id: str) -> UUID:
    """The id of the case a register's row becomes (the same on every import)."""
    return uuid5(IMPORTED, f"{register}\x1f{row_id}")


def build_case(
    mapping: ImportMapping,
    workflow: WorkflowDefinition,
    row: Mapping[str, Cell],
    mark: ImportMark,
    ctx: tuple[Actor, datetime, str],
    region: str | None = None,
) -> Case:
    """The case `row` makes (its events pending), or RowRefused; `ctx` is who imports, when,
    and the mapping's digest; `region` the one region of the whole file, if given."""
    actor, now, mapping_digest = ctx
    digest = row_digest(mapping, row, region)
    problems: list[tuple[str | None, str]] = []
    values = {c.name: _value(c, row.get(c.name), problems) for c in mapping.columns}
    dates = {c.date: values[c.name] for c in mapping.columns if c.date}
    region = region or _word(mapping.region_column, mapping.regions, row, "region", problems)
    state = _word(mapping.state_column, mapping.states, row, "state", problems)
    path = mapping.paths.get(state or "", ())
    for step in path:
        column = mapping.date_column(step.on)
        if dates.get(step.on) is None and all(c != column for c, _ in problems):
            problems.append((column, f"is empty: it dates the step {step.named}"))
        for name, value in step.data.items():  # a `$date` constant from another column
            alias = value[1:] if isinstance(value, str) and value.startswith("$") else None
            column = mapping.date_column(alias) if alias else ""
            if alias and dates.get(alias) is None and all(c != column for c, _ in problems):
                problems.append((column, f"is empty: the step {step.named} takes {name} from it"))
    if problems:
        raise RowRefused(problems)
    fields = {c.field: (c.name, values[c.name]) for c in mapping.columns if c.field}
    fields = {k: v for k, v in fields.items() if v[1] is not None}
    used: set[str] = set()
    case: Case | None = None
    for n, step in enumerate(path):
        on = dates[step.on]
        assert isinstance(on, date)
        later = {spec.name for after in path[n + 1 :] for spec in after.fields}
        deferred = _withheld_at(workflow, case, step, fields) & later
        data = _step_data(step, fields, dates, used, deferred)
        when = datetime.combine(on, NOON)
        step_ctx = Context(actor, now, when, f"import:{mark.file_digest[:16]}", imported=mark)
        try:
            if step.trigger == OPEN:
                case_id = case_id_of(mark.register, mark.row_id)
                case = steps.open_case(workflow, str(region), data, step_ctx, case_id)
            else:
                assert case is not None
                steps.take_step(case, workflow, step.trigger, data, step_ctx, case.version)
        except DomainError as exc:
            raise RowRefused(_located(exc, step, mapping)) from None
    unused = sorted(column for name, (column, _) in fields.items() if name not in used)
    if unused or case is None:
        reached = f"no step on the way to {state} records it"
        raise RowRefused([(column, f"has a value, but {reached}") for column in unused])
    case.trigger_event(
        Case.Imported,
        name="CaseImported",
        register=mark.register,
        row=mark.row,
        row_id=mark.row_id,
        file_digest=mark.file_digest,
        mapping_digest=mapping_digest,
        row_digest=digest,
        events=case.version,
        actor=actor.as_dict(),
        occurred_at=now,
        timestamp=now,
        correlation_id=f"import:{mark.file_digest[:16]}",
    )
    return case


def row_digest(mapping: ImportMapping, row: Mapping[str, Cell], region: str | None) -> str:
    """A digest of what the mapping reads of a row (its cells as text, and the file's region
    if one was given): the same row imported again under the same mapping has the same one."""
    cells = [(c, "" if row.get(c) is None else str(row.get(c))) for c in mapping.needed_columns]
    return fingerprint("row", cells, region)


def row_id_of(mapping: ImportMapping, row: Mapping[str, Cell]) -> str:
    """The row's id as text, or RowRefused."""
    raw = row.get(mapping.row_id)
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    text = "" if raw is None else str(raw).strip()
    if not text or len(text) > 200 or text_problem(text) is not None:
        problem = "is required: the row's id in the register, one line of at most 200 characters"
        raise RowRefused([(mapping.row_id, problem)])
    return text


def differences(
    earlier: Sequence[Any], again: Sequence[Any], derived: Collection[str] = ()
) -> tuple[list[str], list[int]]:
    """What a row's case says differently now from when it was imported (the events before
    `CaseImported`, as each import made them): the fields by name, and the steps (by their
    place on the path) whose dates differ; None for the fields when the steps themselves do.
    The workflow's `derived` facts are not the register's: a fact derived since the import
    (a workflow deriving more) is no difference of the row's."""
    if [_step_of(e) for e in earlier] != [_step_of(e) for e in again]:
        return ["steps"], []
    fields: set[str] = set()
    dates: list[int] = []
    for n, (old, new) in enumerate(zip(earlier, again, strict=True)):
        if old.occurred_at != new.occurred_at:
            dates.append(n)
        old_data, new_data = dict(old.data), dict(new.data)
        keys = old_data.keys() | new_data.keys()
        fields |= {k for k in keys - set(derived) if old_data.get(k) != new_data.get(k)}
    return sorted(fields), dates


def _step_of(event: Any) -> tuple[object, ...]:
    return (type(event).__name__, getattr(event, "name", ""), getattr(event, "region", None))


def _withheld_at(
    workflow: WorkflowDefinition,
    case: Case | None,
    step: PathStep,
    fields: Mapping[str, tuple[str, Any]],
) -> set[str]:
    """The row's fields the workflow withholds from the case where `step` leaves it (an adult's
    name before the referral records it, uk-nrm 4): a later step on the path takes them."""
    if case is None:
        state, flags, held = workflow.opening.state, set(workflow.opening.sets), {}
    elif (spec := workflow.guard.step(case.state, step.trigger)) is not None:
        (state, flags), held = steps.left_by(case, spec), dict(case.data)
    else:
        return set()  # not legal here: the step itself is refused
    data = held | {name: value for name, (_, value) in fields.items()}
    return withheld_fields(workflow.withheld, state, flags, data)


def _step_data(
    step: PathStep,
    fields: Mapping[str, tuple[str, Any]],
    dates: Mapping[str, Any],
    used: set[str],
    deferred: Collection[str] = (),
) -> dict[str, Any]:
    """The step's constants (a `$date` replaced by that date) and the columns' values of the
    fields it declares that no earlier step took, but those `deferred` to a later step."""
    data = {
        k: dates[v[1:]].isoformat() if isinstance(v, str) and v.startswith("$") else v
        for k, v in step.data.items()
    }
    for spec in step.fields:
        skip = spec.name in used or spec.name in deferred or spec.name in data
        if spec.name in fields and not skip:
            data[spec.name] = fields[spec.name][1]
            used.add(spec.name)
    return data


def _located(
    exc: DomainError, step: PathStep, mapping: ImportMapping
) -> list[tuple[str | None, str]]:
    """A step's refusal, each problem placed in the column it comes from."""
    date_column = mapping.date_column(step.on)
    if not isinstance(exc, InvalidData):
        return [(date_column, f"the step {step.named}: {exc}")]
    located: list[tuple[str | None, str]] = []
    for problem in exc.problems:
        name = problem.path.removeprefix("data.")
        column = mapping.column_of(name)
        constant = step.data.get(name)
        if isinstance(constant, str) and constant.startswith("$"):  # a date from another column
            message = f"the step {step.named}: {name} {problem.message}"
            located.append((mapping.date_column(constant[1:]), message))
        elif name == "occurred_at":
            located.append((date_column, f"the step {step.named}: {problem.message}"))
        elif name == "region":
            located.append((mapping.region_column, problem.message))
        elif column is not None:
            located.append((column, problem.message))
        else:  # a constant of the mapping's, or a field no column fills
            located.append((None, f"the step {step.named}: {name} {problem.message}"))
    return located


def _word(
    column: str | None,
    words: Mapping[str, str],
    row: Mapping[str, Cell],
    what: str,
    problems: list[tuple[str | None, str]],
) -> str | None:
    """The code a column's word maps to (a region, a state)."""
    if column is None:
        problems.append((None, f"no {what}: give one for the whole file or map a column"))
        return None
    raw = row.get(column)
    text = "" if raw is None else str(raw).strip()
    code = words.get(text.casefold())
    if code is None:
        known = sorted(words)
        if len(known) > KNOWN_SHOWN:
            known = get_close_matches(text.casefold(), known, n=3, cutoff=0.5)
            hint = f"; close: {', '.join(known)}" if known else ""
        else:
            hint = f"; the mapping knows: {', '.join(known)}"
        shown = repr(text) if text_problem(text) is None else "this value"
        problems.append((column, f"unknown {what} {shown}{hint}"))
    return code


def _value(
    column: Column,
    raw: Cell,
    problems: list[tuple[str | None, str]],
) -> Any:
    """The cell as the field's (or the date's) value; None when empty, unless the mapping
    gives empty cells a word (`"": other_unknown`)."""
    empty = raw is None or (isinstance(raw, str) and not raw.strip())
    if empty and "" not in column.values:
        return None
    spec = column.spec
    try:
        value = _converted(column, spec, "" if empty else raw)
        if spec is not None:
            value = spec.check(value)
        if column.date and not isinstance(value, date):
            value = date.fromisoformat(str(value))
    except (FieldInvalid, ValueError) as exc:
        personal = spec is not None and spec.pii
        shown = "" if personal or not isinstance(raw, str) else f" ({raw.strip()[:40]!r})"
        problems.append((column.name, f"{exc}{shown}"))
        return None
    return value


def _converted(column: Column, spec: FieldSpec | None, raw: Cell) -> Any:
    """The cell in the type its field expects, through the mapping's words."""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, str):
        if found := text_problem(raw, free_text=spec is not None and spec.type == "text"):
            raise FieldInvalid(found.code, found.message)
        raw = raw.strip()
    kind = spec.type if spec is not None else "date"
    if kind == "enum_list" and isinstance(raw, str):
        parts = [p.strip() for p in raw.split(column.separator) if p.strip()] or [raw]
        return [_mapped(column, p) for p in parts]
    mapped = _mapped(column, raw) if isinstance(raw, str | int) else raw
    if kind == "date":
        return _date(column, mapped)
    if kind == "int" and isinstance(mapped, str):
        return int(mapped)
    if kind == "bool" and isinstance(mapped, str | int):
        return _bool(str(mapped))
    if kind in ("string", "text") and isinstance(mapped, int | float | date):
        return str(mapped)
    return mapped


def _mapped(column: Column, raw: str | int) -> Any:
    key = str(raw).strip().casefold()
    return column.values.get(key, raw)


def _date(column: Column, value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    parsed = _parsed(str(value), column.date_format)
    if parsed is None:
        shown = column.date_format.replace("%d", "DD").replace("%m", "MM").replace("%Y", "YYYY")
        raise ValueError(f"is not a date in the form {shown}")
    return parsed


@lru_cache(maxsize=20_000)
def _parsed(text: str, form: str) -> date | None:
    """A date written in `form` (a register's dates repeat: strptime was a tenth of a row)."""
    try:
        return datetime.strptime(text, form).date()
    except ValueError:
        return None


def _bool(text: str) -> bool:
    word = text.strip().casefold()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError("must be yes or no")
