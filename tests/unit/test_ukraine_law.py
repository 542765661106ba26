"""The law's rules in ukraine-nrm version 6 (issue #20, items 1-4, 8 and 9), each through the
engine: allowed where the law allows it, refused with a clear problem where it does not; each
deadline with its due date. Children, foreigners and assistance: test_ukraine_law_persons.py."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
import yaml

from referral_engine.application.engine import Engine
from referral_engine.bootstrap import build_in_memory
from referral_engine.domain.commands import Actor
from referral_engine.domain.errors import (
    ConditionNotMet,
    IllegalTransition,
    InvalidData,
    InvalidWorkflow,
    RoleNotAllowed,
)
from referral_engine.workflows.loader import file_notes, parse, resolved_document
from tests.factories import (
    DECIDER,
    LSA,
    UKRAINE,
    WORKFLOWS,
    FixedClock,
    born_aged,
    case_in,
    data_for,
    police_unit_of,
    ukraine,
    with_synthetic_agencies,
)

WORKFLOW = ukraine()
ADMIN = Actor("ops", "admin", "operations")


def act(engine: Engine, case_id: UUID, trigger: str, actor: Actor, **data: Any) -> str:
    """Take a step with valid data, `data` overriding it; the state it leads to."""
    case = engine.case(case_id)
    workflow = engine.workflow_of(case_id)
    spec = workflow.guard.step(case.state, trigger)
    if spec is None:  # not legal here: the engine says so, with data of its other declaration
        spec = next(t for t in workflow.transitions if t.trigger == trigger)
    payload = data_for(spec, **police_unit_of(spec, case.region), **data)
    result = engine.take_step(case_id, trigger, payload, actor=actor, expected_version=case.version)
    return result.state


def deadline(engine: Engine, case_id: UUID, name: str) -> Any:
    found = [d for d in engine.case(case_id).deadlines if d.name == name]
    return found[0] if found else None


def problems(refused: pytest.ExceptionInfo[InvalidData]) -> dict[str, str]:
    return {p.path: p.code for p in refused.value.problems}


def test_version_6_is_the_newest_and_written_as_changes_on_version_5() -> None:
    assert WORKFLOW.version == 6
    raw = yaml.safe_load((WORKFLOWS / "ukraine-nrm-v6.yaml").read_text(encoding="utf-8"))
    assert raw["extends"] == "ukraine-nrm@5" and raw["migration"]["from_version"] == 5


# -- 1. the interview waiver (art. 15(2)) ----------------------------------------------------------


@pytest.mark.parametrize(
    "reason",
    [
        "chronic_mental_illness",
        "temporary_mental_disorder",
        "dementia",
        "other_morbid_mental_state",
    ],
)
def test_the_interview_is_waived_for_a_mental_state_the_law_names(
    engine: Engine, reason: str
) -> None:
    case_id = case_in(engine, "application_registered")
    assert act(engine, case_id, "waive_interview", LSA, waiver_reason=reason) == "interviewed"


@pytest.mark.parametrize(
    "reason", ["identified_by_police", "identified_by_court", "illness", "other"]
)
def test_the_interview_is_not_waived_for_another_reason(engine: Engine, reason: str) -> None:
    case_id = case_in(engine, "application_registered")
    with pytest.raises(InvalidData) as refused:
        act(engine, case_id, "waive_interview", LSA, waiver_reason=reason)
    assert problems(refused) == {"data.waiver_reason": "not_one_of"}
    assert engine.case(case_id).state == "application_registered"


def test_a_child_of_14_or_an_adult_is_interviewed_and_a_child_of_13_need_not_be(
    engine: Engine,
) -> None:
    for born in (born_aged(14), born_aged(17), born_aged(30)):
        case_id = case_in(
            engine, "application_registered", is_child=born != born_aged(30), date_of_birth=born
        )
        with pytest.raises(ConditionNotMet) as refused:
            act(engine, case_id, "waive_interview_for_child", LSA)
        assert refused.value.unmet == (
            {"field": "date_of_birth", "age_below": 14, "on": "2026-03-02"},
        )
        offered = engine.case(case_id, reader=LSA).allowed_steps
        assert "waive_interview_for_child" not in {s.trigger for s in offered}
    child = case_in(engine, "application_registered", is_child=True, date_of_birth=born_aged(13))
    assert "waive_interview_for_child" in {
        s.trigger for s in engine.case(child, reader=LSA).allowed_steps
    }
    assert act(engine, child, "waive_interview_for_child", LSA) == "interviewed"
    assert engine.case(child).data["waiver_reason"] == "child_under_14"


def test_the_age_is_taken_on_the_day_of_the_waiver_from_the_recorded_date_of_birth(
    engine: Engine, clock: FixedClock
) -> None:
    unknown = case_in(engine, "application_registered", is_child=True)
    assert "date_of_birth" not in engine.case(unknown).data
    with pytest.raises(ConditionNotMet):  # no date of birth: the age is unknown
        act(engine, unknown, "waive_interview_for_child", LSA)
    act(engine, unknown, "record_reportable_facts", LSA, date_of_birth=born_aged(12))
    assert act(engine, unknown, "waive_interview_for_child", LSA) == "interviewed"

    # 13 at the screening, 14 two days later: too old on the day of the waiver
    almost = case_in(
        engine,
        "application_registered",
        is_child=True,
        date_of_birth=date(2012, 3, 3).isoformat(),
    )
    clock.advance(days=2)
    with pytest.raises(ConditionNotMet) as refused:
        act(engine, almost, "waive_interview_for_child", LSA)
    assert refused.value.unmet[0]["on"] == "2026-03-04"


def test_after_an_erasure_the_age_is_unknown_and_the_waiver_is_refused(engine: Engine) -> None:
    case_id = case_in(engine, "application_registered", is_child=True, date_of_birth=born_aged(10))
    engine.erase_personal_data(case_id, "lawful request (synthetic)", actor=ADMIN)
    with pytest.raises(ConditionNotMet):
        act(engine, case_id, "waive_interview_for_child", LSA)


# -- 2. one month from the interview to the decision (art. 15(3)) ----------------------------------


def test_the_one_month_term_starts_at_the_interview_and_is_a_legal_deadline(
    engine: Engine,
) -> None:
    case_id = case_in(engine, "interviewed")
    term = deadline(engine, case_id, "status_procedure")
    assert (term.started_on, term.due_on, term.service_target) == (
        date(2026, 3, 2),
        date(2026, 4, 2),
        False,
    )
    waived = case_in(engine, "application_registered")
    act(engine, waived, "waive_interview", LSA, waiver_reason="dementia")
    assert deadline(engine, waived, "status_procedure").due_on == date(2026, 4, 2)


def test_one_month_after_the_31st_of_january_is_the_last_day_of_february() -> None:
    clock = FixedClock(datetime(2027, 1, 31, 9, tzinfo=UTC))
    engine = with_synthetic_agencies(build_in_memory(clock=clock))
    case_id = case_in(engine, "interviewed")
    assert deadline(engine, case_id, "status_procedure").due_on == date(2027, 2, 28)


def test_the_one_month_term_runs_through_a_return_and_stops_at_the_decision(
    engine: Engine, clock: FixedClock
) -> None:
    case_id = case_in(engine, "identified")
    act(engine, case_id, "return_incomplete", DECIDER)
    clock.advance(days=40)
    assert deadline(engine, case_id, "status_procedure").overdue  # on the deadline board
    act(engine, case_id, "resubmit_application", LSA)
    act(engine, case_id, "refuse_status", DECIDER)
    assert deadline(engine, case_id, "status_procedure") is None
    granted = case_in(engine, "status_granted")
    assert deadline(engine, granted, "status_procedure") is None


def test_the_police_and_decision_targets_fit_inside_the_month() -> None:
    by_name = {d.name: d for d in WORKFLOW.deadlines}
    inside = [d for d in WORKFLOW.deadlines if d.within == "status_procedure"]
    assert {d.name for d in inside} == {"police_verification", "status_decision"}
    assert all(d.service_target for d in inside) and not by_name["status_procedure"].service_target
    assert sum(d.days for d in inside) <= 28
    document = resolved_document(WORKFLOWS, UKRAINE, 6)
    for d in document["deadlines"]:
        if d["name"] == "status_decision":
            d["days"] = 19
    with pytest.raises(InvalidWorkflow) as refused:
        parse(document)
    assert (
        "deadlines: the terms within 'status_procedure' (police_verification, status_decision) "
        "add up to 29 days, more than its shortest span of 28 days"
    ) in refused.value.problems


# -- 3. one extension, at most a year, on the LSA's reasoned submission (art. 15(5)) ---------------


def test_the_status_is_granted_for_at_most_two_years(engine: Engine) -> None:
    case_id = case_in(engine, "identified")
    with pytest.raises(InvalidData) as refused:
        act(engine, case_id, "grant_status", DECIDER, valid_until="2028-03-03")
    assert problems(refused) == {"data.valid_until": "after_limit"}
    assert "must be on or before 2028-03-02" in str(refused.value.problems[0].message)
    assert act(engine, case_id, "grant_status", DECIDER, valid_until="2028-03-02") == (
        "status_granted"
    )


def test_the_status_is_extended_once_by_at_most_a_year_on_the_lsas_submission(
    engine: Engine,
) -> None:
    case_id = case_in(engine, "identified")
    act(engine, case_id, "grant_status", DECIDER, valid_until="2028-01-31")
    with pytest.raises(IllegalTransition):  # no extension without the LSA's submission
        act(engine, case_id, "extend_status", DECIDER)
    with pytest.raises(RoleNotAllowed):  # the submission is the LSA's
        act(engine, case_id, "request_extension", DECIDER)
    act(engine, case_id, "request_extension", LSA, extension_ground="assistance_still_needed")
    with pytest.raises(InvalidData) as refused:
        act(engine, case_id, "extend_status", DECIDER, valid_until="2029-02-01")
    assert problems(refused) == {"data.valid_until": "after_limit"}
    assert refused.value.problems[0].params["limit"] == "2029-01-31"
    assert act(engine, case_id, "extend_status", DECIDER, valid_until="2029-01-31") == (
        "status_extended"
    )
    with pytest.raises(IllegalTransition):  # at most one extension
        act(engine, case_id, "request_extension", LSA)
    review = deadline(engine, case_id, "extended_status_review")
    assert review.due_on == date(2027, 1, 31) and deadline(engine, case_id, "status_review") is None


def test_the_review_deadlines_are_due_before_the_status_and_its_extension_lapse(
    engine: Engine,
) -> None:
    case_id = case_in(engine, "status_granted")
    assert deadline(engine, case_id, "status_review").due_on == date(2028, 1, 31)  # 700 days
    act(engine, case_id, "request_extension", LSA)
    assert deadline(engine, case_id, "extension_decision").due_on == date(2026, 3, 12)


# -- 4. withdrawal only for false information or invalid documents (art. 15(6)-(7)) ----------------


@pytest.mark.parametrize("reason", ["knowingly_false_information", "invalid_documents"])
def test_the_status_is_withdrawn_when_the_decision_rested_on_it(
    engine: Engine, reason: str
) -> None:
    case_id = case_in(engine, "status_granted")
    state = act(engine, case_id, "terminate_status", DECIDER, termination_reason=reason)
    assert state == "status_terminated"


@pytest.mark.parametrize("reason", ["person_request", "left_country", "deceased", "other"])
def test_the_status_is_not_withdrawn_for_another_reason(engine: Engine, reason: str) -> None:
    case_id = case_in(engine, "status_granted")
    with pytest.raises(InvalidData) as refused:
        act(engine, case_id, "terminate_status", DECIDER, termination_reason=reason)
    assert problems(refused) == {"data.termination_reason": "not_one_of"}
    assert act(engine, case_id, "expire_status", LSA) == "status_expired"  # it ends by expiry


def test_a_withdrawal_says_how_the_information_was_material_to_the_decision(
    engine: Engine,
) -> None:
    case_id = case_in(engine, "status_granted")
    spec = next(t for t in WORKFLOW.transitions if t.trigger == "terminate_status")
    data = data_for(spec)
    del data["termination_details"]
    with pytest.raises(InvalidData) as refused:
        engine.take_step(
            case_id,
            "terminate_status",
            data,
            actor=DECIDER,
            expected_version=engine.case(case_id).version,
        )
    assert problems(refused) == {"data.termination_details": "required"}


# -- 8. who decides --------------------------------------------------------------------------------


def test_the_working_group_of_the_national_social_service_decides_since_version_6() -> None:
    registry = [WORKFLOW, *(build_in_memory().workflows.get(UKRAINE, v) for v in (1, 5))]
    now, first, fifth = (w.roles["decision_maker"] for w in registry)
    assert "National Social Service of Ukraine" in now and "Ministry of Social Policy" in now
    assert first == fifth and "Ministry of Social Policy" in first  # history kept right
    assert "National Social Service" not in first
    assert (
        "Національної соціальної сервісної служби" in WORKFLOW.labels["uk"]["role.decision_maker"]
    )
    deciding = {t.trigger for t in WORKFLOW.transitions if "decision_maker" in t.roles}
    assert {"grant_status", "refuse_status", "return_incomplete", "extend_status"} <= deciding


# -- 9. a trigger declared twice -------------------------------------------------------------------


def test_validate_says_a_trigger_declared_once_per_source_state_is_meant() -> None:
    notes, _ = file_notes(WORKFLOWS / "ukraine-nrm-v2.yaml")
    assert notes == [
        "transitions: trigger 'extend_status' is declared 2 times, once per source state "
        "(status_granted; extension_requested): meant"
    ]


def test_validate_refuses_a_trigger_declared_twice_by_mistake(tmp_path: Path) -> None:
    document = resolved_document(WORKFLOWS, UKRAINE, 2)
    steps = document["transitions"]
    again = next(t for t in steps if t["trigger"] == "extend_status")
    steps.append({**again, "source": "status_expired", "event": "StatusProlonged"})
    steps.append({**again})  # the same state again
    with pytest.raises(InvalidWorkflow) as refused:
        parse(document)
    assert (
        "transitions: trigger 'extend_status' is declared 2 times from state 'status_granted': a "
        "mistake, only the first declaration would ever fire there (a trigger is declared again "
        "only from other states)"
    ) in refused.value.problems
    assert (
        "transitions: trigger 'extend_status' is declared 4 times recording different events "
        "(StatusExtended, StatusProlonged): a mistake, a trigger records one event; give the "
        "other step a trigger of its own"
    ) in refused.value.problems


# -- every rule names its source ------------------------------------------------------------------

ARTICLE = re.compile(r"(Law No\. 3739-VI, arts?\. [0-9]|Resolution No\. (417|660)\b)")


def test_every_rule_version_6_adds_names_the_article_it_comes_from() -> None:
    """Conditions, limits, referral entries, restricted values and legal terms: each with a
    `source:` naming the article (a service target's source says why it is one)."""
    raw = yaml.safe_load((WORKFLOWS / "ukraine-nrm-v6.yaml").read_text(encoding="utf-8"))
    sources: dict[str, str] = {}
    steps = [*raw["transitions"], *raw["referrals"]["transitions"]]
    for t in steps:
        when = t.get("when") or []
        conditions = [when] if isinstance(when, dict) else when
        if conditions:
            sources[f"{t['trigger']}.when"] = " ".join(c.get("source", "") for c in conditions)
        for limit in t.get("limits", []):
            sources[f"{t['trigger']}.limits.{limit['field']}"] = limit["source"]
    for entry in raw["referrals"]["allowed_in"]:
        if isinstance(entry, dict):
            sources[f"referrals.allowed_in.{entry['state']}"] = entry["source"]
    ruled = {
        ("waive_interview", "waiver_reason"),
        ("register_application_for_child", "applicant"),
        ("request_extension", "extension_ground"),
        ("terminate_status", "termination_reason"),
    }
    for t in steps:
        for name, field in (t.get("fields") or {}).items():
            if (t["trigger"], name) in ruled:
                sources[f"{t['trigger']}.{name}"] = field.get("source", "")
    for d in raw["deadlines"]:
        if "source" in d:
            sources[f"deadlines.{d['name']}"] = d["source"]
    assert len(sources) >= 25
    unsourced = {where: said for where, said in sources.items() if not ARTICLE.search(said)}
    assert unsourced == {}
    legal = [d for d in WORKFLOW.deadlines if not d.service_target]
    assert {d.name for d in legal} == {
        "status_procedure",
        "temporary_stay",
        "temporary_accommodation",
        "one_time_payment",
    }
    assert all(ARTICLE.search(d.source) for d in legal)
