"""Read models after a transfer between regions, on PostgreSQL: the queue lists a waiting
transfer for the receiving region and moves the case on acceptance, the deadline board and its
counts move with it (same due dates), what happened before stays counted where it happened;
a rebuild from the log gives the same rows."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from uuid import UUID

from referral_engine.bootstrap import Runtime
from referral_engine.domain.access import Scope
from referral_engine.domain.transfers import Assignee
from tests.factories import LSA, UKRAINE, FixedClock, case_in, engine_on_version

KHARKIV, KYIV = "UA-63", "UA-32"
OLD_LSA = replace(LSA, user_id="oksana.lsa", agency="lsa-kharkivska")
NEW_LSA = replace(LSA, user_id="taras.lsa", agency="lsa-kyivska")
OLD = Scope(frozenset({KHARKIV}), "lsa_official", "lsa-kharkivska")
NEW = Scope(frozenset({KYIV}), "lsa_official", "lsa-kyivska")
QUEUE = {
    "whole": None,
    "marks": [],
    "region": None,
    "state": None,
    "from": None,
    "to": None,
    "overdue": None,
    "after": None,
    "mine": None,
    "limit": 1000,
}
BOARD = {"region": None, "agency": None, "from": None, "to": None, "limit": 1000}


def queue(runtime: Runtime, clock: FixedClock, regions: list[str], **kw: Any) -> list[UUID]:
    params = {**QUEUE, "regions": regions, "answering": ["ukraine-nrm"], "today": clock.now, **kw}
    return [r["case_id"] for r in runtime.projections.query("case_queue", "queue", params)]


def snapshot(runtime: Runtime, clock: FixedClock) -> dict[str, Any]:
    """Every row the tests read, in a stable order."""
    today = {"today": clock.now.date()}
    return {
        "queue": runtime.projections.query(
            "case_queue",
            "queue",
            {**QUEUE, "regions": None, "answering": None, **today},
        ),
        "board": runtime.projections.query(
            "deadlines", "open", {**BOARD, "regions": None, **today}
        ),
        "counts": runtime.projections.query(
            "deadlines", "dashboard", {"region": None, "from": None, "to": None, **today}
        ),
    }


def test_read_models_follow_a_transfer_and_a_rebuild_agrees(
    pg_runtime: Runtime, clock: FixedClock
) -> None:
    engine = pg_runtime.engine
    moved = case_in(engine, "application_registered", region=KHARKIV)  # the interview's clock
    staying = case_in(engine, "application_registered", region=KHARKIV)
    old = case_in(engine_on_version(engine, UKRAINE, 1), "screened", region=KHARKIV)
    for case_id in (moved, old):
        version = engine.case(case_id).version
        engine.request_transfer(
            case_id, KYIV, "person_moved", actor=OLD_LSA, scope=OLD, expected_version=version
        )
    pg_runtime.projections.catch_up()
    waiting = pg_runtime.projections.query(
        "case_queue",
        "transfers_waiting",
        {"regions": [KYIV], "answering": ["ukraine-nrm"], "limit": 10},
    )
    assert {r["case_id"] for r in waiting} == {moved, old}
    assert {moved, old} <= set(queue(pg_runtime, clock, [KYIV]))
    assert not {moved, old} & set(queue(pg_runtime, clock, [KYIV], answering=[]))

    clock.advance(days=1)
    for case_id in (moved, old):
        version = engine.case(case_id).version
        engine.answer_transfer(case_id, True, actor=NEW_LSA, scope=NEW, expected_version=version)
    version = engine.case(moved).version
    taras = Assignee(NEW_LSA.user_id, NEW)
    engine.assign(moved, NEW_LSA.user_id, taras, actor=NEW_LSA, scope=NEW, expected_version=version)
    pg_runtime.projections.catch_up()

    kharkiv, kyiv = queue(pg_runtime, clock, [KHARKIV]), queue(pg_runtime, clock, [KYIV])
    assert staying in kharkiv and not {moved, old} & set(kharkiv)
    assert {moved, old} <= set(kyiv)
    assert queue(pg_runtime, clock, [KYIV], mine=NEW_LSA.user_id) == [moved]
    rows = snapshot(pg_runtime, clock)
    board = {r["case_id"]: r for r in rows["board"]}
    assert board[moved]["region"] == KYIV and board[staying]["region"] == KHARKIV
    assert board[moved]["due_on"] == board[staying]["due_on"]  # opened the same day
    counts = {(r["region"], r["deadline"]): r["open"] for r in rows["counts"]}
    assert counts[(KHARKIV, "interview")] == 1 and counts[(KYIV, "interview")] >= 1

    for name in ("case_queue", "deadlines", "inbox", "statistics"):
        pg_runtime.projections.rebuild(name)
    assert snapshot(pg_runtime, clock) == rows
