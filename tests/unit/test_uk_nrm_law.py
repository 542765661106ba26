"""The UK NRM as the primary texts say (issue #20, uk-nrm version 4), through the engine: each
rule allowed where the law allows it and refused with a clear problem where it does not, and
each window or earliest date on its day. Reconsideration (Statutory Guidance), the Duty to
Notify (MSA 2015 s.52), the recovery period and what ends or repeats it (NABA 2022 ss.61-63,
65; MSA s.50A), and children (MSA ss.48, 51; the devolved pilot; move-on support)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from uuid import UUID

import pytest

from referral_engine.application.engine import Engine
from referral_engine.domain.commands import Actor
from referral_engine.domain.errors import (
    ConditionNotMet,
    IllegalTransition,
    InvalidData,
    PreconditionMissing,
    RoleNotAllowed,
    TooEarly,
)
from referral_engine.domain.views import StepResult
from referral_engine.domain.windows import TooLate
from tests.factories import FixedClock, data_for
from tests.unit.test_uk_nrm import BY_ROLE, CA, FR, SP, SUPERVISOR, UK, offered, uk_case

S52_5 = ["police", "national_crime_agency", "local_authority", "gangmasters_labour_abuse_authority"]
NOT_S52_5 = ["home_office", "border_force", "ngo", "health_and_social_care", "other"]
PATHS = {  # an adult's and a child's way into the NRM
    False: ("record_consent", "refer_adult"),
    True: ("record_child", "refer_child"),
}


def take(
    engine: Engine,
    case_id: UUID,
    trigger: str,
    actor: Actor | None = None,
    *,
    occurred_at: datetime | None = None,
    data: dict[str, object] | None = None,
    **overrides: object,
) -> StepResult:
    """Take a step with valid data (`overrides` changing some of it, or exactly `data`) as the
    first role allowed, or `actor`; a step not legal from the case's state is still sent."""
    case = engine.case(case_id)
    spec = UK.guard.step(case.state, trigger) or next(
        t for t in UK.transitions if t.trigger == trigger
    )
    body = data_for(spec, **overrides) if data is None else {**data_for(spec), **data}
    actor = actor or BY_ROLE[sorted(spec.roles)[0]]
    when = {"occurred_at": occurred_at} if occurred_at is not None else {}
    return engine.take_step(
        case_id, trigger, body, actor=actor, expected_version=case.version, **when
    )


def on_day(clock: FixedClock, day: date) -> None:
    clock.now = datetime.combine(day, time(10), tzinfo=clock.now.tzinfo)


def referred(engine: Engine, *, child: bool = False, **opening: object) -> UUID:
    case_id = uk_case(engine, child=child, **opening)
    for trigger in PATHS[child]:
        take(engine, case_id, trigger)
    return case_id


def decided(
    engine: Engine, case_id: UUID, trigger: str, authority: str = "sca", **data: object
) -> str:
    """An RG decision by `authority` (the deciding-authority value)."""
    spec = UK.guard.step(engine.case(case_id).state, trigger)
    assert spec is not None
    body = data_for(spec, competent_authority=authority, **data)
    version = engine.case(case_id).version
    return engine.take_step(case_id, trigger, body, actor=CA, expected_version=version).state


def negative(engine: Engine, clock: FixedClock, decision: str) -> tuple[UUID, date]:
    """An adult's case with a negative RG or CG decision, and the day it was made."""
    (case_id,), day = negatives(engine, clock, decision, 1)
    return case_id, day


def negatives(
    engine: Engine, clock: FixedClock, decision: str, count: int
) -> tuple[list[UUID], date]:
    """Adults' cases with a negative RG or CG decision made on the same day, and that day."""
    cases = [referred(engine) for _ in range(count)]
    for case_id in cases:
        decided(engine, case_id, f"decide_rg_{'positive' if decision == 'cg' else 'negative'}")
    if decision == "cg":
        clock.advance(days=30)
        for case_id in cases:
            take(engine, case_id, "decide_cg_negative")
    return cases, clock.now.date()


