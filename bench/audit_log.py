"""Audit log benchmark: pages of 50 entries out of 1,000,000, newest first, as the audit page and
`GET /api/audit` read them (adapters/audit_query.py), by every filter, first and deep.

Fills a scratch schema's audit log with synthetic entries in one statement (a year of them,
500 users, 40 actions from 16 % of the entries down to 1 %, 100,000 cases, 25 regions of
which one is rare), then prints, for each
reader and filter, the median time of the first page and of a page 90 % deep (keyset: it starts
after the entry the page before ended with), their ratio to the baseline measured in the same
run (the cheapest page there is: the newest 51 entries by the primary key), and the plan's
nodes from EXPLAIN: every filter is read from an index, in the page's order, without a sort of
more than a page's rows. Target: every page under 30 ms, deep as fast as first.

    REFERRAL_ENGINE_DATABASE_URL=postgresql://... .venv/bin/python bench/audit_log.py [--entries N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from psycopg import sql

sys.path.insert(0, str(Path(__file__).parent))
from common import machine, scratch_runtime
from referral_engine.adapters.audit_query import AuditFilter, Cursor, select
from referral_engine.bootstrap import Runtime

REGIONS = [f"UA-{n:02d}" for n in range(1, 26)]
RARE = "UA-25"
"""One entry in 2,000 (the others share the rest evenly)."""
FILL = """
insert into {table} (at, user_name, role, agency, action, method, path, status, case_id,
                     region, address, detail, channel)
select timestamptz '2025-01-01 00:00+00' + g * (interval '1 year' / %(n)s),
       'user-' || (g * 7919 %% 500),
       (array['lsa_official','police','decision_maker','supervisor','nrm_actor'])[1 + g %% 5],
       'agency-' || (g %% 40),
       'action.' || ((g * 104729 %% 1000) * (g * 104729 %% 1000) / 25000),
       'GET', '/api/cases', case when g %% 50 = 0 then 404 else 200 end,
       md5((g * 2654435761 %% 100000)::text)::uuid,
       case when g %% 2000 = 0 then %(rare)s
            else (%(regions)s::text[])[1 + (g * 31 %% 997) %% 24] end,
       '10.0.0.1', '{{}}', 'http'
