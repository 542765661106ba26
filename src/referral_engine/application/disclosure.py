"""Disclosure control for published aggregates: small counts hidden, and never recomputable.

A published table is a set of count cells `(row, column)`, exact relations between them (a total
equal to the sum of its parts) and derived measures (rates, medians) computed from some counts.

The rule, with threshold k:

1. Primary: a count from 1 to k-1 is suppressed. Zero is shown and never suppressed, so a
   suppressed mark always hides a non-zero count.
2. Secondary: no relation may keep exactly one suppressed cell (its total minus its shown parts
   would give it back), nor a shown total whose suppressed parts are all ones (as each hides at
   least 1, a difference equal to their number gives every one of them away), also once its
   suppressed parts that are totals are written as their parts (a shown grand total over
   suppressed row totals whose suppressed cells are all ones gives every one of them away).
   The partner is the relation's smallest non-zero shown cell, parts before the total on a tie,
   then by column name: a choice made from the relation's own cells, so a row is protected
   alike in every response that shows it. A relation needing a partner always has a non-zero
   shown cell (at worst its total), so a zero is never needed as a partner.
3. Exactness: where relations share cells (a row total and a breakdown of one of its parts, or
   a table with row and column totals), the suppressed cells of each connected group are solved
   as unknowns of its equations; a cell the equations fix (a unit vector in their row space)
   gets a further partner, until none is fixed.
4. A derived measure is suppressed when any count it depends on is suppressed.

Scope: one table, and recomputation by linear arithmetic on what it shows. Tables that overlap
must be protected together, so `publish` never shows a figure across rows (a total over the rows
of a filtered response would differ with the filter and give away partners chosen elsewhere),
and callers filter whole rows only: each published row is the same in every response.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from math import gcd
from typing import Any, Literal

Cell = tuple[int, str]
"""A count cell: its row index and column name."""
Reason = Literal["primary", "secondary", "derived"]


@dataclass(frozen=True)
class Relation:
    """An exact additive relation: the total cell equals the sum of the part cells."""

    total: Cell
    parts: tuple[Cell, ...]

    @property
    def cells(self) -> tuple[Cell, ...]:
        return (self.total, *self.parts)


@dataclass(frozen=True)
class Protection:
    """Which cells to hide and why; every other cell may be shown."""

    k: int
    suppressed: Mapping[Cell, Reason]

    def shown(self, cell: Cell) -> bool:
        return cell not in self.suppressed


def protect(
    counts: Mapping[Cell, int],
    relations: Sequence[Relation] = (),
    derived: Mapping[Cell, Iterable[Cell]] | None = None,
    *,
    k: int = 5,
) -> Protection:
    """Primary, secondary and derived suppression of one table (see the module's rule)."""
    if k < 1:
        raise ValueError("k must be at least 1")
    for relation in relations:
        if counts[relation.total] != sum(counts[p] for p in relation.parts):
            raise ValueError(f"relation does not hold: {relation}")
    hidden: dict[Cell, Reason] = {c: "primary" for c, v in counts.items() if 0 < v < k}
    groups = _connected(relations)
    while True:
        _partner_lines(counts, relations, hidden)
        fixed = next((c for group in groups for c in _fixed_cells(group, counts, hidden)), None)
        if fixed is None:
            break
        partner = _partner_for(fixed, counts, relations, hidden)
        if partner is None:  # cannot happen with consistent non-negative counts (see module)
            raise ValueError(f"no partner left to protect {fixed}")
        hidden[partner] = "secondary"
    for cell, sources in (derived or {}).items():
        if any(s in hidden for s in sources):
            hidden[cell] = "derived"
    return Protection(k, hidden)


def _partner_lines(
    counts: Mapping[Cell, int], relations: Sequence[Relation], hidden: dict[Cell, Reason]
) -> None:
    """Give every relation with a recomputable suppressed cell a partner, until none has one."""
    changed = True
    while changed:
        changed = False
        for relation in relations:
            exposed = _exposed(relation, counts, relations, hidden)
            if exposed is not None:
                partner = _smallest_shown(exposed, counts, hidden)
                if partner is None:
                    raise ValueError(f"no partner left in {relation}")
                hidden[partner] = "secondary"
                changed = True


def _exposed(
    relation: Relation,
    counts: Mapping[Cell, int],
    relations: Sequence[Relation],
    hidden: Mapping[Cell, Reason],
) -> Relation | None:
    """The relation that gives a suppressed cell away (None: none does): this one when it keeps
    one suppressed cell or its shown total leaves only ones for its suppressed parts; or this
    one with its suppressed parts that are totals written as their own parts (a grand total
    over suppressed row totals is also the sum of those rows' cells) when that leaves ones."""
    suppressed = [c for c in relation.cells if c in hidden]
    if len(suppressed) == 1:
        return relation
    if relation.total in hidden or not suppressed:
        return None
    if sum(counts[c] for c in suppressed) == len(suppressed):
        return relation
    expanded = _expand(relation, relations, hidden)
    inner = [c for c in expanded.parts if c in hidden]
    if expanded != relation and inner and sum(counts[c] for c in inner) == len(inner):
        return expanded
    return None


def _expand(
    relation: Relation, relations: Sequence[Relation], hidden: Mapping[Cell, Reason]
) -> Relation:
    """The relation with each suppressed part that totals another relation replaced by that
    relation's parts, recursively (each total once)."""
    totals: dict[Cell, Relation] = {}
    for other in relations:
        totals.setdefault(other.total, other)
    seen = {relation.total}
    parts: list[Cell] = []
    pending = list(reversed(relation.parts))
    while pending:
        cell = pending.pop()
        if cell in hidden and cell in totals and cell not in seen:
            seen.add(cell)
            pending.extend(reversed(totals[cell].parts))
        else:
            parts.append(cell)
    return Relation(relation.total, tuple(parts))


def _smallest_shown(
    relation: Relation, counts: Mapping[Cell, int], hidden: Mapping[Cell, Reason]
) -> Cell | None:
    candidates = [
        (counts[c], c == relation.total, c[1], c[0], c)
        for c in relation.cells
        if c not in hidden and counts[c] > 0
    ]
    return min(candidates)[-1] if candidates else None


def _partner_for(
    cell: Cell,
    counts: Mapping[Cell, int],
    relations: Sequence[Relation],
    hidden: Mapping[Cell, Reason],
) -> Cell | None:
    """A partner for a cell the equations fix: first from its own relations, else its group."""
    own = [r for r in relations if cell in r.cells]
    for pool in (own, [r for r in relations if set(r.cells) & _reach(own, relations)]):
        options = [p for r in pool if (p := _smallest_shown(r, counts, hidden)) is not None]
        if options:
            return min(options, key=lambda c: (counts[c], c[1], c[0]))
    return None


def _reach(start: list[Relation], relations: Sequence[Relation]) -> set[Cell]:
    cells = {c for r in start for c in r.cells}
    grown = True
    while grown:
        grown = False
        for r in relations:
            if set(r.cells) & cells and not set(r.cells) <= cells:
                cells |= set(r.cells)
                grown = True
    return cells


def _connected(relations: Sequence[Relation]) -> list[list[Relation]]:
    """Relations grouped by shared cells (union-find); only groups with a cycle can fix a cell
    beyond what the per-relation rule already prevents."""
    if len(relations) < 2 or not _has_cycle(relations):
        return []  # a forest (one row's total and a breakdown, say) has no cycle anywhere
    parent = list(range(len(relations)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[Cell, int] = {}
    for i, relation in enumerate(relations):
        for cell in relation.cells:
            if cell in owner:
                parent[root(i)] = root(owner[cell])
            else:
                owner[cell] = i
    groups: dict[int, list[Relation]] = {}
    for i, relation in enumerate(relations):
        groups.setdefault(root(i), []).append(relation)
    return [g for g in groups.values() if len(g) > 1 and _has_cycle(g)]


def _has_cycle(group: Sequence[Relation]) -> bool:
    """Whether relations and their cells form a cycle. Without one (a row total and a breakdown
    of one of its parts, say) the pairwise rule suffices: a change to any suppressed cell can be
    offset by another suppressed cell of each relation it touches, outward, never coming back."""
    incidences = sum(len(r.cells) for r in group)
    cells = {c for r in group for c in r.cells}
    return incidences > len(group) + len(cells) - 1


def _fixed_cells(
    group: list[Relation], counts: Mapping[Cell, int], hidden: Mapping[Cell, Reason]
) -> list[Cell]:
    """Suppressed cells whose value the group's equations determine (exact elimination)."""
    unknowns = sorted({c for r in group for c in r.cells if c in hidden})
    if not unknowns:
        return []
    index = {c: i for i, c in enumerate(unknowns)}
    rows: list[dict[int, int]] = []
    for relation in group:
        row: dict[int, int] = {}
        for cell, sign in ((relation.total, 1), *((p, -1) for p in relation.parts)):
            if cell in index:
                row[index[cell]] = row.get(index[cell], 0) + sign
        if row := {j: v for j, v in row.items() if v}:
            rows.append(row)
    return [unknowns[j] for j in _determined(rows)]


def _determined(rows: list[dict[int, int]]) -> list[int]:
    """Columns j such that the unit vector e_j lies in the row space of `rows` (sparse rows of
    integers, column -> coefficient): exactly those whose reduced row is a multiple of e_j.

    Gauss-Jordan elimination without fractions: a row is combined as `lead * row - factor *
    pivot` and divided by the gcd of its coefficients, so every number stays an exact integer
    (and small: the relations' coefficients are 1 and -1). A reduced row with one entry is a
    multiple of a unit vector; the other unknowns of a reduced row are free, so no other unit
    vector is in the row space. Only the cells a row touches are visited, which keeps a 30 x 12
    table with its margins at a few milliseconds per pass.
    """
    pivots: list[tuple[int, dict[int, int]]] = []
    for row in rows:
        row = dict(row)
        for col, pivot in pivots:  # earlier pivot columns are eliminated from the new row
            if col in row:
                row = _combine(row, pivot, col)
        if not row:
            continue
        col = min(row)
        pivots = [(c, _combine(p, row, col) if col in p else p) for c, p in pivots]
        pivots.append((col, row))
    return sorted(col for col, row in pivots if len(row) == 1)


def _combine(row: dict[int, int], pivot: dict[int, int], col: int) -> dict[int, int]:
    """`row` with column `col` eliminated by `pivot`, divided by the gcd of what is left."""
    lead, factor = pivot[col], row[col]
    out = {j: lead * v for j, v in row.items()}
    for j, v in pivot.items():
        out[j] = out.get(j, 0) - factor * v
    out = {j: v for j, v in out.items() if v}
    divisor = gcd(*out.values()) if out else 1
    return {j: v // divisor for j, v in out.items()}


# -- tables published from query rows ----------------------------------------------------------


@dataclass(frozen=True)
class Dashboard:
    """How a read model's `dashboard` query is published; declared in its `projection.py`.

    Only declared columns leave the engine. Each row is one group of the dimensions and is
    protected on its own: no figure is ever published across rows.
    """

    title: str
    dimensions: tuple[str, ...]
    counts: tuple[str, ...]
    parts: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """A count that is the exact sum of other counts of the same row (e.g. applications)."""
    breakdowns: Mapping[str, str] = field(default_factory=dict)
    """A count split by category: the query column holding `{category: count}` adding up to it,
    published as `count.category` columns."""
    derived: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """A measure (rate, median) and the counts it is computed from."""
    period: str | None = None
    """The month dimension the period filter selects whole values of (None: no period filter)."""


Value = str | int | float | None


@dataclass(frozen=True)
class Published:
    """What may leave the system: rows with suppressed cells set to None, and which they are."""

    columns: tuple[str, ...]
    rows: list[dict[str, Value]]
    suppressed: list[Cell]
    k: int
    reasons: Mapping[Cell, Reason] = field(default_factory=dict)


def publish(rows: Sequence[Mapping[str, Any]], dashboard: Dashboard, k: int) -> Published:
    """Protect query rows as the dashboard declares, each row on its own: nothing is published
    across rows, so a row reads the same in every response that shows it."""
    breakdowns = dashboard.breakdowns
    splits = [{n: _split(row, source) for n, source in breakdowns.items()} for row in rows]
    categories = {n: sorted({c for split in splits for c in split[n]}) for n in breakdowns}
    count_columns = [
        *dashboard.counts,
        *(f"{n}.{c}" for n in breakdowns for c in categories[n]),
    ]
    measured = (*count_columns, *dashboard.derived)
    published: list[dict[str, Value]] = []
    suppressed: dict[Cell, Reason] = {}
    for i, row in enumerate(rows):
        counts, relations = _row_cells(row, dashboard, splits[i])
        derived = {(0, m): [(0, c) for c in deps] for m, deps in dashboard.derived.items()}
        hidden = protect(counts, relations, derived, k=k).suppressed
        out: dict[str, Value] = {d: _plain(row[d]) for d in dashboard.dimensions}
        out.update({c: counts.get((0, c), 0) for c in count_columns})
        out.update({m: _plain(row[m]) for m in dashboard.derived})
        for column in measured:
            if (0, column) in hidden:
                out[column] = None
                suppressed[(i, column)] = hidden[(0, column)]
        published.append(out)
    return Published(
        columns=(*dashboard.dimensions, *measured),
        rows=published,
        suppressed=list(suppressed),
        k=k,
        reasons=suppressed,
    )


def _row_cells(
    row: Mapping[str, Any], dashboard: Dashboard, splits: Mapping[str, dict[str, int]]
) -> tuple[dict[Cell, int], list[Relation]]:
    """One row's count cells (as row 0) and the relations the dashboard declares between them."""
    counts: dict[Cell, int] = {(0, c): int(row[c] or 0) for c in dashboard.counts}
    relations = [
        Relation((0, whole), tuple((0, p) for p in parts))
        for whole, parts in dashboard.parts.items()
    ]
    for count, split in splits.items():
        counts.update({(0, f"{count}.{c}"): n for c, n in split.items()})
        relations.append(Relation((0, count), tuple((0, f"{count}.{c}") for c in split)))
    return counts, relations


def _split(row: Mapping[str, Any], source: str) -> dict[str, int]:
    value = row.get(source) or {}
    if not isinstance(value, Mapping):
        raise ValueError(f"breakdown column {source} must hold a JSON object")
    return {str(c): int(n) for c, n in value.items() if n}


def _plain(value: object) -> Value:
    """Query values as JSON-ready scalars: dates as ISO text, numerics as floats."""
    if value is None or isinstance(value, str | int | float):
        return value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"cannot publish a {type(value).__name__}")