RECONSIDERATION = {  # decision: (the request, the person's own request, the late one, closure)
    "rg": (
        "request_rg_reconsideration",
        "person_requests_rg_reconsideration",
        "accept_late_rg_reconsideration",
        "close_after_negative_rg",
    ),
    "cg": (
        "request_cg_reconsideration",
        "person_requests_cg_reconsideration",
        "accept_late_cg_reconsideration",
        "close_case",
    ),
}


# -- 10. reconsideration within 30 calendar days; no closure while it may be asked for ----------


@pytest.mark.parametrize("decision", sorted(RECONSIDERATION))
def test_a_reconsideration_is_asked_for_up_to_day_30_and_refused_as_too_late_after(
    engine: Engine, clock: FixedClock, decision: str
) -> None:
    request = RECONSIDERATION[decision][0]
    (on_time, late), decided_on = negatives(engine, clock, decision, 2)
    on_day(clock, decided_on + timedelta(days=30))
    assert take(engine, on_time, request, actor=FR).state == f"{decision}_reconsideration"

    on_day(clock, decided_on + timedelta(days=31))
    before = engine.case(late).version
    assert request not in offered(engine, late)
    with pytest.raises(TooLate) as refused:
        take(engine, late, request, actor=SP)
    assert refused.value.latest_on == decided_on + timedelta(days=30)
    assert refused.value.closed_by == RECONSIDERATION[decision][3]
    assert str(decided_on + timedelta(days=30)) in str(refused.value)
    assert engine.case(late).version == before  # nothing written


@pytest.mark.parametrize("decision", sorted(RECONSIDERATION))
def test_the_case_cannot_be_closed_while_a_reconsideration_may_be_asked_for(
    engine: Engine, clock: FixedClock, decision: str
) -> None:
    close = RECONSIDERATION[decision][3]
    case_id, decided_on = negative(engine, clock, decision)
    waiting = {w.trigger: w.earliest_on for w in engine.case(case_id).not_yet_allowed}
    assert waiting[close] == decided_on + timedelta(days=31)

    on_day(clock, decided_on + timedelta(days=30))
    with pytest.raises(TooEarly) as refused:
        take(engine, case_id, close, actor=SUPERVISOR)
    assert refused.value.earliest_on == decided_on + timedelta(days=31)
    on_day(clock, decided_on + timedelta(days=31))
    assert take(engine, case_id, close, actor=SUPERVISOR).state == "closed"


@pytest.mark.parametrize("decision", sorted(RECONSIDERATION))
def test_the_potential_victim_asks_too_and_the_competent_authority_records_it(
    engine: Engine, clock: FixedClock, decision: str
) -> None:
    own_request = RECONSIDERATION[decision][1]
    (case_id, late), decided_on = negatives(engine, clock, decision, 2)
    with pytest.raises(RoleNotAllowed):  # only the authority that received it records it
        take(engine, case_id, own_request, actor=FR)
    take(engine, case_id, own_request, requested_by="potential_victim")
    assert engine.case(case_id).state == f"{decision}_reconsideration"
    on_day(clock, decided_on + timedelta(days=31))
    with pytest.raises(TooLate):
        take(engine, late, own_request, requested_by="legal_representative")


@pytest.mark.parametrize("decision", sorted(RECONSIDERATION))
def test_after_day_30_only_the_competent_authority_accepts_a_late_request(
    engine: Engine, clock: FixedClock, decision: str
) -> None:
    late = RECONSIDERATION[decision][2]
    case_id, decided_on = negative(engine, clock, decision)
    on_day(clock, decided_on + timedelta(days=30))  # still on time: the ordinary request
    with pytest.raises(TooEarly):
        take(engine, case_id, late)
    on_day(clock, decided_on + timedelta(days=31))
    with pytest.raises(RoleNotAllowed):
        take(engine, case_id, late, actor=FR)
    assert take(engine, case_id, late).state == f"{decision}_reconsideration"


