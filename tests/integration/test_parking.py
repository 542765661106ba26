"""A read model is never stopped by one event: what it cannot fold is parked, the rest folded.

Two poison events in a real log: a referral to the agency the test read model `fragile` refuses
(its handler raises), and a referral whose stored agency holds a NUL, written by raw SQL as an
old event could hold one (the API refuses it now): PostgreSQL refuses that row, in `fragile` and
in the shipped `referrals` read model alike."""

from __future__ import annotations

import dataclasses
import importlib.util
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import orjson
import psycopg
import pytest
from psycopg import sql

from referral_engine.adapters.readmodels.worker import LiveWorker
from referral_engine.application.readmodel import Changes, Event
from referral_engine.bootstrap import Runtime, build
from referral_engine.config import PROJECT_ROOT, Settings
from tests.factories import (
    case_in,
    kyiv_shelter,
    send_referral,
    step,
    wait_until,
    with_synthetic_agencies,
)

FRAGILE = Path(__file__).parents[1] / "read_models" / "fragile"
_spec = importlib.util.spec_from_file_location("fragile_for_tests", FRAGILE / "projection.py")
assert _spec is not None and _spec.loader is not None
fragile = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fragile)


@pytest.fixture
def runtime(pg_settings: Settings, tmp_path: Path) -> Iterator[Runtime]:
    """The shipped read models plus `fragile`."""
    folder = tmp_path / "projections"
    folder.mkdir()
    for shipped in (PROJECT_ROOT / "projections").iterdir():
        if (shipped / "projection.py").exists():
            (folder / shipped.name).symlink_to(shipped)
    (folder / "fragile").symlink_to(FRAGILE)
    with build(pg_settings.model_copy(update={"projections_dir": folder})) as rt:
        with_synthetic_agencies(rt.engine, kyiv_shelter(fragile.POISON))
        yield rt


def store_agency(runtime: Runtime, case_id: UUID, version: int, agency: str) -> None:
    """Rewrite the agency a stored referral names, bypassing every check of the engine."""
    events = sql.Identifier(runtime.settings.database_schema, "cases_events")
    where = sql.SQL(" where originator_id = %s and originator_version = %s")
    with psycopg.connect(runtime.database_url) as conn:
        (state,) = conn.execute(
            sql.SQL("select state from {}").format(events) + where, [case_id, version]
        ).fetchone()  # type: ignore[misc]
        d = orjson.loads(state)
        d["data"]["agency"] = agency
        if "agency" in d:
            d["agency"] = agency
        conn.execute(
            sql.SQL("update {} set state = %s").format(events) + where,
            [orjson.dumps(d), case_id, version],
        )


def position_of(runtime: Runtime, case_id: UUID, version: int) -> int:
    events = sql.Identifier(runtime.settings.database_schema, "cases_events")
    with psycopg.connect(runtime.database_url) as conn:
        (position,) = conn.execute(
            sql.SQL(
                "select notification_id from {} where originator_id = %s "
                "and originator_version = %s"
            ).format(events),
            [case_id, version],
        ).fetchone()  # type: ignore[misc]
    return int(position)


def poison(runtime: Runtime) -> dict[str, int]:
    """Cases with good referrals around the two poison ones; their positions by kind."""
    engine = runtime.engine
    first = case_in(engine, "application_registered")
    send_referral(engine, first, agency="shelter-kyiv")
    raising = send_referral(engine, first, agency=fragile.POISON)
    second = case_in(engine, "application_registered")
    nul = send_referral(engine, second, agency="clinic-kyiv", service="medical")
    store_agency(runtime, second, nul.version, "shelter\x00kyiv")
    send_referral(engine, second, agency="clinic-kyiv", service="medical")
    step(engine, case_in(engine, "screened"), "register_application")
    return {
        "raises": position_of(runtime, first, raising.version),
        "nul": position_of(runtime, second, nul.version),
    }


def folded(runtime: Runtime) -> set[int]:
    return {r["position"] for r in runtime.projections.query("fragile", "positions", {})}


def status(runtime: Runtime, name: str) -> Any:
    return next(s for s in runtime.projections.status() if s.name == name)


def test_the_live_path_parks_what_it_cannot_fold_and_folds_every_other_event(
    runtime: Runtime,
) -> None:
    bad = poison(runtime)
    head = runtime.projections.head()

    runtime.projections.catch_up()  # the whole log in one batch

    assert folded(runtime) == set(range(1, head + 1)) - set(bad.values())
    fragile_now = status(runtime, "fragile")
    assert (fragile_now.position, fragile_now.parked, fragile_now.stale) == (head, 2, False)
    parked = {p.position: p for p in runtime.projections.parked("fragile")}
    assert set(parked) == set(bad.values())
    assert parked[bad["raises"]].error_class == "ValueError"
    assert parked[bad["nul"]].error_class == "psycopg.DataError"
    assert parked[bad["nul"]].kind == "ReferralSent" and parked[bad["nul"]].attempts == 1
    referrals = status(runtime, "referrals")  # a shipped read model meets the NUL too
    assert (referrals.position, referrals.parked) == (head, 1)
    assert [p.position for p in runtime.projections.parked("referrals")] == [bad["nul"]]


