"""k-anonymity by full-domain generalisation and record suppression (Samarati's model, searched
like Incognito over the whole lattice): every quasi-identifier is recoded to one level of its
hierarchy for all records, and the records whose combination is still shared by fewer than k are
suppressed. Of the level vectors that suppress at most `max_suppressed` of the records, the one
losing least is taken: the least mean generalisation height (each field's level over its height),
then the fewest records suppressed, then the lowest levels in the order the fields were given,
so that the same records and parameters always give the same result.

The search counts distinct combinations, not records (a few thousand at most among 10,000
cases), so the whole lattice (about a thousand vectors for six fields) is read in a second or
two. The result is checked independently with pycanon in the export (application/htcds_export.py).
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Level = Callable[[str], str]


@dataclass(frozen=True)
class Anonymised:
    """The records kept (quasi-identifiers generalised), the level of each quasi-identifier, and
    how many records were suppressed."""

    records: list[dict[str, str]]
    levels: dict[str, int]
    suppressed: int
    kept: list[int]
    """The index, among the records given, of each record kept (in order)."""


def anonymise(
    records: Sequence[Mapping[str, str]],
    quasi: Sequence[str],
    hierarchies: Mapping[str, Sequence[Level]],
    *,
    k: int,
    max_suppressed: float,
) -> Anonymised:
    """The records made k-anonymous on `quasi` (a missing value counts as empty)."""
    if k < 1:
        raise ValueError("k must be at least 1")
    combos = Counter(tuple(r.get(q, "") for q in quasi) for r in records)
    counts = np.fromiter(combos.values(), dtype=np.int64, count=len(combos))
    codes = _codes(list(combos), quasi, hierarchies)
    heights = [len(hierarchies[q]) - 1 for q in quasi]
    budget = int(max_suppressed * len(records))
    best: tuple[float, int, tuple[int, ...]] | None = None
    passing: list[tuple[int, ...]] = []
    # by the sum of levels: a vector above one that passes is visited after it, and skipped (it
    # generalises more, so it loses more)
    lattice = sorted(itertools.product(*(range(h + 1) for h in heights)), key=sum)
    for levels in lattice:
        if any(all(a >= b for a, b in zip(levels, p, strict=True)) for p in passing):
            continue
        lost = _suppressed(codes, counts, levels, k)
        if lost > budget and len(records) >= k:  # (fewer than k records: all go, whatever)
            continue
        passing.append(levels)
        loss = sum(lv / h if h else 0.0 for lv, h in zip(levels, heights, strict=True))
        candidate = (loss / max(len(quasi), 1), lost, levels)
        if best is None or candidate < best:
            best = candidate
    assert best is not None  # the top of the lattice suppresses nothing (k records or more)
    _, lost, levels = best
    return _applied(records, quasi, hierarchies, levels, k, lost)


def _codes(
    combos: list[tuple[str, ...]], quasi: Sequence[str], hierarchies: Mapping[str, Sequence[Level]]
) -> list[list[npt.NDArray[np.int64]]]:
    """For each quasi-identifier and level, each combination's generalised value as a number
    (the values of one level numbered in order of appearance)."""
    out = []
    for i, q in enumerate(quasi):
        values = [c[i] for c in combos]
        by_level = []
        for level in hierarchies[q]:
            numbers: dict[str, int] = {}
            seen: dict[str, str] = {}
            coded = [numbers.setdefault(seen.setdefault(v, level(v)), len(numbers)) for v in values]
            by_level.append(np.asarray(coded, dtype=np.int64))
        out.append(by_level)
    return out


def _suppressed(
    codes: list[list[npt.NDArray[np.int64]]],
    counts: npt.NDArray[np.int64],
    levels: tuple[int, ...],
    k: int,
) -> int:
    """How many records would be suppressed at these levels: the combinations' generalised
    values folded into one number each (mixed radix, numbered afresh before it could overflow),
    their records counted by that number."""
    key, bound = np.zeros(len(counts), dtype=np.int64), 1
    for by_level, lv in zip(codes, levels, strict=True):
        column = by_level[lv]
        radix = int(column.max(initial=0)) + 1
        if bound * radix >= 2**62:
            _, key = np.unique(key, return_inverse=True)
            bound = len(counts)
        key, bound = key * radix + column, bound * radix
    _, inverse = np.unique(key, return_inverse=True)
    sizes = np.bincount(inverse, weights=counts)
    return int(sizes[sizes < k].sum())


def _applied(
    records: Sequence[Mapping[str, str]],
    quasi: Sequence[str],
    hierarchies: Mapping[str, Sequence[Level]],
    levels: tuple[int, ...],
    k: int,
    lost: int,
) -> Anonymised:
    generalised = []
    for r in records:
        g = dict(r)
        for q, lv in zip(quasi, levels, strict=True):
            g[q] = hierarchies[q][lv](r.get(q, ""))
        generalised.append(g)
    classes = Counter(tuple(g[q] for q in quasi) for g in generalised)
    kept = [i for i, g in enumerate(generalised) if classes[tuple(g[q] for q in quasi)] >= k]
    assert len(records) - len(kept) == lost
    levels_of = dict(zip(quasi, levels, strict=True))
    return Anonymised([generalised[i] for i in kept], levels_of, lost, kept)
