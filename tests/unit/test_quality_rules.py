"""Quality of assistance in the workflows (ukraine-nrm 4, uk-nrm 3): the outcome required at
closure, follow-ups held back 90 days after the closure and after each other, and the person's
feedback on a service only once assistance was delivered, recorded by caseworkers, never by the
agency judged; older cases migrated with their closed state and completed referrals."""

from __future__ import annotations

from uuid import UUID

import pytest

from referral_engine.application.engine import Engine
from referral_engine.domain.commands import Actor
from referral_engine.domain.errors import IllegalTransition, InvalidData, RoleNotAllowed, TooEarly
from referral_engine.domain.reporting import OUTCOMES, RATINGS
from tests.factories import (
    LSA,
    SHELTER,
    SUPERVISOR,
    UKRAINE,
    FixedClock,
    case_in,
    engine_on_version,
    referral_step,
    send_referral,
    step,
)
from tests.unit.test_uk_nrm import FR, SP, take, uk_case_in

ADMIN = Actor("ops", "admin", "operations")


def closed_case(engine: Engine) -> UUID:
    case_id = case_in(engine, "status_granted")
    step(engine, case_id, "close_case", actor=SUPERVISOR, data=closing("employed"))
    return case_id


def closing(outcome: str) -> dict[str, object]:
    return {"closure_reason": "assistance_completed", "closure_outcome": outcome}


def assisted(engine: Engine) -> tuple[UUID, str]:
    """A case with a referral accepted and assistance delivered on it."""
    case_id = case_in(engine, "application_registered")
    referral_id = send_referral(engine, case_id).referral_id
    assert referral_id is not None
    referral_step(engine, case_id, referral_id, "accept")
    referral_step(engine, case_id, referral_id, "deliver_assistance")
    return case_id, referral_id


def feedback(
    engine: Engine, case_id: UUID, referral_id: str, actor: Actor = LSA, rating: str = "good"
) -> str:
    result = referral_step(
        engine,
        case_id,
        referral_id,
        "record_feedback",
        actor=actor,
        feedback_rating=rating,
        feedback_reasons=["timely", "respectful"],
        feedback_given_by="person",
    )
    assert result.referral_id == referral_id
    return next(r.state for r in engine.case(case_id).referrals if r.id == referral_id)


def test_the_outcome_is_required_on_closure_and_from_the_fixed_list(engine: Engine) -> None:
    case_id = case_in(engine, "status_granted")
    with pytest.raises(InvalidData) as missing:
        step(engine, case_id, "close_case", actor=SUPERVISOR, data={"closure_reason": "other"})
    assert [p.path for p in missing.value.problems] == ["data.closure_outcome"]
    with pytest.raises(InvalidData):
        step(engine, case_id, "close_case", actor=SUPERVISOR, data=closing("happy"))
    assert step(engine, case_id, "close_case", actor=SUPERVISOR, data=closing("employed"))
    assert engine.case(case_id).data["closure_outcome"] == "employed"
    assert "lost_contact" in OUTCOMES and "moved_abroad" in OUTCOMES


def test_a_follow_up_waits_90_days_after_closure_and_after_each_follow_up(
    engine: Engine, clock: FixedClock
) -> None:
    case_id = closed_case(engine)
    clock.advance(days=89)
    with pytest.raises(TooEarly):
        step(engine, case_id, "record_follow_up", actor=LSA)
    clock.advance(days=1)
    done = step(
        engine, case_id, "record_follow_up", actor=LSA, data={"follow_up_outcome": "employed"}
    )
    assert done.state == "closed"  # the case stays closed (and may still be reopened)
    clock.advance(days=30)
    with pytest.raises(TooEarly):  # repeated, but a quarter apart
        step(engine, case_id, "record_follow_up", actor=LSA)
    clock.advance(days=60)
    assert step(engine, case_id, "record_follow_up", actor=LSA).state == "closed"


def test_a_follow_up_is_refused_on_an_open_case(engine: Engine) -> None:
    case_id = case_in(engine, "status_granted")
    version = engine.case(case_id).version
    with pytest.raises(IllegalTransition):
        engine.take_step(
            case_id,
            "record_follow_up",
            {"follow_up_outcome": "other"},
            actor=LSA,
            expected_version=version,
        )


def test_feedback_only_after_assistance_was_delivered(engine: Engine) -> None:
    case_id = case_in(engine, "application_registered")
    referral_id = send_referral(engine, case_id).referral_id
    assert referral_id is not None
    referral_step(engine, case_id, referral_id, "accept")
    with pytest.raises(IllegalTransition):
        feedback(engine, case_id, referral_id)
    referral_step(engine, case_id, referral_id, "deliver_assistance")
    assert feedback(engine, case_id, referral_id) == "delivered"
    assert feedback(engine, case_id, referral_id, rating="very_good") == "delivered"  # again
    referral_step(engine, case_id, referral_id, "complete")
    assert feedback(engine, case_id, referral_id, actor=SUPERVISOR) == "reviewed"  # the last word
    with pytest.raises(IllegalTransition):
        feedback(engine, case_id, referral_id)


def test_feedback_is_recorded_by_caseworkers_never_by_the_agency_judged(engine: Engine) -> None:
    case_id, referral_id = assisted(engine)
    with pytest.raises(RoleNotAllowed):
        feedback(engine, case_id, referral_id, actor=SHELTER)
    with pytest.raises(InvalidData):  # a rating off the scale
        feedback(engine, case_id, referral_id, rating="excellent")
    assert set(RATINGS) == {"very_poor", "poor", "fair", "good", "very_good"}


def test_migration_to_version_4_moves_closed_cases_and_completed_referrals(engine: Engine) -> None:
    v3 = engine_on_version(engine, UKRAINE, 3)
    closed = case_in(v3, "status_granted")
    step(v3, closed, "close_case", actor=SUPERVISOR, data={"closure_reason": "other"})
    completed = case_in(v3, "application_registered")
    referral_id = send_referral(v3, completed).referral_id
    assert referral_id is not None
    for trigger in ("accept", "deliver_assistance", "complete"):
        referral_step(v3, completed, referral_id, trigger)
    report = engine.migrate_cases(UKRAINE, 3, 4, actor=ADMIN)
    assert {closed, completed} <= set(report.moved)
    assert engine.case(completed).workflow_version == 4
    assert feedback(engine, completed, referral_id) == "reviewed"
    # closed under version 3, whose closure started no guard: followed up at once
    assert step(engine, closed, "record_follow_up", actor=LSA).state == "closed"


def test_uk_closing_steps_record_the_outcome_and_follow_ups_end(
    engine: Engine, clock: FixedClock
) -> None:
    case_id = uk_case_in(engine, clock, "move_on_support")
    clock.advance(days=50)
    with pytest.raises(InvalidData):
        take_with(engine, case_id, "end_move_on_support", SP, {})
    take_with(engine, case_id, "end_move_on_support", SP, {"closure_outcome": "in_other_support"})
    with pytest.raises(TooEarly):
        take(engine, case_id, "record_follow_up", actor=FR)
    clock.advance(days=90)
    assert take(engine, case_id, "record_follow_up", actor=FR).state == "closed"
    assert take(engine, case_id, "end_follow_up").state == "follow_up_ended"


def take_with(engine: Engine, case_id: UUID, trigger: str, actor: Actor, data: dict) -> None:  # type: ignore[type-arg]
    case = engine.case(case_id)
    engine.take_step(case_id, trigger, data, actor=actor, expected_version=case.version)
