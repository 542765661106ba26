"""The UK NRM run by the same engine from workflows/uk-nrm.yaml: consent, Reasonable and
Conclusive Grounds, the recovery-period guard, reconsideration, move-on support, withdrawal."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import UUID

import pytest

from referral_engine.application import demo
from referral_engine.application.engine import Engine
from referral_engine.domain.commands import Actor
from referral_engine.domain.errors import (
    ConditionNotMet,
    IllegalTransition,
    PreconditionMissing,
    RoleNotAllowed,
    TooEarly,
)
from referral_engine.domain.views import StepResult
from referral_engine.workflows.loader import WorkflowRegistry
from tests.factories import WORKFLOWS, FixedClock, data_for, dated, path_to

UK = WorkflowRegistry.from_directory(WORKFLOWS).get("uk-nrm")
FR = Actor("amy.police", "first_responder", "police-met")
CA = Actor("raj.sca", "competent_authority", "sca")
SP = Actor("lee.vcc", "support_provider", "vcc-london")
SUPERVISOR = Actor("kim.supervisor", "supervisor", "sca")
BY_ROLE = {a.role: a for a in (FR, CA, SP, SUPERVISOR)}
THURSDAY_BEFORE_EASTER = datetime(2026, 4, 2, 10, 0, tzinfo=UTC)


def uk_case(engine: Engine, *, child: bool = False, **opening: object) -> UUID:
    """A case opened by a police first responder (a body owing the Duty to Notify): a child's
    with the name, an adult's without what identifies them (withheld until they consent)."""
    if not child:
        return unnamed_case(engine, **opening)
    opening = {"first_responder_type": "police", "person_name": "Synthetic Person", **opening}
    data = data_for(UK.opening, is_child=child, **opening)
    return engine.open_case("uk-nrm", "GB-ENG", data, actor=FR).case_id


IDENTIFYING = ("person_name", "date_of_birth", "contact", "account")
"""What identifies the person: a case notified without the adult's consent holds none of it."""


def unnamed_case(engine: Engine, **opening: object) -> UUID:
    """An adult's case opened without what identifies them (a Duty to Notify may follow)."""
    data = data_for(UK.opening, is_child=False, **{"first_responder_type": "police", **opening})
    kept = {name: value for name, value in data.items() if name not in IDENTIFYING}
    return engine.open_case("uk-nrm", "GB-ENG", kept, actor=FR).case_id


def take(
    engine: Engine, case_id: UUID, trigger: str, actor: Actor | None = None, **kwargs: object
) -> StepResult:
    """Take a step with valid data as the first role allowed (or `actor`)."""
    case = engine.case(case_id)
    spec = engine.workflow_of(case_id).guard.step(case.state, trigger)
    assert spec is not None, f"{trigger} is not legal from {case.state}"
    actor = actor or BY_ROLE[sorted(spec.roles)[0]]
    data = data_for(spec, facts=dated(engine, case_id, kwargs.get("occurred_at")))
    return engine.take_step(
        case_id, trigger, data, actor=actor, expected_version=case.version, **kwargs
    )


def uk_case_in(engine: Engine, clock: FixedClock, state: str) -> UUID:
    """An adult's case walked to `state`, the clock moving on 50 days before each step."""
    case_id = uk_case(engine)
    take(engine, case_id, "record_consent")
    for trigger in path_to(UK, state):
        clock.advance(days=50)
        take(engine, case_id, trigger)
    return case_id


def due(engine: Engine, case_id: UUID, name: str) -> date:
    return next(d.due_on for d in engine.case(case_id).deadlines if d.name == name)


