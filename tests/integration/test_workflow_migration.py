"""Workflow versions on PostgreSQL: cases opened under ukraine-nrm v1, some migrated to v2 and
some left on v1; histories replay identically and the read models count both versions."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any
from uuid import UUID

from referral_engine.application.deadline_board import BoardFilter, deadline_board
from referral_engine.application.engine import Engine
from referral_engine.bootstrap import Runtime
from referral_engine.domain.access import Scope
from referral_engine.domain.commands import Actor
from tests.factories import (
    LSA,
    UKRAINE,
    FixedClock,
    case_in,
    data_for,
    engine_on_version,
    open_case,
    path_to,
    step,
)

ADMIN = Actor("ops", "admin", "operations")
STATES = ("screened", "interviewed", "identified", "status_granted", "under_appeal")
QUEUE = {
    "regions": None,
    "whole": None,
    "marks": [],
    "answering": None,
    "mine": None,
    "region": None,
    "state": None,
    "from": None,
    "to": None,
    "overdue": None,
    "after": None,
    "limit": 1000,
}


def case_in_region(engine: Engine, state: str, region: str) -> UUID:
    case_id = open_case(engine, region=region).case_id
    step(engine, case_id, "record_consent", actor=LSA)
    for trigger in path_to(engine.workflows.get(UKRAINE), state):
        step(engine, case_id, trigger)
    return case_id


def replays(engine: Engine, case_id: UUID, upto: int) -> list[Any]:
    return [engine.case_at_version(case_id, v) for v in range(1, upto + 1)]


def test_some_cases_move_to_v2_others_stay_on_v1_and_both_replay_and_count(
    pg_runtime: Runtime, clock: FixedClock
) -> None:
    engine = pg_runtime.engine
    v1 = engine_on_version(engine, UKRAINE, 1)
    kyiv = [case_in(v1, state) for state in STATES]
    lviv = [case_in_region(v1, state, "UA-46") for state in STATES]
    step(v1, kyiv[-1], "close_case")  # closed, yet open for migration: it may be reopened
    before = {c: (engine.case(c).version, engine.history(c)) for c in kyiv + lviv}
    replayed = {c: replays(engine, c, v) for c, (v, _) in before.items()}
    clock.advance(days=1)

    report = engine.migrate_cases(
        UKRAINE, 1, 2, actor=ADMIN, scope=Scope(frozenset({"UA-32"}))
    )  # a pilot region first
    assert report.refused == () and set(report.moved) == set(kyiv)

    # every case's past replays identically; migrated ones gained exactly one event
    for case_id, (version, history) in before.items():
        assert replays(engine, case_id, version) == replayed[case_id]
        assert engine.history(case_id)[:version] == history
    assert {engine.case(c).workflow_version for c in kyiv} == {2}
    assert {engine.case(c).workflow_version for c in lviv} == {1}
    assert step(engine, kyiv[3], "request_extension").state == "extension_requested"

    pg_runtime.projections.catch_up()
    rows = pg_runtime.projections.query("case_queue", "queue", {**QUEUE, "today": clock.now})
    mine = [r for r in rows if r["case_id"] in set(kyiv + lviv)]
    assert Counter(r["workflow_version"] for r in mine) == {2: len(kyiv), 1: len(lviv)}
    live = sorted(mine, key=lambda r: r["case_id"])
    pg_runtime.projections.rebuild("case_queue")
    rebuilt = pg_runtime.projections.query("case_queue", "queue", {**QUEUE, "today": clock.now})
    assert (
        sorted((r for r in rebuilt if r["case_id"] in set(kyiv + lviv)), key=lambda r: r["case_id"])
        == live
    )


def test_the_deadline_board_lists_a_step_held_back_until_its_earliest_date(
    pg_runtime: Runtime, clock: FixedClock
) -> None:
    engine = pg_runtime.engine
    uk = engine.workflows.get("uk-nrm")
    fr, ca = Actor("fr", "first_responder", "police-met"), Actor("ca", "competent_authority", "sca")
    adult = data_for(uk.opening, is_child=False)
    case_id = engine.open_case("uk-nrm", "GB-ENG", adult, actor=fr).case_id
    for trigger, actor in [("record_consent", fr), ("refer_adult", fr), ("decide_rg_positive", ca)]:
        spec = next(t for t in uk.transitions if t.trigger == trigger)
        version = engine.case(case_id).version
        engine.take_step(case_id, trigger, data_for(spec), actor=actor, expected_version=version)
    pg_runtime.projections.catch_up()
    board = {"regions": None, "region": "GB-ENG", "agency": None, "limit": 10}

    waiting = pg_runtime.projections.query(
        "deadlines", "waiting", {**board, "today": clock.now.date()}
    )
    assert {(r["trigger"], r["earliest_on"].isoformat()) for r in waiting} == {
        ("decide_cg_positive", "2026-04-01"),
        ("decide_cg_negative", "2026-04-01"),
    }
    later = {**board, "today": date(2026, 4, 1)}
    assert pg_runtime.projections.query("deadlines", "waiting", later) == []  # allowed by then
    open_deadlines = pg_runtime.projections.query(
        "deadlines", "open", {**board, "from": None, "to": None, "today": clock.now.date()}
    )
    assert [d["name"] for d in open_deadlines] == []  # the RG deadline stopped; guards are apart


def test_a_case_past_the_legal_month_shows_overdue_on_the_deadline_board(
    pg_runtime: Runtime, clock: FixedClock
) -> None:
    """ukraine-nrm 6: one month from the interview to the decision (Law 3739-VI, art. 15(3)),
    a legal term, not a service target; a month and a day later it is overdue on the board."""
    engine = pg_runtime.engine
    case_id = case_in(engine, "interviewed")
    clock.advance(days=32)
    pg_runtime.projections.catch_up()
    today = clock.now.date()

    board = deadline_board(pg_runtime.projections, BoardFilter(today, None, region="UA-32"))

    (late,) = [r for r in board.overdue if r["case_id"] == case_id]
    assert (late["name"], late["due_on"], late["service_target"]) == (
        "status_procedure",
        date(2026, 4, 2),
        False,
    )
