"""Disclosure control for a two-dimensional table published with its totals.

An official statistics table shows counts by two dimensions (region x outcome, say) with a total
per row, a total per column and the grand total. Every total is an exact relation between shown
figures, so a small count hidden in the interior could be recomputed from its row, its column,
or a mix of rows, columns and margins. `protect_table` adds the margins, states every relation
(each row total is the sum of its row, each column total the sum of its column, the grand total
the sum of the row totals and the sum of the column totals) and protects all of them together
with `disclosure.protect`: primary suppression of 1..k-1, partners so that no relation keeps one
suppressed cell or a shown total over suppressed parts that must all be ones, and partners until
no suppressed cell is fixed by any linear combination of the relations (exact elimination).

Scope: one table and its slices. A filtered view of the table (one region's row, say) is taken
from the same protection with `TableProtection.published(rows=...)`, never protected again on
its own: the union of every slice and the full table shows nothing the full table does not.
Tables with other dimensions are protected each on its own; comparing two such tables is outside
what this rule guarantees.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from referral_engine.application.disclosure import Cell, Reason, Relation, protect
from referral_engine.domain.text import text_problem

TOTAL = "total"
"""The key of the total row and of the total column."""

TableCell = tuple[str, str]
"""A cell of a table: its row key and column key (TOTAL for a margin)."""


@dataclass(frozen=True)
class TableProtection:
    """A protected table: every count (interior and margins) and the cells to hide, with why.

    `rows` and `columns` list the keys in display order, TOTAL last.
    """

    k: int
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    counts: Mapping[TableCell, int]
    suppressed: Mapping[TableCell, Reason]

    def shown(self, cell: TableCell) -> bool:
        return cell not in self.suppressed

    def value(self, cell: TableCell) -> int | None:
        """The count as it may be published: None where it is suppressed."""
        return None if cell in self.suppressed else self.counts[cell]

    def published(self, rows: Iterable[str] | None = None) -> dict[TableCell, int | None]:
        """What may leave the system: the whole table (rows=None, total row included) or a slice
        of whole rows (each with its row total), cut from this one protection."""
        keys = self.rows if rows is None else tuple(rows)
        unknown = [r for r in keys if r not in self.rows]
        if unknown:
            raise ValueError(f"no such row in the table: {unknown[0]!r}")
        return {(r, c): self.value((r, c)) for r in keys for c in self.columns}


def protect_table(
    cells: Mapping[TableCell, int],
    *,
    k: int,
    rows: Sequence[str] = (),
    columns: Sequence[str] = (),
) -> TableProtection:
    """Protect a table of counts with its row, column and grand totals (see the module).

    `cells` maps (row key, column key) to a non-negative count of the interior; a missing cell
    counts 0 (shown, never suppressed). `rows` and `columns` optionally declare the keys in
    display order (so that a row or column with no count at all is still shown, as zeros);
    otherwise the keys of `cells` are used, sorted. A table with one column is the same: its
    row totals repeat its cells and are suppressed with them.

    The result depends only on the counts, not on the order of `cells` or of the declared keys,
    nor on rows or columns of zeros: the same figures are protected alike in every table.
    """
    row_keys = _keys("row", rows, [r for r, _ in cells])
    column_keys = _keys("column", columns, [c for _, c in cells])
    for (r, c), value in cells.items():
        if r not in row_keys or c not in column_keys:
            raise ValueError(f"cell ({r!r}, {c!r}) is outside the declared rows and columns")
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"cell ({r!r}, {c!r}) must be a non-negative whole count")
    full: dict[TableCell, int] = {
        (r, c): cells.get((r, c), 0) for r in row_keys for c in column_keys
    }
    for r in row_keys:
        full[(r, TOTAL)] = sum(full[(r, c)] for c in column_keys)
    for c in (*column_keys, TOTAL):
        full[(TOTAL, c)] = sum(full[(r, c)] for r in row_keys)
    # Internally a cell is (row index, column key): rows numbered in sorted order (the total row
    # after them), so partners are chosen from the counts and the keys, never from the order.
    index = {r: i for i, r in enumerate(sorted(row_keys))}
    index[TOTAL] = len(row_keys)
    inner: dict[Cell, int] = {(index[r], c): v for (r, c), v in full.items()}
    relations = _relations(sorted(row_keys), sorted(column_keys), index)
    protection = protect(inner, relations, k=k)
    name = {i: r for r, i in index.items()}
    return TableProtection(
        k=k,
        rows=(*row_keys, TOTAL),
        columns=(*column_keys, TOTAL),
        counts=full,
        suppressed={(name[i], c): why for (i, c), why in sorted(protection.suppressed.items())},
    )


def _relations(
    row_keys: Sequence[str], column_keys: Sequence[str], index: Mapping[str, int]
) -> list[Relation]:
    """Each row total, each column total (the total column too: the grand total as the sum of
    the row totals) and the grand total as the sum of the column totals."""
    relations = [
        Relation((index[r], TOTAL), tuple((index[r], c) for c in column_keys)) for r in row_keys
    ]
    relations += [
        Relation((index[TOTAL], c), tuple((index[r], c) for r in row_keys))
        for c in (*column_keys, TOTAL)
    ]
    relations.append(Relation((index[TOTAL], TOTAL), tuple((index[TOTAL], c) for c in column_keys)))
    return relations


def _keys(what: str, declared: Sequence[str], used: Iterable[str]) -> tuple[str, ...]:
    """The keys of one dimension: the declared ones in their order, else the used ones sorted;
    each a checked, non-empty name other than TOTAL, and none twice."""
    keys = tuple(declared) if declared else tuple(sorted(set(used)))
    if len(set(keys)) != len(keys):
        raise ValueError(f"a {what} key is declared twice")
    for key in keys:
        if not isinstance(key, str) or not key:
            raise ValueError(f"a {what} key must be a non-empty string")
        if key == TOTAL:
            raise ValueError(f"{TOTAL!r} is the key of the totals, not a {what} key")
        if (problem := text_problem(key)) is not None:
            raise ValueError(f"a {what} key {problem.message}")
    if not keys:
        raise ValueError(f"a table needs at least one {what}")
    return keys
