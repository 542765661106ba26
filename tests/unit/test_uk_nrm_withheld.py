"""The Duty to Notify's withholding (uk-nrm 4, MSA 2015 s.52(3)) cannot be lifted by a consent
the adult gave before declining, and a withheld rule binds the opening as any step (found by a
review of the #20 gaps)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from referral_engine.application.engine import Engine
from referral_engine.domain import steps
from referral_engine.domain.commands import Context
from referral_engine.domain.errors import InvalidData
from tests.factories import data_for
from tests.unit.test_uk_nrm import FR, UK, unnamed_case
from tests.unit.test_uk_nrm_law import take


def test_a_consent_recorded_before_the_adult_declines_is_cleared_by_the_duty_to_notify(
    engine: Engine,
) -> None:
    case_id = unnamed_case(engine)
    take(engine, case_id, "record_consent")
    take(engine, case_id, "notify_without_consent")
    assert "consent" not in engine.case(case_id).flags
    with pytest.raises(InvalidData) as refused:  # the stale consent lifts nothing
        take(engine, case_id, "record_reportable_facts", date_of_birth="1990-01-01")
    assert {p.code for p in refused.value.problems} == {"withheld"}
    take(engine, case_id, "record_consent")  # the adult consents again: the referral follows
    assert take(engine, case_id, "refer_adult").state == "referred"


def test_a_case_opened_with_a_name_before_the_rule_keeps_its_steps_but_not_the_notification() -> (
    None
):
    """A case of an earlier version (opened with the adult's name, then migrated) is not
    refused the steps that keep it where it stands for what it already held; it is refused
    recording more that identifies the adult, and entering the Duty to Notify."""
    earlier = replace(UK, withheld=())
    data = data_for(UK.opening, is_child=False, first_responder_type="police")
    ctx = Context(FR, datetime(2026, 3, 2, 9, tzinfo=UTC))
    case = steps.open_case(earlier, "GB-ENG", {**data, "person_name": "Synthetic Person"}, ctx)
    facts = {"sex": "female", "citizenship": "VN", "exploitation_forms": ["labour"]}
    steps.take_step(case, UK, "record_reportable_facts", facts, ctx, case.version)
    with pytest.raises(InvalidData) as refused:
        steps.take_step(
            case, UK, "record_reportable_facts", {"date_of_birth": "1990-01-01"}, ctx, case.version
        )
    assert [(p.path, p.code) for p in refused.value.problems] == [
        ("data.date_of_birth", "withheld")
    ]
    notify = {"declined_on": "2026-03-02"}
    with pytest.raises(InvalidData) as refused:
        steps.take_step(case, UK, "notify_without_consent", notify, ctx, case.version)
    assert [(p.path, p.code) for p in refused.value.problems] == [("data.person_name", "withheld")]
    steps.take_step(case, UK, "record_consent", {"signed_on": "2026-03-02"}, ctx, case.version)
    refer = {"referral_reference": "NRM-SYN-1"}
    assert steps.take_step(case, UK, "refer_adult", refer, ctx, case.version).state == "referred"


def test_a_withheld_rule_on_the_opening_state_refuses_the_opening() -> None:
    rule = replace(UK.withheld[0], states=(*UK.withheld[0].states, UK.opening.state))
    workflow = replace(UK, withheld=(rule,))
    data = data_for(UK.opening, is_child=False, first_responder_type="police")
    ctx = Context(FR, datetime(2026, 3, 2, 9, tzinfo=UTC))
    with pytest.raises(InvalidData) as refused:
        steps.open_case(workflow, "GB-ENG", {**data, "person_name": "Synthetic Person"}, ctx)
    assert [p.code for p in refused.value.problems] == ["withheld"]
    assert steps.open_case(workflow, "GB-ENG", data, ctx).state == UK.opening.state


def test_a_removal_decision_on_a_notified_adult_carries_no_details_that_may_identify_them(
    engine: Engine,
) -> None:
    case_id = unnamed_case(engine)
    take(engine, case_id, "notify_without_consent")
    details = "Synthetic Person, born 1990-01-01, Home Office reference X1"
    with pytest.raises(InvalidData) as refused:
        take(engine, case_id, "record_removal_decision", removal_details=details)
    assert [(p.path, p.code) for p in refused.value.problems] == [
        ("data.removal_details", "withheld")
    ]
    take(engine, case_id, "record_removal_decision", removal_details=None)
