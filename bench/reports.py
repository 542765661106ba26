"""Reports benchmark: official statistics over >= 1,000,000 events, current and as of a past time.

Prints, in one run: the raw scan of the events table (the baseline) and the statistics read
model's rebuild against it; the median latency of every report (current figures, exact and
protected) for one year by region, all years by year, and sex by age group, against the 50 ms
target; each report as of a past recorded time, against the 10 s target and as a ratio to the
plain rebuild of the read model behind it; a publication and its reproduction. Current figures
are checked equal to the figures as of now (same digest), and the as-of ones to a rebuild of
the read model from only the events recorded up to that time.

    make bench            # or: .venv/bin/python bench/reports.py [--events N] [--repeats N]
"""

from __future__ import annotations

import argparse
import signal
import sys
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path

from psycopg import sql

sys.path.insert(0, str(Path(__file__).parent))
from common import finish, machine, median_ms, scratch_runtime, seed_events, timed, verdict
from rebuild import raw_scan
from referral_engine.application.statistics import Figures, Request
from referral_engine.bootstrap import Runtime

REPORTS = ("status", "identification", "assistance", "quality")
CURRENT_MS, AS_OF_S, K = 50.0, 10.0, 5
RECORDED = "(convert_from(state, 'UTF8')::jsonb -> 'timestamp' ->> '_data_')::timestamptz"
"""An event's recorded time (its eventsourcing `timestamp`) read from its stored state."""


def requests(today: date) -> dict[str, Request]:
    """The shapes asked of every report: a year by region, all years by year, two dimensions."""
    ever = date(2000, 1, 1)
    return {
        "one year by region": Request("", today - timedelta(days=365), today, ("region",)),
        "all years by year": Request("", ever, today, ("year",)),
        "sex x age group": Request("", ever, today, ("sex", "age_group")),
    }


def read(runtime: Runtime, request: Request) -> Figures:
    return runtime.statistics.figures(request, k=K)


def latencies(runtime: Runtime, repeats: int) -> list[bool]:
    """Median milliseconds of each report, shape and protection, current figures."""
    met = []
    for name in REPORTS:
        for shape, base in requests(date.today()).items():
            for exact in (True, False):
                request = replace(base, name=name, exact=exact)
                read(runtime, request)  # warm the plan and the pages
                samples = [timed(partial(read, runtime, request))[0] for _ in range(repeats)]
                ms = median_ms(samples)
                label = f"report {name} {shape} {'exact' if exact else f'k={K}'} median"
                met.append(verdict(label, ms, CURRENT_MS, False, unit=" ms", digits=1).passed)
    return met


def past_moment(runtime: Runtime) -> tuple[int, datetime]:
    """The position and recorded time of the event at 60% of the log."""
    events = sql.Identifier(runtime.settings.database_schema, "cases_events")
    with runtime.projections._connect() as conn:
        counted = conn.execute(sql.SQL("select count(*) from {}").format(events)).fetchone()
        count = counted[0] if counted else 0
        row = conn.execute(
            sql.SQL(
                f"select notification_id, {RECORDED} from {{}} order by notification_id "
                "offset %s limit 1"
            ).format(events),
            [int(count * 0.6)],
        ).fetchone()
    assert row is not None
    return int(row[0]), row[1]


def as_of(runtime: Runtime, at: datetime, rebuild_s: float) -> list[bool]:
    """Each report as of a past moment: its time and its ratio to the plain rebuild."""
    met = []
    for name in REPORTS:
        for shape, base in requests(date.today()).items():
            request = replace(base, name=name, exact=True, as_of=at)
            seconds = min(timed(partial(read, runtime, request))[0] for _ in range(3))
            print(f"as_of {name} {shape}: ratio to rebuild {seconds / rebuild_s:.4f}")
            label = f"as_of {name} {shape}"
            met.append(verdict(label, seconds, AS_OF_S, False, unit=" s", digits=3).passed)
    return met


