"""Statistics' tallies: a read model's report queries grouped by the dimensions asked for, with
every margin (grouping sets), all read in one snapshot together with the read model's position."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from referral_engine.adapters.readmodels.engine import Projections
from referral_engine.application.statistics import ReportSpec, Tally


class ReportTallies:
    """The reports the read models declare (`REPORTS`, cut by their `DIMENSIONS`), tallied."""

    def __init__(self, projections: Projections) -> None:
        self.projections = projections

    def reports(self) -> dict[str, tuple[str, ReportSpec]]:
        return {
            spec.name: (name, spec)
            for name, model in self.projections.models.items()
            for spec in getattr(model.module, "REPORTS", ())
        }

    def tally(
        self, model: str, tallies: Sequence[Tally], params: Mapping[str, Any]
    ) -> tuple[list[list[dict[str, Any]]], int]:
        read_model = self.projections.models[model]
        dimensions: Mapping[str, str] = read_model.module.DIMENSIONS
        statements = [_statement(read_model.queries[t.query], t, dimensions) for t in tallies]

        def run(
            conn: psycopg.Connection[Any], schema: str
        ) -> tuple[list[list[dict[str, Any]]], int]:
            row = conn.execute(
                sql.SQL("select position from {}").format(sql.Identifier(schema, "_tracking"))
            ).fetchone()
            found = []
            with conn.cursor(row_factory=dict_row) as cur:
                for statement, t in zip(statements, tallies, strict=True):
                    rows = cur.execute(statement, dict(params)).fetchall()
                    found.append(rows if t.value == "count" else _medians(rows, t.by))
            return found, int(row[0]) if row else 0

        return self.projections.reading(model, run, snapshot=True)


def _statement(query: str, tally: Tally, dimensions: Mapping[str, str]) -> sql.Composed:
    """`select dims, total flags, n[, median] from (query) group by grouping sets`: every
    combination of the dimensions, so each row total, column total and the grand total come
    from the same facts as the cells."""
    by = tally.by
    columns = [
        sql.SQL("({})::text as {}").format(sql.SQL(dimensions[d]), sql.Identifier(d)) for d in by
    ]
    filters: list[sql.Composable] = [sql.SQL("(%(region)s::text is null or region = %(region)s)")]
    inner = sql.SQL("select {} from ({}) f where {}").format(
        sql.SQL(", ").join([*columns, sql.SQL("n, nullif(days, -1) as days")]),
        sql.SQL(query),  # the read model's own named query
        sql.SQL(" and ").join(filters),
    )
    ids = [sql.Identifier(d) for d in by]
    days = [sql.Identifier("days")] if tally.value != "count" else []
    sets = [
        sql.SQL("({})").format(
            sql.SQL(", ").join([*(ids[i] for i in range(len(by)) if mask >> i & 1), *days])
        )
        for mask in range(2 ** len(by) - 1, -1, -1)
    ]
    flags = [
        sql.SQL("grouping({}) = 1 as {}").format(sql.Identifier(d), sql.Identifier(f"total_{d}"))
        for d in by
    ]
    # a count sums the rows' weights (a stock's changes cancel out: a group summing to nothing
    # is no figure); a median's rows are summed by days too, and weighed in _medians
    return sql.SQL(
        "select {} sum(n)::bigint as n from ({}) g group by grouping sets ({}) having sum(n) <> 0"
    ).format(
        sql.SQL("").join(sql.SQL("{}, ").format(c) for c in [*ids, *flags, *days]),
        inner,
        sql.SQL(", ").join(sets),
    )


def _medians(rows: list[dict[str, Any]], by: Sequence[str]) -> list[dict[str, Any]]:
    """Rows summed by days folded into one row per group: its count, the median of its days
    (as percentile_cont(0.5): the middle value, or the mean of the middle two; facts with no
    duration count but have no days), and for a share the facts whose days are 1 (`hits`) and
    their percentage of those with days (`share`)."""
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for row in rows:
        key = tuple((row[d], row[f"total_{d}"]) for d in by)
        groups.setdefault(key, []).append(row)
    folded = []
    for key, found in groups.items():
        weighed = sorted((r["days"], r["n"]) for r in found if r["days"] is not None)
        measured = sum(n for _, n in weighed)
        hits = sum(n for days, n in weighed if days == 1)
        folded.append(
            {
                **{d: value for d, (value, _) in zip(by, key, strict=True)},
                **{f"total_{d}": total for d, (_, total) in zip(by, key, strict=True)},
                "n": sum(r["n"] for r in found),
                "median": _middle(weighed),
                "hits": hits,
                "share": round(100 * hits / measured, 1) if measured else None,
            }
        )
    return folded


def _middle(weighed: list[tuple[int, int]]) -> float | None:
    count = sum(n for _, n in weighed)
    if not count:
        return None
    wanted = ((count - 1) // 2, count // 2)  # the middle rank, or the two middle ones
    found, seen = [], 0
    for value, n in weighed:
        found += [value for rank in wanted if seen <= rank < seen + n]
        seen += n
    return sum(found) / 2
