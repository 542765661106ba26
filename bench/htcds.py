"""HTCDS export benchmark: 10,000 synthetic cases shaped like Ukraine's (imported as a past
register), exported and k-anonymised (k = 11, the default quasi-identifiers, checked by pycanon)
against the 30 s target, with the baseline of a raw psycopg select of the same events.

    make bench            # or: PYTHONPATH=. .venv/bin/python bench/htcds.py [--cases N]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from psycopg import sql

sys.path.insert(0, str(Path(__file__).parent))
from common import finish, scratch_runtime, verdict
from referral_engine.adapters.htcds_exports import wired_exports
from referral_engine.application.demo_htcds import mapping, register
from referral_engine.application.htcds_export import ExportRequest
from referral_engine.application.importing import Imports
from referral_engine.application.registers import read_register
from referral_engine.bootstrap import Runtime
from referral_engine.config import PROJECT_ROOT
from referral_engine.domain.commands import Actor

TARGET_S = 30.0


def raw_select(runtime: Runtime) -> int:
    """The baseline: every event row in case order, through a binary server-side cursor."""
    events = sql.Identifier(runtime.settings.database_schema, "cases_events")
    rows = 0
    with (
        runtime.db.pool.connection() as conn,
        conn.transaction(),
        conn.cursor(name="raw", binary=True) as cur,
    ):
        cur.itersize = 20_000
        cur.execute(
            sql.SQL(
                "select notification_id, originator_id, originator_version, topic, state "
                "from {} order by originator_id, originator_version"
            ).format(events)
        )
        for _ in cur:
            rows += 1
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=10_000)
    args = parser.parse_args()
    with scratch_runtime() as runtime:
        data = register(args.cases, marker="Benchmark Syntheticenko", years=(2021, 2025))
        imports = Imports(runtime.engine.store, runtime.engine.workflows, runtime.engine.clock)
        admin = Actor("admin.bench", "admin", "mlsp")
        imports.run(read_register(data, "b.csv"), "ukraine-nrm", mapping(PROJECT_ROOT), actor=admin)
        started = time.perf_counter()
        events = raw_select(runtime)
        baseline = time.perf_counter() - started
        request = ExportRequest(
            runtime.engine.clock().date().replace(year=2021, month=1, day=1),
            runtime.engine.clock().date(),
        )
        started = time.perf_counter()
        found, _ = wired_exports(runtime).make(request, by="bench")
        took = time.perf_counter() - started
    print(f"raw select of {events} events: {baseline:.2f} s (baseline)")
    print(
        f"HTCDS export of {found.considered} cases ({found.suppressed} suppressed, k = 11): "
        f"{took:.2f} s, {took / baseline:.1f}x the raw select"
    )
    verdict(f"HTCDS export of {found.considered} cases", took, TARGET_S, False, unit=" s")


if __name__ == "__main__":
    main()
    finish()
