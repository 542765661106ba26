"""The UK NRM as the primary texts say (issue #20, uk-nrm version 4), through the engine: the
recovery period and what ends or repeats it (NABA 2022 ss.61-63, 65; MSA 2015 s.50A), children
(MSA ss.48, 51; the devolved pilot; move-on support), and every rule's source. Each rule allowed
where the law allows it, refused with a clear problem where it does not, each earliest date on
its day."""

from __future__ import annotations

from datetime import timedelta

import pytest

from referral_engine.application.engine import Engine
from referral_engine.domain.errors import (
    ConditionNotMet,
    IllegalTransition,
    InvalidData,
    PreconditionMissing,
    RoleNotAllowed,
    TooEarly,
)
from tests.factories import FixedClock
from tests.unit.test_uk_nrm import CA, FR, SP, UK, offered
from tests.unit.test_uk_nrm_law import decided, on_day, referred, take

# -- 12. the recovery period, a further RG, disqualification, leave to remain --------------------


def test_the_recovery_period_cites_its_sections_and_holds_the_cg_decision_30_days(
    engine: Engine, clock: FixedClock
) -> None:
    case_id = referred(engine)
    decided(engine, case_id, "decide_rg_positive")
    rg_day = clock.now.date()
    waiting = {w.trigger: w.earliest_on for w in engine.case(case_id).not_yet_allowed}
    assert waiting == {
        "decide_cg_positive": rg_day + timedelta(days=30),
        "decide_cg_negative": rg_day + timedelta(days=30),
    }
    rule = UK.guard.step("recovery_period", "decide_cg_positive")
    assert rule is not None and rule.not_before is not None
    assert "NABA 2022 s.61" in rule.not_before.source
    assert "MSA 2015 s.50A" in rule.not_before.source
    assert "send_referral" in offered(engine, case_id)  # support is owed during it


def test_no_removal_is_recorded_during_the_recovery_period_only_before_and_after_it(
    engine: Engine, clock: FixedClock
) -> None:
    case_id = referred(engine)
    assert take(engine, case_id, "record_removal_decision").state == "referred"  # no period yet
    decided(engine, case_id, "decide_rg_positive")
    rg_day = clock.now.date()
    assert "record_removal_decision" not in offered(engine, case_id, CA)
    for day in (rg_day, rg_day + timedelta(days=30), rg_day + timedelta(days=45)):
        on_day(clock, day)  # until the CG decision, however long after 30 days it comes
        with pytest.raises(IllegalTransition) as refused:
            take(engine, case_id, "record_removal_decision")
        assert refused.value.state == "recovery_period"
        assert "NABA 2022 s.61" in refused.value.rule and "MSA 2015 s.50A" in refused.value.rule
        assert "NABA 2022 s.61" in str(refused.value)
    assert take(engine, case_id, "decide_cg_positive").state == "move_on_support"
    assert "record_removal_decision" in offered(engine, case_id, CA)
    assert take(engine, case_id, "record_removal_decision").state == "move_on_support"
    assert engine.history(case_id)[-1].event == "RemovalDecisionNotified"


def test_a_further_positive_rg_for_earlier_conduct_gives_no_new_recovery_period(
    engine: Engine,
) -> None:
    case_id = referred(engine)
    state = decided(engine, case_id, "decide_further_rg_positive", earlier_rg_on="2025-06-01")
    case = engine.case(case_id)
    assert (state, case.not_yet_allowed, case.deadlines) == ("further_rg_positive", (), ())
    assert take(engine, case_id, "decide_cg_positive").state == "move_on_support"  # at once


def test_disqualification_follows_a_positive_rg_ends_the_protections_and_is_reconsidered(
    engine: Engine, clock: FixedClock
) -> None:
    case_id = referred(engine)
    with pytest.raises(IllegalTransition):  # only a person with a positive RG decision
        take(engine, case_id, "disqualify")
    decided(engine, case_id, "decide_rg_positive")
    cg_from = engine.case(case_id).not_yet_allowed[0].earliest_on
    assert take(engine, case_id, "disqualify").state == "disqualified"
    assert "send_referral" not in offered(engine, case_id)  # no support owed any more
    with pytest.raises(RoleNotAllowed):
        take(engine, case_id, "request_disqualification_reconsideration", actor=CA)
    take(engine, case_id, "request_disqualification_reconsideration", actor=SP)
    assert take(engine, case_id, "revoke_disqualification").state == "recovery_period"
    assert engine.case(case_id).not_yet_allowed[0].earliest_on == cg_from  # the same period
    take(engine, case_id, "disqualify")
    take(engine, case_id, "request_disqualification_reconsideration", actor=FR)
    assert take(engine, case_id, "uphold_disqualification").state == "disqualified"
    on_day(clock, cg_from)  # the CG decision is still made, after the 30 days
    assert take(engine, case_id, "decide_cg_negative").state == "cg_negative"