def test_a_full_adult_path_from_referral_to_the_end_of_move_on_support(
    engine: Engine, clock: FixedClock
) -> None:
    clock.now = THURSDAY_BEFORE_EASTER
    case_id = uk_case(engine)
    take(engine, case_id, "record_consent")
    take(engine, case_id, "refer_adult")
    # 5 working days: Good Friday, Easter Monday and the weekend do not count
    assert due(engine, case_id, "reasonable_grounds") == date(2026, 4, 13)
    clock.now = datetime(2026, 4, 7, 11, 0, tzinfo=UTC)
    assert take(engine, case_id, "decide_rg_positive").state == "recovery_period"
    waiting = {w.trigger: w.earliest_on for w in engine.case(case_id).not_yet_allowed}
    assert waiting == {
        "decide_cg_positive": date(2026, 5, 7),
        "decide_cg_negative": date(2026, 5, 7),
    }

    clock.now = datetime(2026, 5, 6, 16, 0, tzinfo=UTC)  # day 29 of the recovery period
    offered = {s.trigger for s in engine.case(case_id, reader=CA).allowed_steps}
    assert not offered & {"decide_cg_positive", "decide_cg_negative"}
    clock.now = datetime(2026, 5, 7, 9, 0, tzinfo=UTC)
    assert take(engine, case_id, "decide_cg_positive").state == "move_on_support"
    assert engine.case(case_id).not_yet_allowed[0].earliest_on == date(2026, 6, 21)

    clock.now = datetime(2026, 6, 21, 9, 0, tzinfo=UTC)  # 45 days of move-on support
    result = take(engine, case_id, "end_move_on_support")
    assert result.state == "closed"
    case = engine.case(case_id)
    assert case.deadlines == ()
    # from version 3 the person is followed up, a quarter after the closure
    assert [(g.trigger, g.earliest_on) for g in case.not_yet_allowed] == [
        ("record_follow_up", date(2026, 9, 19))
    ]
    assert engine.case_at_version(case_id, result.version) == engine.case(case_id)


def test_a_conclusive_grounds_decision_during_the_recovery_period_is_refused_with_its_date(
    engine: Engine, clock: FixedClock
) -> None:
    case_id = uk_case_in(engine, clock, "recovery_period")
    rg_day = clock.now.date()
    before = engine.case(case_id).version
    clock.advance(days=29)
    with pytest.raises(TooEarly) as refused:
        take(engine, case_id, "decide_cg_negative")
    assert refused.value.earliest_on == rg_day + timedelta(days=30)
    assert refused.value.after == "PositiveReasonableGrounds"
    assert str(rg_day + timedelta(days=30)) in str(refused.value)
    assert engine.case(case_id).version == before  # nothing written


def test_a_decision_stated_to_have_happened_earlier_is_judged_on_that_day(
    engine: Engine, clock: FixedClock
) -> None:
    case_id = uk_case_in(engine, clock, "recovery_period")
    clock.advance(days=40)
    with pytest.raises(TooEarly):
        take(engine, case_id, "decide_cg_positive", occurred_at=clock.now - timedelta(days=15))
    assert take(engine, case_id, "decide_cg_positive").state == "move_on_support"


def test_the_earliest_date_is_decided_once_and_recorded_in_the_event(
    engine: Engine, clock: FixedClock
) -> None:
    case_id = uk_case_in(engine, clock, "recovery_period")
    events = list(engine.store.events.get(case_id))
    guards = [d for d in events[-1].deadlines_started if d.get("kind") == "not_before"]
    assert {g["name"] for g in guards} == {"decide_cg_positive", "decide_cg_negative"}
    assert {g["earliest_on"] for g in guards} == {(clock.now.date() + timedelta(30)).isoformat()}


def test_a_child_is_referred_without_consent(engine: Engine) -> None:
    case_id = uk_case(engine, child=True)
    with pytest.raises(PreconditionMissing):
        take(engine, case_id, "refer_child")
    take(engine, case_id, "record_child")
    assert take(engine, case_id, "refer_child").state == "referred"


ADULT_PATH = {"record_consent", "refer_adult", "notify_without_consent"}
CHILD_PATH = {"record_child", "refer_child"}
FACTS = {"record_reportable_facts"}  # version 2: always offered while the case is open


def offered(engine: Engine, case_id: UUID, actor: Actor = FR) -> set[str]:
    return {s.trigger for s in engine.case(case_id, reader=actor).allowed_steps}


def test_an_adult_cannot_be_entered_on_the_child_path_without_consent(engine: Engine) -> None:
    case_id = uk_case(engine, child=False)
    assert offered(engine, case_id) == ADULT_PATH - {"refer_adult"} | FACTS  # consent first
    for trigger in sorted(CHILD_PATH):
        with pytest.raises(ConditionNotMet) as refused:
            take(engine, case_id, trigger)
        assert refused.value.unmet == ({"field": "is_child", "equals": True},)
        assert "is_child = true" in str(refused.value)
    assert engine.case(case_id).version == 1  # nothing written


