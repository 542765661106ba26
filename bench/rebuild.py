"""Rebuild benchmark: read models rebuilt from >= 1,000,000 events against a raw scan.

Prints the raw server-side scan rate of the events table (the baseline, measured in the same
run), each read model's rebuild rate, the full rebuild rate and their ratios, then the median
latency of every dashboard query on the same data.

    make bench            # or: .venv/bin/python bench/rebuild.py [--events N]
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from functools import partial
from pathlib import Path

from psycopg import sql

sys.path.insert(0, str(Path(__file__).parent))
from common import finish, machine, median_ms, scratch_runtime, seed_events, timed, verdict
from referral_engine.bootstrap import Runtime

REBUILD_RATIO = 0.25  # each read model alone and all six in one pass, to the raw scan
DASHBOARD_MS = 20.0  # every dashboard query's median


def raw_scan(runtime: Runtime) -> int:
    """The baseline: every row of the events table through a binary server-side cursor."""
    events = sql.Identifier(runtime.settings.database_schema, "cases_events")
    rows = 0
    with runtime.projections._connect() as conn, conn.cursor(name="raw", binary=True) as cur:
        cur.itersize = 20_000
        cur.execute(
            sql.SQL(
                "select notification_id, originator_id, originator_version, topic, state "
                "from {} order by notification_id"
            ).format(events)
        )
        while batch := cur.fetchmany(20_000):
            rows += len(batch)
    return rows


def dashboards(runtime: Runtime, repeats: int = 15) -> dict[str, float]:
    """Median milliseconds of each read model's dashboard query (all regions, all time)."""
    found = {}
    params = {"region": None, "from": None, "to": None, "today": date.today()}
    for name, model in runtime.projections.models.items():
        if "dashboard" not in model.queries:
            continue
        samples = [
            timed(partial(runtime.projections.query, name, "dashboard", params))[0]
            for _ in range(repeats)
        ]
        found[name] = median_ms(samples)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    args = parser.parse_args()
    with scratch_runtime(run_projections=False) as runtime:
        print(f"machine: {machine()}; database: {runtime.display_url}")
        seconds, written = timed(lambda: seed_events(runtime, args.events))
        print(f"seeded {written:,} events in {seconds:.1f} s")
        # the fastest of three scans: a conservative baseline on a machine doing other work
        raw_seconds, rows = min(timed(lambda: raw_scan(runtime)) for _ in range(3))
        raw_rate = rows / raw_seconds
        print(
            f"baseline raw scan (best of 3): {rows:,} rows in {raw_seconds:.2f} s = "
            f"{raw_rate:,.0f} rows/s"
        )
        total = 0.0
        for name in runtime.projections.models:
            seconds, _ = timed(partial(runtime.projections.rebuild, name))
            total += seconds
            rate = rows / seconds
            print(
                f"rebuild {name:<18} {seconds:6.2f} s = {rate:>9,.0f} events/s  "
                f"ratio {rate / raw_rate:.2f}"
            )
            verdict(f"rebuild {name} / raw scan", rate / raw_rate, REBUILD_RATIO, True)
        names = list(runtime.projections.models)
        seconds, _ = timed(lambda: runtime.projections.rebuild_many(names))
        rate = rows / seconds
        print(
            f"rebuild all {len(names)} read models in one pass: {seconds:.2f} s = "
            f"{rate:,.0f} events/s  ratio {rate / raw_rate:.2f}  "
            f"(one after another: {total:.2f} s)"
        )
        verdict("rebuild all in one pass / raw scan", rate / raw_rate, REBUILD_RATIO, True)
        for name, ms in dashboards(runtime).items():
            verdict(f"dashboard {name} median", ms, DASHBOARD_MS, False, unit=" ms", digits=1)


if __name__ == "__main__":
    main()
    finish()