def test_leave_to_remain_is_recorded_after_a_positive_cg_only(
    engine: Engine, clock: FixedClock
) -> None:
    case_id = referred(engine)
    decided(engine, case_id, "decide_rg_positive")
    with pytest.raises(IllegalTransition):
        take(engine, case_id, "record_leave_to_remain", leave_outcome="granted")
    clock.advance(days=30)
    take(engine, case_id, "decide_cg_positive")
    result = take(engine, case_id, "record_leave_to_remain", leave_outcome="granted")
    assert (result.state, result.event) == ("move_on_support", "LeaveToRemainDecided")


# -- 13. children ---------------------------------------------------------------------------------


def test_an_independent_child_trafficking_advocate_is_recorded_for_a_child_only(
    engine: Engine,
) -> None:
    child, adult = referred(engine, child=True), referred(engine)
    assert take(engine, child, "appoint_icta").event == "IctaAppointed"
    with pytest.raises(ConditionNotMet) as refused:
        take(engine, adult, "appoint_icta", actor=FR)
    assert refused.value.unmet == ({"field": "is_child", "equals": True},)


def test_while_the_age_is_disputed_the_person_is_a_child_until_assessed(engine: Engine) -> None:
    case_id = referred(engine, child=True)  # presumed a child: referred without consent
    with pytest.raises(PreconditionMissing):  # nothing to assess before a dispute
        take(engine, case_id, "record_age_assessment", is_child=False)
    take(engine, case_id, "record_age_dispute")
    assert "age_disputed" in engine.case(case_id).flags
    take(engine, case_id, "appoint_icta")  # a child's rights while disputed
    take(engine, case_id, "record_age_assessment", is_child=False)
    case = engine.case(case_id)
    assert (case.data["is_child"], "age_disputed" in case.flags) == (False, False)
    with pytest.raises(ConditionNotMet):  # assessed an adult: no longer a child's step
        take(engine, case_id, "appoint_icta", actor=FR)
    with pytest.raises(ConditionNotMet):  # nor a dispute about an adult's age
        take(engine, case_id, "record_age_dispute", actor=FR)


def test_a_local_authority_panel_decides_for_a_child_only(engine: Engine) -> None:
    child, adult = referred(engine, child=True), referred(engine)
    values = {
        case_id: next(
            f.values
            for s in engine.case(case_id, reader=CA).allowed_steps
            if s.trigger == "decide_rg_positive"
            for f in s.fields
            if f.name == "competent_authority"
        )
        for case_id in (child, adult)
    }
    assert values == {
        child: ("sca", "ieca", "local_authority_panel"),
        adult: ("sca", "ieca"),  # the panel is not offered for an adult
    }
    assert decided(engine, child, "decide_rg_positive", "local_authority_panel") == (
        "recovery_period"
    )
    with pytest.raises(InvalidData) as refused:
        decided(engine, adult, "decide_rg_negative", "local_authority_panel")
    (problem,) = refused.value.problems
    assert (problem.path, problem.code) == ("data.competent_authority", "value_condition")
    assert "is_child = true" in problem.message


@pytest.mark.parametrize("child", [False, True], ids=["adult", "child"])
def test_move_on_support_of_45_days_is_an_adults_not_a_childs(
    engine: Engine, clock: FixedClock, child: bool
) -> None:
    case_id = referred(engine, child=child)
    decided(engine, case_id, "decide_rg_positive")
    clock.advance(days=30)
    take(engine, case_id, "decide_cg_positive")
    cg_day = clock.now.date()
    own, other = ("end_child_support", "end_move_on_support")[:: 1 if child else -1]
    with pytest.raises(ConditionNotMet):
        take(engine, case_id, other, actor=SP)
    if not child:
        assert engine.case(case_id).not_yet_allowed[0].earliest_on == cg_day + timedelta(45)
        on_day(clock, cg_day + timedelta(days=44))
        with pytest.raises(TooEarly):
            take(engine, case_id, own, actor=SP)
        on_day(clock, cg_day + timedelta(days=45))
    assert take(engine, case_id, own, actor=SP).state == "closed"  # a child's: at once


def test_every_step_and_clock_of_version_4_names_its_source() -> None:
    assert all(t.basis for t in UK.transitions), [t.trigger for t in UK.transitions if not t.basis]
    assert all(d.source for d in UK.deadlines)
    assert all(t.not_before.source for t in UK.transitions if t.not_before)