def same_figures(runtime: Runtime, at: datetime | None) -> list[str]:
    """The reports (exact and protected) whose figures differ between current and as of `at`
    (None: now); returns what differs, empty when all agree."""
    stamp = at or datetime.now(UTC)
    differ = []
    for name in REPORTS:
        for shape, base in requests(date.today()).items():
            for exact in (True, False):
                request = replace(base, name=name, exact=exact)
                past = read(runtime, replace(request, as_of=stamp))
                if read(runtime, request).digest != past.digest:
                    differ.append(f"{name} {shape} {'exact' if exact else 'protected'}")
    return differ


def digests(runtime: Runtime, at: datetime | None) -> dict[tuple[str, str, bool], str]:
    return {
        (name, shape, exact): read(runtime, replace(base, name=name, exact=exact, as_of=at)).digest
        for name in REPORTS
        for shape, base in requests(date.today()).items()
        for exact in (True, False)
    }


def publication(runtime: Runtime) -> float:
    """Publish the status report for a year by region, then reproduce it to the digit."""
    request = replace(requests(date.today())["one year by region"], name="status", exact=True)

    def round_trip() -> None:
        published, _ = runtime.statistics.publish(request, by="bench")
        runtime.statistics.reproduce(published.id)

    return timed(round_trip)[0]


def rebuilt_as_of(runtime: Runtime, at: datetime) -> dict[tuple[str, str, bool], str]:
    """The current figures of a read model rebuilt from only the events recorded up to `at`
    (the later ones deleted from the log: the last thing the benchmark does)."""
    events = sql.Identifier(runtime.settings.database_schema, "cases_events")
    with runtime.projections._connect() as conn:
        conn.execute(sql.SQL("delete from {} where " + RECORDED + " > %s").format(events), [at])
    runtime.projections.rebuild("statistics")
    return digests(runtime, None)


def checks(runtime: Runtime, at: datetime) -> list[str]:
    """Current figures == figures as of now; as-of figures == the figures of a read model
    rebuilt from only the events recorded by then. What differs (empty: all agree)."""
    differ = same_figures(runtime, None)
    print(f"current figures == figures as of now: {differ or 'yes'}")
    expected = digests(runtime, at)
    rebuilt = [
        f"as_of {name} {shape} {'exact' if exact else 'protected'}"
        for (name, shape, exact), digest in rebuilt_as_of(runtime, at).items()
        if digest != expected[(name, shape, exact)]
    ]
    print(f"as_of figures == a rebuild from the events recorded by then: {rebuilt or 'yes'}")
    return differ + rebuilt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument(
        "--checks",
        action="store_true",
        help="also check current == as of now and as of == a rebuild from the events recorded "
        "by then (minutes at 1,000,000 events; the test suite checks both on small logs)",
    )
    args = parser.parse_args()
    # a run stopped with SIGTERM still drops its scratch schemas (a million events each)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with scratch_runtime(run_projections=False) as runtime:
        print(f"machine: {machine()}; database: {runtime.display_url}")
        seconds, written = timed(lambda: seed_events(runtime, args.events))
        print(f"seeded {written:,} events in {seconds:.1f} s")
        raw_seconds, rows = min(timed(lambda: raw_scan(runtime)) for _ in range(3))
        print(f"baseline raw scan (best of 3): {rows:,} rows in {raw_seconds:.2f} s")
        rebuild_s = min(
            timed(partial(runtime.projections.rebuild, "statistics"))[0] for _ in range(2)
        )
        print(
            f"rebuild statistics (best of 2): {rebuild_s:.2f} s = {rows / rebuild_s:,.0f} "
            f"events/s  ratio to the raw scan {raw_seconds / rebuild_s:.2f}"
        )
        current = latencies(runtime, args.repeats)
        position, at = past_moment(runtime)
        print(f"as_of: {at.isoformat()} (recorded time of the event at 60%: position {position:,})")
        past = as_of(runtime, at, rebuild_s)
        trip = publication(runtime)
        print(f"publish + reproduce (status, a year by region): {trip * 1000:.1f} ms")
        differ = checks(runtime, at) if args.checks else []
        print(
            f"current reports under 50 ms: {sum(current)}/{len(current)}; "
            f"as_of under 10 s: {sum(past)}/{len(past)}"
        )
        if differ:
            sys.exit(1)


if __name__ == "__main__":
    main()
    finish()
