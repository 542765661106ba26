"""Official statistics: reports declared as data beside their read model, with every total, exact
for statisticians and protected for everyone else, as of any recorded moment (docs/statistics.md).

A report is a set of measures; each measure is one table: its first dimension down, its second
(if any) across, with row, column and grand totals. A measure counts facts on one basis (cases,
applications, decisions, referrals...), stated in the report's metadata so that a reader can tell
why two tables differ.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal, Protocol

from referral_engine.application.disclosure_tables import TOTAL, protect_table
from referral_engine.domain.errors import FieldProblem, InvalidData, ReportNotFound

MAX_DIMENSIONS = 2
"""A table has at most two dimensions: one down, one across."""
NOT_RECORDED = "not_recorded"
"""The value a dimension takes for a fact whose case has not recorded it."""
AS_RECORDED = " (as recorded)"
"""Appended to a recorded value that reads like `total` or `not_recorded` (a free-text agency,
say), so that it is never taken for a margin or for a missing value."""


@dataclass(frozen=True)
class Measure:
    """One table of a report: the read model's named `query` whose rows it counts (or whose
    `days` it takes the median of, or, for a `percent`, whose `days` of 1 it takes the share
    of), the `basis` a row stands for and the dimensions its rows can be cut by."""

    name: str
    query: str
    basis: str
    dimensions: tuple[str, ...]
    title: Mapping[str, str]
    value: Literal["count", "median_days", "percent"] = "count"
    stock: bool = False
    """Counted at the end of the period (pending, holding the status), not over it."""


@dataclass(frozen=True)
class ReportSpec:
    name: str
    title: Mapping[str, str]
    measures: tuple[Measure, ...]

    @property
    def dimensions(self) -> tuple[str, ...]:
        """Every dimension some measure of the report can be cut by, in declared order."""
        return tuple(dict.fromkeys(d for m in self.measures for d in m.dimensions))


@dataclass(frozen=True)
class Tally:
    """What the read model is asked for one measure: counts (and medians, or shares) grouped by
    `by`, with the margins (a dimension absent from a row is that row's total)."""

    query: str
    by: tuple[str, ...]
    value: str = "count"
    """`count`, `median_days` or `percent` (each row then also has `median` or `share`, and
    `hits`: how many of its facts are in the share)."""


class Tallies(Protocol):
    """The read models as statistics need them (adapters/readmodels/tallies.py)."""

    def reports(self) -> dict[str, tuple[str, ReportSpec]]: ...

    def tally(
        self, model: str, tallies: Sequence[Tally], params: Mapping[str, Any]
    ) -> tuple[list[list[dict[str, Any]]], int]:
        """Every tally read in one snapshot, and the read model's log position in it."""
        ...


@dataclass(frozen=True)
class Request:
    """What a reader asks for: the period (both ends included), the dimensions, the region, the
    moment of the log (None: now; `upto` pins a log position, as a publication does)."""

    name: str
    start: date
    end: date
    by: tuple[str, ...] = ()
    region: str | None = None
    as_of: datetime | None = None
    upto: int | None = None
    exact: bool = False


Cell = tuple[str, str]


@dataclass(frozen=True)
class Table:
    """One measure's figures: `cells[(row, column)]` with TOTAL margins; None where suppressed
    (listed in `suppressed`) or where a median has no value."""

    measure: Measure
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    cells: Mapping[Cell, int | float | None]
    suppressed: frozenset[Cell] = frozenset()

    def value(self, row: str, column: str = TOTAL) -> int | float | None:
        return self.cells.get((row, column))


@dataclass(frozen=True)
class Figures:
    spec: ReportSpec
    request: Request
    position: int
    """The read model's log position the figures were read at."""
    k: int | None
    """The suppression threshold, None for exact figures."""
    tables: tuple[Table, ...]

    @property
    def digest(self) -> str:
        """SHA-256 of the parameters and every figure: equal digests, equal figures."""
        return hashlib.sha256(canonical(self).encode()).hexdigest()


def canonical(figures: Figures) -> str:
    """The figures and what they answer, as canonical JSON (the digest's input)."""
    r = figures.request
    return json.dumps(
        {
            "report": r.name,
            "from": r.start.isoformat(),
            "to": r.end.isoformat(),
            "by": list(r.by),
            "region": r.region,
            "exact": r.exact,
            "k": figures.k,
            "tables": [
                {
                    "measure": t.measure.name,
                    "cells": sorted([*key, value] for key, value in t.cells.items()),
                }
                for t in figures.tables
            ],
        },
        sort_keys=True,
        separators=(",", ":"),
    )


def reports(source: Tallies) -> dict[str, ReportSpec]:
    return {name: spec for name, (_, spec) in source.reports().items()}


def figures(source: Tallies, request: Request, *, k: int) -> Figures:
    """A report's tables for a request: exact when `request.exact`, else protected with k."""
    found = source.reports().get(request.name)
    if found is None:
        raise ReportNotFound(request.name)
    model, spec = found
    _check(spec, request)
    measures = [m for m in spec.measures if set(request.by) <= set(m.dimensions)]
    if not measures:
        raise InvalidData(
            [FieldProblem("by", "no measure of this report can be cut by all of these", "by")]
        )
    # Protected figures are always read nationally by region (a region's table is one slice of
    # the national one, the national one its margins), so that every filtered variant of one
    # table shows cells of one protection and no two responses can be combined against it.
    base = request.by if request.exact else _protected_base(request)
    params = {
        "from": request.start,
        "to": request.end,
        "as_of": request.as_of,
        "upto": request.upto,
        "region": request.region if request.exact else None,
    }
    tallies = [
        Tally(m.query, tuple(d for d in base if d in m.dimensions), m.value) for m in measures
    ]
    results, position = source.tally(model, tallies, params)
    tables = tuple(
        _table(m, t.by, rows, request, k)
        for m, t, rows in zip(measures, tallies, results, strict=True)
    )
    return Figures(spec, request, position, None if request.exact else k, tables)


def _check(spec: ReportSpec, request: Request) -> None:
    problems = []
    if request.start > request.end:
        problems.append(FieldProblem("from", "must not be after 'to'", "from_after_to"))
    unknown = [d for d in request.by if d not in spec.dimensions]
    if unknown:
        problems.append(
            FieldProblem(
                "by",
                f"unknown dimension {', '.join(unknown)}; known: {', '.join(spec.dimensions)}",
                "unknown_dimension",
            )
        )
    if len(set(request.by)) != len(request.by):
        problems.append(FieldProblem("by", "a dimension is named twice", "repeated_dimension"))
    dims = len(request.by) + (request.region is not None and "region" not in request.by)
    if len(request.by) > MAX_DIMENSIONS or (not request.exact and dims > MAX_DIMENSIONS):
        problems.append(
            FieldProblem(
                "by",
                "at most two dimensions (a region filter counts as one unless 'region' is "
                "one of them)",
                "too_many_dimensions",
            )
        )
    if problems:
        raise InvalidData(problems)


def _protected_base(request: Request) -> tuple[str, ...]:
    if "region" in request.by or len(request.by) == MAX_DIMENSIONS:
        return request.by
    return ("region", *request.by)


def _table(
    measure: Measure,
    base: tuple[str, ...],
    rows: list[dict[str, Any]],
    request: Request,
    k: int,
) -> Table:
    """Counts (and medians) keyed by (row, column) with margins, protected unless exact, then
    cut to what the request shows (a region's slice, or the national margins)."""
    counts: dict[Cell, int] = {}
    hits: dict[Cell, int] = {}
    medians: dict[Cell, float | None] = {}
    found = "share" if measure.value == "percent" else "median"
    for row in rows:
        keys = [TOTAL if row.get(f"total_{d}") else _key(row[d]) for d in base]
        cell = (keys[0] if keys else TOTAL, keys[1] if len(keys) > 1 else TOTAL)
        counts[cell] = int(row["n"])
        hits[cell] = int(row.get("hits") or 0)
        medians[cell] = None if row.get(found) is None else float(row[found])
    row_keys = sorted({r for r, _ in counts if r != TOTAL})
    column_keys = sorted({c for _, c in counts if c != TOTAL})
    suppressed: frozenset[Cell] = frozenset()
    if not request.exact:
        suppressed = _protect(counts, row_keys, len(base), k)
        if measure.value == "percent":
            # a share times its count gives the facts in it and those not: both are protected
            # as tables of their own, so that no hidden count is recomputed from a share
            rest = {c: n - hits.get(c, 0) for c, n in counts.items()}
            suppressed |= _protect(hits, row_keys, len(base), k)
            suppressed |= _protect(rest, row_keys, len(base), k)
    values: dict[Cell, int | float | None] = {}
    for cell in {*counts, (TOTAL, TOTAL)}:
        value: int | float | None
        value = counts.get(cell, 0) if measure.value == "count" else medians.get(cell)
        values[cell] = None if cell in suppressed else value
    for r in row_keys:  # cells no fact fell into: zero (shown), no median
        for c in column_keys:
            values.setdefault((r, c), 0 if measure.value == "count" else None)
    table = Table(measure, tuple(row_keys), tuple(column_keys), values, suppressed)
    return table if request.exact else _shown(table, base, request)


def _key(value: object) -> str:
    if value is None:
        return NOT_RECORDED
    text = str(value)
    return text + AS_RECORDED if text in (TOTAL, NOT_RECORDED) else text


def _protect(counts: Mapping[Cell, int], row_keys: list[str], dims: int, k: int) -> frozenset[Cell]:
    """The cells to hide: a table with margins protected as one (a one-dimensional table is
    its rows as one column, and their total)."""
    if dims == 2:
        interior = {c: n for c, n in counts.items() if TOTAL not in c}
        return frozenset(protect_table(interior, k=k).suppressed) if interior else frozenset()
    if dims == 1 and row_keys:
        column = {(r, "n"): counts.get((r, TOTAL), 0) for r in row_keys}
        return frozenset((r, TOTAL) for r, _ in protect_table(column, k=k).suppressed)
    total = counts.get((TOTAL, TOTAL), 0)
    return frozenset({(TOTAL, TOTAL)}) if 0 < total < k and dims == 0 else frozenset()


def _shown(table: Table, base: tuple[str, ...], request: Request) -> Table:
    """The part of a protected national table the request asked for: a region's slice, or
    (when the region is not asked for) the national margins."""
    region = request.region
    if base == request.by:
        if region is None:
            return table
        return _slice(table, base.index("region"), region, keep=True)
    return _slice(table, 0, region if region is not None else TOTAL, keep=False)


def _slice(table: Table, axis: int, pick: str, *, keep: bool) -> Table:
    """One row (axis 0) or column (axis 1) of a table: kept as the table's only row or column
    (its margins then repeat it), or (keep=False, axis 0) turned into a one-dimensional table."""

    def at(other: str) -> Cell:
        return (pick, other) if axis == 0 else (other, pick)

    others = table.columns if axis == 0 else table.rows
    none = 0 if table.measure.value == "count" else None  # a region with no fact: zeros
    line = {o: table.cells.get(at(o), none) for o in (*others, TOTAL)}
    hidden = {o for o in (*others, TOTAL) if at(o) in table.suppressed}
    if not keep:
        cells: dict[Cell, int | float | None] = {(o, TOTAL): v for o, v in line.items()}
        cells[(TOTAL, TOTAL)] = line[TOTAL]
        return Table(table.measure, others, (), cells, frozenset((o, TOTAL) for o in hidden))
    labels = (pick,) if pick != TOTAL else ()
    cells = {}
    suppressed = set()
    for o, v in line.items():
        for p in (*labels, TOTAL):
            cell = (p, o) if axis == 0 else (o, p)
            cells[cell] = v
            if o in hidden:
                suppressed.add(cell)
    rows, columns = (labels, others) if axis == 0 else (others, labels)
    return Table(table.measure, rows, columns, cells, frozenset(suppressed))
