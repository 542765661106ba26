"""No duplicate alert lost: the worker following the log behind the persons read model raises the
alert of cases whose post-command check never ran (a crash, or the check skipped while the index
was not ready), never reads past what the persons read model has folded, and keeps its position
while the index is not ready."""

from __future__ import annotations

from uuid import UUID

from referral_engine.adapters.duplicate_checks import DuplicateWorker
from referral_engine.adapters.readmodels.worker import LiveWorker
from referral_engine.application.duplicates import Duplicates, Side
from referral_engine.bootstrap import Runtime
from referral_engine.domain.access import Scope
from tests.factories import open_case, wait_until

KHARKIV, KYIV = "UA-63", "UA-32"
BORN = "1995-04-12"


def of(runtime: Runtime) -> Duplicates:
    return Duplicates.beside(runtime.search, runtime.engine)


def supervisor(region: str) -> Scope:
    return Scope(frozenset({region}), "supervisor", "lsa-x")


class IndexNotReady(Duplicates):
    """The check as it answers while the persons read model is being built."""

    def check(self, case_id: UUID) -> list[Side] | None:
        return None


def test_the_worker_raises_the_alert_no_command_checked(pg_runtime: Runtime) -> None:
    engine = pg_runtime.engine
    checks = DuplicateWorker(pg_runtime.projections, of(pg_runtime), poll_seconds=0.2)
    checks.prepare()  # from the head of the log: here, its start
    # opened through the engine alone: the check after the command never ran (a crash)
    first = open_case(engine, KHARKIV, person_name="Олена Шевченко", date_of_birth=BORN).case_id
    second = open_case(engine, KYIV, person_name="Olena Shevchenko", date_of_birth=BORN).case_id
    live = LiveWorker(pg_runtime.projections, poll_seconds=0.2)
    live.start()
    checks.start()
    try:
        wait_until(
            lambda: of(pg_runtime).alerts(supervisor(KYIV)),
            what="the worker to raise the alert and the persons read model to fold it",
        )
    finally:
        checks.stop()
        live.stop()
    [alert] = of(pg_runtime).alerts(supervisor(KHARKIV))
    assert {alert.low, alert.high} == {first, second}
    assert checks.position() >= pg_runtime.projections.head() - 1  # the alert's own event aside


def test_the_worker_waits_for_the_index_and_keeps_its_place_while_not_ready(
    pg_runtime: Runtime,
) -> None:
    engine, projections = pg_runtime.engine, pg_runtime.projections
    checks = DuplicateWorker(projections, of(pg_runtime))
    checks.prepare()
    open_case(engine, KHARKIV, person_name="Олена Шевченко", date_of_birth=BORN)
    projections.catch_up()
    open_case(engine, KYIV, person_name="Olena Shevchenco", date_of_birth=BORN)
    start = checks.position()
    assert checks.step() == 1  # the first case only: the persons read model holds no more
    assert checks.position() == start + 1 and not of(pg_runtime).alerts(supervisor(KYIV))
    projections.catch_up()
    not_ready = DuplicateWorker(projections, IndexNotReady.beside(pg_runtime.search, engine))
    assert not_ready.step() == 0 and checks.position() == start + 1  # the batch again, later
    assert checks.step() == 1
    projections.catch_up()
    [alert] = of(pg_runtime).alerts(supervisor(KYIV))
    assert alert.raised.region == KYIV and alert.state == "open"
    assert checks.step() == 1  # the alert's own event: read, it records no name
    assert checks.step() == 0 and len(of(pg_runtime).alerts(supervisor(KYIV))) == 1


class Broken(Duplicates):
    """A check that fails on every case (a bug, a workflow no longer loaded)."""

    def check(self, case_id: UUID) -> list[Side] | None:
        raise KeyError("no such workflow")


def test_a_case_whose_check_fails_is_logged_and_skipped(pg_runtime: Runtime) -> None:
    engine, projections = pg_runtime.engine, pg_runtime.projections
    checks = DuplicateWorker(projections, Broken.beside(pg_runtime.search, engine))
    checks.prepare()
    open_case(engine, KYIV, person_name="Olena Shevchenko", date_of_birth=BORN)
    projections.catch_up()
    assert checks.step() == 1 and checks.position() == projections.head()  # never stuck
