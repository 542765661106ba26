"""The UK NRM as the primary texts say (issue #20, uk-nrm version 4), through the engine: each
rule allowed where the law allows it and refused with a clear problem where it does not, and
each window on its day. Here reconsideration (Statutory Guidance) and the Duty to Notify (MSA
2015 s.52); the recovery period and children in test_uk_nrm_protections.py."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from uuid import UUID

import pytest

from referral_engine.application.engine import Engine
from referral_engine.domain.commands import Actor
from referral_engine.domain.errors import (
    ConditionNotMet,
    InvalidData,
    PreconditionMissing,
    RoleNotAllowed,
    TooEarly,
)
from referral_engine.domain.views import StepResult
from referral_engine.domain.windows import TooLate
from tests.factories import FixedClock, data_for
from tests.unit.test_uk_nrm import (
    BY_ROLE,
    CA,
    FR,
    IDENTIFYING,
    SP,
    SUPERVISOR,
    UK,
    offered,
    uk_case,
    unnamed_case,
)

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
    case_id = unnamed_case(engine, first_responder_type=body)
    assert take(engine, case_id, "notify_without_consent").state == "duty_to_notify"


@pytest.mark.parametrize("body", NOT_S52_5)
def test_others_owe_no_duty_to_notify_and_are_refused(engine: Engine, body: str) -> None:
    case_id = uk_case(engine, first_responder_type=body)
    assert "notify_without_consent" not in offered(engine, case_id)
    with pytest.raises(ConditionNotMet) as refused:
        take(engine, case_id, "notify_without_consent")
    assert refused.value.unmet == ({"field": "first_responder_type", "one_of": S52_5},)
    assert "first_responder_type one of" in str(refused.value)


def test_the_duty_to_notify_about_an_adult_carries_nothing_that_identifies_them(
    engine: Engine,
) -> None:
    case_id = unnamed_case(engine)
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
    case_id = unnamed_case(engine)
    take(engine, case_id, "notify_without_consent")
    with pytest.raises(PreconditionMissing):
        take(engine, case_id, "refer_adult")
    take(engine, case_id, "record_consent")
    assert take(engine, case_id, "refer_adult").state == "referred"
    assert [d.name for d in engine.case(case_id).deadlines] == ["reasonable_grounds"]


def test_a_notification_no_referral_follows_is_closed_finally(engine: Engine) -> None:
    case_id = unnamed_case(engine)
    take(engine, case_id, "notify_without_consent")
    assert (
        take(engine, case_id, "close_without_referral", actor=SUPERVISOR).state == "notified_only"
    )
    assert engine.case(case_id, reader=FR).allowed_steps == ()


def refused_with(
    engine: Engine, case_id: UUID, trigger: str, **data: object
) -> set[tuple[str, str]]:
    """The path and code of each problem the step, recording `data`, is refused with."""
    with pytest.raises(InvalidData) as refused:
        take(engine, case_id, trigger, **data)
    return {(p.path, p.code) for p in refused.value.problems}


def test_an_adults_case_is_opened_without_who_they_are_naming_field_and_rule(
    engine: Engine,
) -> None:
    """Until the adult consents the case holds nothing that identifies them, from the opening,
    so that the Duty to Notify stays open if they decline (s.52(3))."""
    who = {"person_name": "Synthetic Person", "date_of_birth": "1990-01-01", "contact": "x1"}
    data = data_for(UK.opening, is_child=False, first_responder_type="police")
    with pytest.raises(InvalidData) as refused:
        engine.open_case("uk-nrm", "GB-ENG", data | who | {"account": "told"}, actor=FR)
    found = {p.path: p for p in refused.value.problems}
    assert set(found) == {f"data.{name}" for name in IDENTIFYING}
    for problem in found.values():
        assert problem.code == "withheld" and problem.params["unless"] == ["in_nrm"]
        assert "MSA 2015 s.52(3)" in problem.params["rule"] and "MSA 2015 s.52(3)" in str(problem)
    case_id = engine.open_case("uk-nrm", "GB-ENG", data, actor=FR).case_id
    with pytest.raises(InvalidData) as refused:  # nor recorded later before the referral
        take(engine, case_id, "record_reportable_facts", date_of_birth="1990-01-01")
    assert [p.code for p in refused.value.problems] == ["withheld"]
    take(engine, case_id, "record_consent")  # the referral, with consent, records who they are
    assert take(engine, case_id, "refer_adult", **who).state == "referred"
    data = engine.case(case_id, reader=FR).data
    assert {name: data[name] for name in who} == who


def test_an_adult_who_consented_then_declines_can_still_be_notified_without_being_identified(
    engine: Engine,
) -> None:
    """Who the adult is waits for the referral itself, not only for their consent: an adult may
    consent, then decline before the referral, and the Duty to Notify must stay possible."""
    case_id = unnamed_case(engine)
    take(engine, case_id, "record_consent")
    assert refused_with(engine, case_id, "record_reportable_facts", date_of_birth="1990-01-01") == {
        ("data.date_of_birth", "withheld")
    }
    assert take(engine, case_id, "notify_without_consent").state == "duty_to_notify"


def test_nothing_identifying_is_recorded_while_notified_until_the_adult_consents(
    engine: Engine,
) -> None:
    case_id = unnamed_case(engine)
    take(engine, case_id, "notify_without_consent")
    assert refused_with(engine, case_id, "record_reportable_facts", date_of_birth="1990-01-01") == {
        ("data.date_of_birth", "withheld")
    }
    facts = {"sex": "female", "citizenship": "VN", "exploitation_forms": ["labour"]}
    take(engine, case_id, "record_reportable_facts", data=facts | {"date_of_birth": None})
    take(engine, case_id, "record_consent")
    who = {"person_name": "Synthetic Person", "date_of_birth": "1990-01-01", "contact": "x1"}
    assert take(engine, case_id, "refer_adult", **who).state == "referred"
    data = engine.case(case_id, reader=FR).data
    assert {name: data[name] for name in who} == who


def test_a_childs_case_identifies_the_child_without_consent(engine: Engine) -> None:
    case_id = uk_case(engine, child=True)  # named: a child is referred without consent
    take(engine, case_id, "record_child")
    assert take(engine, case_id, "refer_child").state == "referred"
    assert engine.case(case_id, reader=FR).data["person_name"] == "Synthetic Person"
