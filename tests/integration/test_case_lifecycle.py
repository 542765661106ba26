"""A case's whole life on PostgreSQL: from screening to assistance delivered and closure."""

from __future__ import annotations

from referral_engine.bootstrap import Runtime
from tests.factories import (
    CLINIC,
    LSA,
    SUPERVISOR,
    case_in,
    referral_step,
    send_referral,
    step,
)


def test_a_full_path_from_screening_to_assistance_and_closure(pg_runtime: Runtime) -> None:
    engine = pg_runtime.engine
    case_id = case_in(engine, "application_registered")
    referral = send_referral(engine, case_id, agency="shelter-kyiv", service="shelter")
    referral_step(engine, case_id, referral.referral_id or "", "accept")
    referral_step(engine, case_id, "r1", "deliver_assistance", assistance_type="accommodation")
    referral_step(engine, case_id, "r1", "deliver_assistance", assistance_type="accommodation")
    step(engine, case_id, "conduct_interview")
    step(engine, case_id, "request_verification")
    step(engine, case_id, "record_verification")
    step(engine, case_id, "identify_victim")
    step(engine, case_id, "grant_status")
    referral_step(engine, case_id, "r1", "complete")
    step(engine, case_id, "close_case", actor=SUPERVISOR)

    case = engine.case(case_id)
    assert case.state == "closed"
    assert [r.state for r in case.referrals] == ["done"]
    assert [s["name"] for s in case.referrals[0].steps] == [
        "ReferralSent",
        "ReferralAccepted",
        "AssistanceDelivered",
        "AssistanceDelivered",
        "ReferralCompleted",
    ]
    assert case.deadlines == ()  # closing stops every running clock
    history = engine.history(case_id)
    assert [h.version for h in history] == list(range(1, case.version + 1))
    assert history[-1].event == "CaseClosed"
    assert history[-1].actor == SUPERVISOR.as_dict()


def test_a_referral_to_another_agency_is_answered_by_that_agency_only(pg_runtime: Runtime) -> None:
    engine = pg_runtime.engine
    case_id = case_in(engine, "status_granted")
    send_referral(engine, case_id, agency="clinic-kyiv", service="medical")
    referral_step(engine, case_id, "r1", "accept", actor=CLINIC)
    assert engine.case(case_id, reader=LSA).referrals[0].state == "accepted"
    deadline_names = [d.name for d in engine.case(case_id).deadlines]
    assert "referral_response" not in deadline_names
    assert "status_review" in deadline_names