def test_once_a_reconsideration_is_refused_the_case_closes_at_once(
    engine: Engine, clock: FixedClock
) -> None:
    case_id, _ = negative(engine, clock, "rg")
    take(engine, case_id, "request_rg_reconsideration", actor=FR)
    assert take(engine, case_id, "uphold_rg_negative").state == "rg_upheld"
    assert "request_rg_reconsideration" not in offered(engine, case_id)  # the 30 days are used
    closed = take(engine, case_id, "close_after_negative_rg", actor=SUPERVISOR)
    assert closed.state == "closed"


def test_a_request_recorded_after_day_30_is_judged_on_the_day_it_is_recorded(
    engine: Engine, clock: FixedClock
) -> None:
    """A request stated on day 29 but entered on day 35 is late, unless the competent
    authority accepts it in exceptional circumstances: backdating does not reopen a window."""
    case_id, decided_on = negative(engine, clock, "rg")
    on_day(clock, decided_on + timedelta(days=35))
    with pytest.raises(TooLate):
        take(engine, case_id, "request_rg_reconsideration", occurred_at=clock.now - timedelta(6))
    assert take(engine, case_id, "accept_late_rg_reconsideration").state == "rg_reconsideration"


# -- 11. the Duty to Notify: only s.52(5) bodies, nothing identifying, no end -------------------


@pytest.mark.parametrize("body", S52_5)
def test_the_public_authorities_named_in_s52_5_send_the_duty_to_notify(
    engine: Engine, body: str
) -> None:
    case_id = uk_case(engine, first_responder_type=body)
    assert take(engine, case_id, "notify_without_consent").state == "duty_to_notify"


@pytest.mark.parametrize("body", NOT_S52_5)
def test_others_owe_no_duty_to_notify_and_are_refused(engine: Engine, body: str) -> None:
    case_id = uk_case(engine, first_responder_type=body)
    assert "notify_without_consent" not in offered(engine, case_id)
    with pytest.raises(ConditionNotMet) as refused:
        take(engine, case_id, "notify_without_consent")
    assert refused.value.unmet == (("first_responder_type", S52_5),)
    assert "first_responder_type one of" in str(refused.value)


def test_the_duty_to_notify_about_an_adult_carries_nothing_that_identifies_them(
    engine: Engine,
) -> None:
    case_id = uk_case(engine)
    spec = UK.guard.step("identified", "notify_without_consent")
    assert spec is not None and not any(f.pii for f in spec.fields)
    for identifying in ({"person_name": "Synthetic Name"}, {"date_of_birth": "1990-01-01"}):
        with pytest.raises(InvalidData):
            take(engine, case_id, "notify_without_consent", data=identifying)
    take(engine, case_id, "notify_without_consent")
    notified = engine.history(case_id)[-1]
    assert (notified.event, set(notified.data)) == ("DutyToNotifySent", {"declined_on"})


def test_a_child_is_referred_not_notified(engine: Engine) -> None:
    case_id = uk_case(engine, child=True)
    with pytest.raises(ConditionNotMet):
        take(engine, case_id, "notify_without_consent")


def test_a_referral_follows_the_duty_to_notify_once_the_adult_consents(engine: Engine) -> None:
    case_id = uk_case(engine)
    take(engine, case_id, "notify_without_consent")
    with pytest.raises(PreconditionMissing):
        take(engine, case_id, "refer_adult")
    take(engine, case_id, "record_consent")
    assert take(engine, case_id, "refer_adult").state == "referred"
    assert [d.name for d in engine.case(case_id).deadlines] == ["reasonable_grounds"]


def test_a_notification_no_referral_follows_is_closed_finally(engine: Engine) -> None:
    case_id = uk_case(engine)
    take(engine, case_id, "notify_without_consent")
    assert (
        take(engine, case_id, "close_without_referral", actor=SUPERVISOR).state == "notified_only"
    )
    assert engine.case(case_id, reader=FR).allowed_steps == ()


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
    assert refused.value.unmet == (("is_child", True),)


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
