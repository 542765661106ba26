"""Stated times (`occurred_at`) keep a case's history in order, on both event stores: no step may
be stated before the previous one, so an earliest date counted from a step cannot be moved."""

from __future__ import annotations

from datetime import timedelta

import pytest

from referral_engine.application import demo
from referral_engine.application.engine import Engine
from referral_engine.bootstrap import build_in_memory
from referral_engine.domain.errors import InvalidData, TooEarly
from tests.factories import LSA, FixedClock, case_in, send_referral, step, with_synthetic_agencies
from tests.unit.test_uk_nrm import take, uk_case


@pytest.fixture(params=["in-memory", "postgresql"])
def engine(request: pytest.FixtureRequest, clock: FixedClock) -> Engine:
    """The same stories on the in-memory store and on PostgreSQL."""
    if request.param == "in-memory":
        return with_synthetic_agencies(build_in_memory(clock=clock))
    found: Engine = request.getfixturevalue("pg_runtime").engine
    return found


def problem(refused: pytest.ExceptionInfo[InvalidData]) -> str:
    (only,) = refused.value.problems
    assert only.path == "occurred_at"
    return only.message


def test_a_step_stated_before_the_previous_step_is_refused_naming_its_time(
    engine: Engine, clock: FixedClock
) -> None:
    case_id = case_in(engine, "screened", consent=False)
    clock.advance(hours=3)
    consented = clock.now - timedelta(hours=1)
    step(engine, case_id, "record_consent", actor=LSA, occurred_at=consented)

    with pytest.raises(InvalidData) as refused:
        step(engine, case_id, "register_application", occurred_at=consented - timedelta(minutes=5))

    assert problem(refused) == (
        f"must not be before the previous step, ConsentRecorded ({consented.isoformat()})"
    )
    assert engine.case(case_id).version == 2  # nothing written
    assert step(engine, case_id, "register_application", occurred_at=consented).version == 3


def test_a_referral_step_is_held_to_the_same_order(engine: Engine, clock: FixedClock) -> None:
    case_id = case_in(engine, "application_registered")
    send_referral(engine, case_id)
    sent = engine.history(case_id)[-1].occurred_at
    clock.advance(days=1)
    with pytest.raises(InvalidData) as refused:
        engine.take_referral_step(
            case_id,
            "r1",
            "accept",
            {},
            actor=demo.actor("service_provider", "shelter-kyiv"),
            expected_version=engine.case(case_id).version,
            occurred_at=sent - timedelta(seconds=1),
        )
    assert "ReferralSent" in problem(refused)


def test_a_backdated_decision_cannot_shorten_the_recovery_period(
    engine: Engine, clock: FixedClock
) -> None:
    case_id = uk_case(engine)
    take(engine, case_id, "record_consent")
    referred = take(engine, case_id, "refer_adult")
    referred_at = engine.history(case_id)[-1].occurred_at
    clock.advance(days=20)  # the decision is recorded 20 days late

    with pytest.raises(InvalidData) as refused:  # not before the referral it decides on
        take(engine, case_id, "decide_rg_positive", occurred_at=referred_at - timedelta(days=9))
    assert f"AdultReferred ({referred_at.isoformat()})" in problem(refused)
    decided_at = referred_at + timedelta(days=2)
    take(engine, case_id, "decide_rg_positive", occurred_at=decided_at)
    # unconfirmed backdating: the recovery period counts from the day it is recorded
    earliest = clock.now.date() + timedelta(days=30)
    (guard, _) = engine.case(case_id).not_yet_allowed
    assert (guard.started_on, guard.earliest_on) == (clock.now.date(), earliest)

    with pytest.raises(InvalidData):  # a decision stated before the RG decision it follows
        take(engine, case_id, "decide_cg_positive", occurred_at=decided_at - timedelta(days=1))
    clock.advance(days=29)
    with pytest.raises(TooEarly) as early:
        take(engine, case_id, "decide_cg_positive")
    assert early.value.earliest_on == earliest
    assert engine.case(case_id).version == referred.version + 1


def test_the_demo_states_every_case_in_order(engine: Engine) -> None:
    for workflow_id in ("ukraine-nrm", "uk-nrm"):
        for case_id in demo.seed(engine, workflow_id, cases=3):
            stated = [h.occurred_at for h in engine.history(case_id)]
            assert stated == sorted(stated)