def test_a_batch_that_the_database_refuses_is_written_in_halves_around_the_bad_event(
    runtime: Runtime,
) -> None:
    bad = poison(runtime)
    runtime.projections.live_batch = 7  # the NUL lands inside batches of several events

    runtime.projections.catch_up()

    head = runtime.projections.head()
    assert folded(runtime) == set(range(1, head + 1)) - set(bad.values())
    assert status(runtime, "fragile").position == head


def test_the_live_worker_goes_on_past_a_poison_event(runtime: Runtime) -> None:
    runtime.projections.catch_up()
    bad = poison(runtime)
    worker = LiveWorker(runtime.projections, poll_seconds=0.05)
    worker.start()
    try:
        head = runtime.projections.head()
        wait_until(
            lambda: all(s.position == head for s in runtime.projections.status()),
            what="every read model to fold the log",
        )
    finally:
        worker.stop()
    assert {s.name: s.parked for s in runtime.projections.status() if s.parked} == {
        "case_queue": 1,  # the NUL agency in the cases it is shared with (need-to-know)
        "fragile": 2,
        "inbox": 1,  # the NUL agency addressed by the referral
        "persons": 1,  # the NUL agency's reach mark (search keeps need-to-know as the queue)
        "referrals": 1,
        "statistics": 1,  # the referral's agency
    }
    assert bad["nul"] not in folded(runtime)


def test_status_is_stale_while_a_read_model_is_behind(runtime: Runtime) -> None:
    runtime.projections.catch_up()
    case_in(runtime.engine, "screened")
    behind = status(runtime, "fragile")
    assert behind.lag_events > 0 and behind.stale
    runtime.projections.catch_up()
    assert not status(runtime, "fragile").stale


def test_a_rebuild_parks_too_and_never_hangs(runtime: Runtime) -> None:
    bad = poison(runtime)
    runtime.projections.catch_up()
    old = status(runtime, "fragile").active_schema
    runtime.projections.rebuild_batch = 5

    finished = threading.Event()

    def rebuild() -> None:
        runtime.projections.rebuild_many(["fragile", "referrals"])
        finished.set()

    threading.Thread(target=rebuild, daemon=True).start()
    assert finished.wait(120), "the rebuild did not finish"

    head = runtime.projections.head()
    now = status(runtime, "fragile")
    assert now.active_schema != old and (now.position, now.parked) == (head, 2)
    assert folded(runtime) == set(range(1, head + 1)) - set(bad.values())
    parked = runtime.projections.parked("fragile")
    assert {p.position: p.attempts for p in parked} == {bad["raises"]: 2, bad["nul"]: 2}
    assert status(runtime, "referrals").parked == 1


def test_a_first_build_of_a_log_with_a_poison_event_parks_it(runtime: Runtime) -> None:
    bad = poison(runtime)
    with runtime.projections._connect() as conn:  # as if fragile had never been built
        conn.execute("delete from projection_registry where name = 'fragile'")
    runtime.projections.catch_up(["fragile"])
    assert status(runtime, "fragile").parked == 2
    assert bad["raises"] not in folded(runtime)


def fixed(event: Event, changes: Changes) -> None:
    """The handler after its fix: every agency folds, a NUL is dropped from the name."""
    agency = event.agency.replace("\x00", "") if event.agency else event.agency
    changes.upsert("folded", {"position": event.position}, set={"agency": agency})


def test_retry_after_a_fix_refolds_the_parked_events_in_order(runtime: Runtime) -> None:
    bad = poison(runtime)
    runtime.projections.catch_up()
    before = status(runtime, "fragile").active_schema

    unchanged = runtime.projections.retry("fragile")  # nothing fixed: nothing rebuilt
    assert unchanged.refolded == [] and len(unchanged.still_parked) == 2
    assert status(runtime, "fragile").active_schema == before

    model = runtime.projections.models["fragile"]
    runtime.projections.models["fragile"] = dataclasses.replace(model, handle=fixed)
    done = runtime.projections.retry("fragile", position=bad["nul"])

    assert done.refolded == sorted(bad.values()) and done.still_parked == []
    head = runtime.projections.head()
    assert folded(runtime) == set(range(1, head + 1))
    assert status(runtime, "fragile").parked == 0
    rows = {
        r["position"]: r["agency"] for r in runtime.projections.query("fragile", "positions", {})
    }
    assert rows[bad["nul"]] == "shelterkyiv"
