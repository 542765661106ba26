"""Statistics: current figures (read from the current profiles) and figures as of now or at the
read model's position (folded from the recorded changes) are the same figures."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from itertools import product

from referral_engine.application import demo
from referral_engine.application.statistics import Request
from referral_engine.bootstrap import Runtime

SHAPES = (
    ("region",),
    ("year",),
    ("sex", "age_group"),
)


def test_current_figures_are_the_figures_as_of_now(pg_runtime: Runtime) -> None:
    """Seeded once (the seed is most of the time), read for every report, exact and protected."""
    demo.seed(pg_runtime.engine, "ukraine-nrm", 25, seed=15)
    pg_runtime.projections.catch_up()
    today = pg_runtime.engine.clock().date()
    now = pg_runtime.engine.clock()
    for report, exact, by in product(
        ("status", "identification", "assistance"), (True, False), SHAPES
    ):
        for start in (today - timedelta(days=60), date(2000, 1, 1)):
            request = Request(report, start, today, by, exact=exact)
            current = pg_runtime.statistics.figures(request, k=5)
            assert current.tables and any(t.cells for t in current.tables)
            as_of = pg_runtime.statistics.figures(replace(request, as_of=now), k=5)
            pinned = pg_runtime.statistics.figures(replace(request, upto=current.position), k=5)
            assert as_of.digest == current.digest, (report, exact, by, start)
            assert pinned.digest == current.digest, (report, exact, by, start)


def test_a_rebuild_computes_the_figures_the_triggers_kept(pg_runtime: Runtime) -> None:
    """Live, each write recomputes its cases' contributions (triggers); a rebuild computes them
    all in one pass once the facts are written: both give the same figures, and the triggers
    keep them after the rebuild as before it."""
    demo.seed(pg_runtime.engine, "ukraine-nrm", 20, seed=21)
    pg_runtime.projections.catch_up()
    today = pg_runtime.engine.clock().date()
    requests = [
        Request(report, date(2000, 1, 1), today, by, exact=True)
        for report in ("status", "identification", "assistance")
        for by in SHAPES
    ]
    live = [pg_runtime.statistics.figures(r, k=5).digest for r in requests]
    pg_runtime.projections.rebuild("statistics")
    assert [pg_runtime.statistics.figures(r, k=5).digest for r in requests] == live
    demo.seed(pg_runtime.engine, "ukraine-nrm", 10, seed=22)  # kept by the triggers again
    pg_runtime.projections.catch_up()
    after = [pg_runtime.statistics.figures(r, k=5) for r in requests]
    pg_runtime.projections.rebuild("statistics")
    assert [pg_runtime.statistics.figures(r, k=5).digest for r in requests] == [
        f.digest for f in after
    ]
    assert [f.digest for f in after] != live