def test_a_child_is_not_offered_the_adult_path(engine: Engine) -> None:
    case_id = uk_case(engine, child=True)
    assert offered(engine, case_id) == {"record_child"} | FACTS
    for trigger in sorted(ADULT_PATH):
        with pytest.raises(ConditionNotMet) as refused:
            take(engine, case_id, trigger)
        assert refused.value.unmet == ({"field": "is_child", "equals": False},)


def test_an_adult_without_consent_is_not_referred_only_notified(engine: Engine) -> None:
    case_id = unnamed_case(engine)
    with pytest.raises(PreconditionMissing) as refused:
        take(engine, case_id, "refer_adult")
    assert refused.value.missing == ("consent",)
    assert take(engine, case_id, "notify_without_consent").state == "duty_to_notify"
    # from version 4 the notification is no end: a referral may follow once the adult consents
    assert offered(engine, case_id) == {"record_consent", "close_without_referral"} | FACTS


@pytest.mark.parametrize("requester", [FR, SP], ids=lambda a: a.role)
def test_the_first_responder_or_support_provider_may_ask_to_reconsider_a_negative_rg(
    engine: Engine, clock: FixedClock, requester: Actor
) -> None:
    case_id = uk_case_in(engine, clock, "rg_negative")
    take(engine, case_id, "request_rg_reconsideration", actor=requester)
    assert take(engine, case_id, "reconsider_rg_positive").state == "recovery_period"
    (guard, _) = engine.case(case_id).not_yet_allowed
    assert guard.after == "ReasonableGroundsReconsideredPositive"
    assert guard.earliest_on == clock.now.date() + timedelta(days=30)


def test_the_competent_authority_may_not_ask_itself_to_reconsider(
    engine: Engine, clock: FixedClock
) -> None:
    case_id = uk_case_in(engine, clock, "cg_negative")
    with pytest.raises(RoleNotAllowed) as refused:
        take(engine, case_id, "request_cg_reconsideration", actor=CA)
    assert set(refused.value.allowed_roles) == {"first_responder", "support_provider"}


def test_a_negative_cg_stands_after_reconsideration_and_the_case_closes(
    engine: Engine, clock: FixedClock
) -> None:
    case_id = uk_case_in(engine, clock, "cg_negative")
    assert [d.name for d in engine.case(case_id).deadlines] == ["support_exit"]
    take(engine, case_id, "request_cg_reconsideration", actor=SP)
    take(engine, case_id, "uphold_cg_negative")
    assert take(engine, case_id, "close_case", actor=SUPERVISOR).state == "closed"
    version = engine.case(case_id).version
    with pytest.raises(IllegalTransition):
        engine.take_step(
            case_id, "request_cg_reconsideration", {}, actor=SP, expected_version=version
        )


def test_withdrawal_ends_the_case_its_deadlines_and_its_guards(
    engine: Engine, clock: FixedClock
) -> None:
    case_id = uk_case_in(engine, clock, "recovery_period")
    assert engine.case(case_id).not_yet_allowed
    assert take(engine, case_id, "withdraw", actor=SP).state == "withdrawn"
    case = engine.case(case_id)
    assert (case.deadlines, case.not_yet_allowed, case.allowed_steps) == ((), (), ())


@pytest.mark.parametrize(
    ("referred", "expected"),
    [
        (datetime(2026, 3, 6, 12, tzinfo=UTC), date(2026, 3, 13)),  # Friday: one weekend
        (THURSDAY_BEFORE_EASTER, date(2026, 4, 13)),  # a weekend and two bank holidays
        (datetime(2026, 12, 23, 12, tzinfo=UTC), date(2027, 1, 4)),  # Christmas, New Year
    ],
)
def test_the_reasonable_grounds_target_skips_weekends_and_bank_holidays(
    engine: Engine, clock: FixedClock, referred: datetime, expected: date
) -> None:
    clock.now = referred
    case_id = uk_case(engine)
    take(engine, case_id, "record_consent")
    take(engine, case_id, "refer_adult")
    assert due(engine, case_id, "reasonable_grounds") == expected


def test_the_demo_walks_synthetic_uk_cases_past_the_recovery_period(engine: Engine) -> None:
    cases = [engine.case(c) for seed in range(3) for c in demo.seed(engine, "uk-nrm", 8, seed)]
    assert {c.workflow_id for c in cases} == {"uk-nrm"}
    decided = {e.event for c in cases for e in engine.history(c.id)}
    assert {"PositiveConclusiveGrounds", "NegativeConclusiveGrounds"} & decided