from generate_series(1::bigint, %(n)s) g
"""


def fill(runtime: Runtime, n: int) -> float:
    started = time.perf_counter()
    with runtime.db.pool.connection() as conn:
        table = sql.Identifier(runtime.db.schema, "audit_log")
        conn.execute(
            sql.SQL(FILL).format(table=table), {"n": n, "rare": RARE, "regions": REGIONS[:24]}
        )
        conn.execute(sql.SQL("analyze {}").format(table))
    return time.perf_counter() - started


def newest_by_key(runtime: Runtime) -> list[Any]:
    """The baseline: the cheapest page there is, the newest 51 entries by the primary key."""
    table = sql.Identifier(runtime.db.schema, "audit_log")
    with runtime.db.pool.connection() as conn:
        return conn.execute(
            sql.SQL("select * from {} order by id desc limit 51").format(table)
        ).fetchall()


def median_ms(read: Callable[[], Any], runs: int = 15) -> float:
    read()  # warm the cache and the plan
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        read()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def plan(runtime: Runtime, wanted: AuditFilter, past: Cursor | None) -> str:
    """The plan's node names, in order, with the rows each returned (a node repeated for each
    region once, with how many times)."""
    statement, params = select(runtime.db.schema, wanted, past=past, newest_first=True, limit=51)
    with runtime.db.pool.connection() as conn:
        lines = conn.execute(sql.SQL("explain (analyze, costs off) ") + statement, params)
        nodes = []
        for (line,) in lines.fetchall():
            text = line.strip().removeprefix("->").strip()
            if text.startswith(("Sort Key", "Sort Method")):
                continue
            if " on " in text or text.startswith(("Sort", "Limit", "Nested", "Merge", "Incr")):
                name = text.split(" (")[0].replace(f"{runtime.db.schema}.", "")
                rows = text.split("rows=")[1].split()[0] if "rows=" in text else "?"
                nodes.append(f"{name} [{rows}]")
    if len(nodes) <= 12:
        return " > ".join(nodes)
    counted = Counter(n.split(" [")[0].replace("a_", "").rstrip("0123456789") for n in nodes)
    return ", ".join(f"{name} x{n}" if n > 1 else name for name, n in counted.items())


def deep_cursor(runtime: Runtime, wanted: AuditFilter) -> Cursor | None:
    """The cursor of a page 90 % of the way into the filtered entries."""
    statement, params = select(runtime.db.schema, wanted, past=None, newest_first=True, limit=10**7)
    with runtime.db.pool.connection() as conn:
        count = conn.execute(sql.SQL("select count(*) from ({}) x").format(statement), params)
        total = count.fetchone()[0]  # type: ignore[index]
        if total < 102:
            return None
        offset = sql.SQL("select at, id from ({}) x offset %(deep)s limit 1").format(statement)
        row = conn.execute(offset, {**params, "deep": int(total * 0.9)}).fetchone()
    return Cursor(*row) if row else None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=1_000_000)
    args = parser.parse_args()
    print(machine())
    with scratch_runtime() as runtime:
        print(f"filled {args.entries:,} entries in {fill(runtime, args.entries):.1f} s")
        measure(runtime)


def measure(runtime: Runtime) -> None:
    """Time and explain a page of each reader and filter (the log filled)."""
    log = runtime.audit
    baseline = median_ms(partial(newest_by_key, runtime))
    print(f"baseline (newest 51 by primary key): {baseline:.2f} ms\n")
    two = frozenset({"UA-01", RARE})
    cases = {
        "admin, no filter": AuditFilter(),
        "admin, one day in the middle": AuditFilter(
            since=_at("2025-07-01"), until=_at("2025-07-02")
        ),
        "admin, one user": AuditFilter(user_name="user-123"),
        "admin, a rare action (1 %)": AuditFilter(action="action.39"),
        "admin, a common action (16 %)": AuditFilter(action="action.0"),
        "admin, a case reference (8)": AuditFilter(case=_case(runtime)),
        "supervisor of a busy and a rare region": AuditFilter(regions=two),
        "supervisor of the rare region alone": AuditFilter(regions=frozenset({RARE})),
        "supervisor of 24 regions": AuditFilter(regions=frozenset(REGIONS[:24])),
        "supervisor of two regions, a rare action": AuditFilter(regions=two, action="action.39"),
        "supervisor, 24 regions, one user": AuditFilter(
            regions=frozenset(REGIONS[:24]), user_name="user-7"
        ),
        "supervisor, two regions, one week": AuditFilter(
            regions=two, since=_at("2025-03-01"), until=_at("2025-03-08")
        ),
    }
    print(f"{'reader and filter':42} {'first':>8} {'deep':>8} {'ratio':>6}  plan (rows)")
    for name, wanted in cases.items():
        deep = deep_cursor(runtime, wanted)
        first = median_ms(partial(log.entries, wanted, limit=51))
        later = median_ms(partial(log.entries, wanted, limit=51, past=deep))
        print(
            f"{name:42} {first:6.2f}ms {later:6.2f}ms {max(first, later) / baseline:5.1f}x"
            f"  {plan(runtime, wanted, deep)}"
        )


def _at(day: str) -> datetime:
    return datetime.fromisoformat(day + "T00:00:00+00:00")


def _case(runtime: Runtime) -> str:
    with runtime.db.pool.connection() as conn:
        found = conn.execute(
            sql.SQL("select case_id from {} where id = 500000").format(
                sql.Identifier(runtime.db.schema, "audit_log")
            )
        ).fetchone()
    return str(found[0]).replace("-", "")[:8] if found else "00000000"


if __name__ == "__main__":
    main()
