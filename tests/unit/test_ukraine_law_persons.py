"""The law's rules for children, foreigners and assistance in ukraine-nrm version 6 (issue #20,
items 5-7), each through the engine: allowed where the law allows it, refused with a clear
problem where it does not, and each deadline with its due date."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import pytest

from referral_engine.application.engine import Engine
from referral_engine.domain.errors import ConditionNotMet, InvalidData
from tests.factories import (
    DECIDER,
    LSA,
    SCREENER,
    SUPERVISOR,
    FixedClock,
    case_in,
    open_case,
    referral_step,
    send_referral,
    step,
)
from tests.unit.test_ukraine_law import act, deadline

FOREIGN = {"citizenship": "MD"}
UKRAINIAN = {"citizenship": "UA"}


def referral_deadline(engine: Engine, case_id: UUID, name: str) -> date | None:
    found = [d.due_on for d in engine.case(case_id).deadlines if d.name == name and d.referral_id]
    return found[0] if found else None


# -- 5. children (arts. 22-24; Resolution No. 417, item 2) -----------------------------------------


def test_a_child_is_referred_from_the_screening_and_an_adult_only_once_applied(
    engine: Engine,
) -> None:
    child = case_in(engine, "screened", is_child=True)
    assert send_referral(engine, child).referral_id == "r1"
    adult = case_in(engine, "screened")
    offered = {s.trigger for s in engine.case(adult, reader=LSA).allowed_steps}
    assert "send_referral" not in offered
    with pytest.raises(ConditionNotMet) as refused:
        send_referral(engine, adult)
    assert refused.value.unmet == ({"field": "is_child", "equals": True},)
    assert engine.case(adult).referrals == ()


def test_the_plan_of_priority_assistance_to_a_child_is_due_at_once(
    engine: Engine, clock: FixedClock
) -> None:
    child = open_case(engine, is_child=True).case_id
    plan = deadline(engine, child, "child_assistance_plan")
    assert (plan.due_on, plan.service_target) == (date(2026, 3, 3), True)
    clock.advance(days=2)
    assert deadline(engine, child, "child_assistance_plan").overdue
    act(engine, child, "adopt_child_assistance_plan", LSA)
    assert deadline(engine, child, "child_assistance_plan") is None

    adult = open_case(engine).case_id
    assert deadline(engine, adult, "child_assistance_plan") is None
    with pytest.raises(ConditionNotMet):
        act(engine, adult, "adopt_child_assistance_plan", LSA)


def test_a_foreign_childs_return_or_stay_is_recorded_for_a_foreign_child_only(
    engine: Engine,
) -> None:
    foreign_child = case_in(engine, "application_registered", is_child=True, **FOREIGN)
    act(
        engine, foreign_child, "record_child_return_decision", LSA, child_decision="stay_in_ukraine"
    )
    assert engine.case(foreign_child).data["child_decision"] == "stay_in_ukraine"
    for opening in ({"is_child": True, **UKRAINIAN}, {"is_child": False, **FOREIGN}):
        case_id = case_in(engine, "application_registered", **opening)
        with pytest.raises(ConditionNotMet):
            act(engine, case_id, "record_child_return_decision", LSA)


def test_an_application_for_a_child_may_be_made_by_a_person_who_learned_of_the_child(
    engine: Engine,
) -> None:
    child = case_in(engine, "screened", is_child=True)
    state = act(
        engine, child, "register_application_for_child", LSA, applicant="person_aware_of_child"
    )
    assert state == "application_registered"
    assert deadline(engine, child, "interview") is not None  # the procedure runs as for anyone
    adult = case_in(engine, "screened")
    with pytest.raises(ConditionNotMet):
        act(engine, adult, "register_application_for_child", LSA)
    with pytest.raises(InvalidData) as refused:
        act(engine, adult, "register_application", LSA, applicant="person_aware_of_child")
    assert {p.path for p in refused.value.problems} == {"data.applicant"}


# -- 6. foreigners and stateless persons (arts. 14(3)-(5), 16) -------------------------------------


@pytest.mark.parametrize("citizenship", ["MD", "stateless", "unknown"])
def test_a_foreigner_gets_an_interpreter_and_a_certificate_that_protects_until_the_decision(
    engine: Engine, citizenship: str
) -> None:
    case_id = case_in(engine, "application_registered", citizenship=citizenship)
    act(engine, case_id, "record_interpreter", SCREENER)
    act(engine, case_id, "issue_application_certificate", LSA)
    assert "protected_from_expulsion" in engine.case(case_id).flags
    for trigger in ("conduct_interview", "request_verification"):
        act(engine, case_id, trigger, LSA)
    assert "protected_from_expulsion" in engine.case(case_id).flags  # until the decision
    step(engine, case_id, "record_verification")
    act(engine, case_id, "identify_victim", LSA)
    act(engine, case_id, "refuse_status", DECIDER)
    assert "protected_from_expulsion" not in engine.case(case_id).flags


def test_a_citizen_of_ukraine_gets_no_foreigners_steps(engine: Engine) -> None:
    case_id = case_in(engine, "application_registered", **UKRAINIAN)
    for trigger in ("record_interpreter", "issue_application_certificate"):
        with pytest.raises(ConditionNotMet) as refused:
            act(engine, case_id, trigger, LSA)
        assert refused.value.unmet == ({"field": "citizenship", "not_equals": "UA"},)


def test_the_grant_ends_the_protection_and_starts_three_months_of_stay_the_lsa_may_extend(
    engine: Engine, clock: FixedClock
) -> None:
    case_id = case_in(engine, "identified", **FOREIGN)
    act(engine, case_id, "issue_application_certificate", LSA)
    act(engine, case_id, "grant_status", DECIDER)
    assert "protected_from_expulsion" not in engine.case(case_id).flags
    stay = deadline(engine, case_id, "temporary_stay")
    assert (stay.due_on, stay.service_target) == (date(2026, 6, 2), False)
    clock.advance(days=80)
    act(engine, case_id, "extend_temporary_stay", LSA)
    assert deadline(engine, case_id, "temporary_stay").due_on == date(2026, 8, 21)
    act(engine, case_id, "request_extension", LSA, extension_ground="return_dangerous")
    assert engine.case(case_id).state == "extension_requested"

    citizen = case_in(engine, "status_granted", **UKRAINIAN)
    assert deadline(engine, citizen, "temporary_stay") is None
    with pytest.raises(ConditionNotMet):
        act(engine, citizen, "extend_temporary_stay", LSA)


# -- 7. assistance: accommodation (art. 16) and the one-time payment (Resolution No. 660) ----------


def test_temporary_accommodation_runs_three_months_unless_the_lsa_extends_it(
    engine: Engine, clock: FixedClock
) -> None:
    case_id = case_in(engine, "application_registered")
    send_referral(engine, case_id, service="shelter")
    assert referral_deadline(engine, case_id, "temporary_accommodation") is None
    referral_step(engine, case_id, "r1", "accept")
    assert referral_deadline(engine, case_id, "temporary_accommodation") == date(2026, 6, 2)
    clock.advance(days=85)
    referral_step(engine, case_id, "r1", "extend_accommodation", actor=LSA)
    assert referral_deadline(engine, case_id, "temporary_accommodation") == date(2026, 8, 26)
    referral_step(engine, case_id, "r1", "complete")
    assert referral_deadline(engine, case_id, "temporary_accommodation") is None


def test_only_accommodation_is_extended_and_other_services_have_no_such_term(
    engine: Engine,
) -> None:
    case_id = case_in(engine, "application_registered")
    send_referral(engine, case_id, agency="clinic-kyiv", service="medical")
    referral_step(engine, case_id, "r1", "accept")
    assert referral_deadline(engine, case_id, "temporary_accommodation") is None
    with pytest.raises(ConditionNotMet) as refused:
        referral_step(engine, case_id, "r1", "extend_accommodation", actor=LSA)
    assert refused.value.unmet == ({"field": "service", "equals": "shelter"},)


def test_the_one_time_payment_is_due_within_a_month_of_its_application(
    engine: Engine, clock: FixedClock
) -> None:
    case_id = case_in(engine, "application_registered")
    send_referral(engine, case_id, service="one_time_payment")
    payment = [d for d in engine.case(case_id).deadlines if d.name == "one_time_payment"]
    assert [(d.referral_id, d.due_on, d.service_target) for d in payment] == [
        ("r1", date(2026, 4, 2), False)
    ]
    referral_step(engine, case_id, "r1", "accept")
    clock.advance(days=10)
    referral_step(engine, case_id, "r1", "deliver_assistance", assistance_type="payment")
    assert referral_deadline(engine, case_id, "one_time_payment") is None
    assert send_referral(engine, case_id, service="shelter").referral_id == "r2"
    assert [
        d.referral_id for d in engine.case(case_id).deadlines if d.name == "one_time_payment"
    ] == []


def test_closing_the_case_ends_the_protection_and_every_term(engine: Engine) -> None:
    case_id = case_in(engine, "application_registered", is_child=True, **FOREIGN)
    act(engine, case_id, "issue_application_certificate", LSA)
    act(engine, case_id, "close_case", SUPERVISOR)
    case = engine.case(case_id)
    assert "protected_from_expulsion" not in case.flags and case.deadlines == ()
