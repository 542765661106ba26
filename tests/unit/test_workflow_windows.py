"""The generic rules uk-nrm version 4 needed, as the loader checks them and as the engine judges
them apart from that workflow: conditions on several values (`one_of`), values only some cases
may record (`values_when`), and windows (`until_allowed`), judged on the recorded day unless a
confirming role vouches for the stated one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from referral_engine.application.engine import Engine
from referral_engine.bootstrap import build_in_memory
from referral_engine.config import Settings
from referral_engine.domain.commands import Actor
from referral_engine.domain.errors import InvalidWorkflow
from referral_engine.domain.windows import TooLate
from referral_engine.workflows.loader import load_file, resolved_document
from tests.factories import WORKFLOWS, FixedClock, data_for, with_papers, with_synthetic_agencies
from tests.unit.test_workflow_loader import Doc, shipped, transition, write

SUPERVISOR = Actor("kim.supervisor", "supervisor", "sca")


def until_an_unguarded_step(doc: Doc) -> str:
    i, t = transition(doc, "register_application")
    t["until_allowed"] = "conduct_interview"
    return (
        f"transitions[{i}].until_allowed: no case step 'conduct_interview' has an earliest date "
        "(not_before) to close this step's window"
    )


def until_on_a_referral_step(doc: Doc) -> str:
    i, t = transition(doc, "accept", "referrals")
    t["until_allowed"] = "close_case"
    return f"referrals.transitions[{i}].until_allowed: only case steps may have a window"


def values_when_on_a_text_field(doc: Doc) -> str:
    i, t = transition(doc, "refuse_status")
    t["fields"]["refusal_details"]["values_when"] = {"x": {"field": "is_child", "equals": True}}
    return f"transitions[{i}].fields.refusal_details.values_when: only an enum field's values"


def values_when_on_a_value_the_field_lacks(doc: Doc) -> str:
    i, t = transition(doc, "refuse_status")
    t["fields"]["refusal_reason"]["values_when"] = {"lies": {"field": "is_child", "equals": True}}
    return f"transitions[{i}].fields.refusal_reason.values_when.lies: not one of the field's values"


def values_when_on_personal_data(doc: Doc) -> str:
    i, t = transition(doc, "refuse_status")
    t["fields"]["refusal_reason"]["values_when"] = {
        "other": {"field": "person_name", "equals": "x"}
    }
    return f"transitions[{i}].fields.refusal_reason.values_when.other[0].field: personal data"


def values_when_at_the_opening(doc: Doc) -> str:
    doc["opening"]["fields"]["indicators"]["values_when"] = {
        "deception": {"field": "is_child", "equals": True}
    }
    return "opening.fields.indicators.values_when: only the values of a step after the opening"


def one_of_with_a_value_of_another_type(doc: Doc) -> str:
    i, t = transition(doc, "register_application")
    t["when"] = {"field": "is_child", "one_of": [True, "yes"]}
    return f'transitions[{i}].when[0].one_of: "yes" is not a bool value'


def equals_and_one_of_together(doc: Doc) -> str:
    i, t = transition(doc, "register_application")
    t["when"] = {"field": "is_child", "equals": True, "one_of": [True]}
    return f"transitions[{i}].when[0]: give exactly one of equals, one_of, not_equals, age_below"


BREAKAGES: list[Callable[[Doc], str]] = [
    until_an_unguarded_step,
    until_on_a_referral_step,
    values_when_on_a_text_field,
    values_when_on_a_value_the_field_lacks,
    values_when_on_personal_data,
    values_when_at_the_opening,
    one_of_with_a_value_of_another_type,
    equals_and_one_of_together,
]


@pytest.mark.parametrize("breakage", BREAKAGES, ids=lambda b: b.__name__)
def test_the_loader_refuses_a_broken_window_or_condition_naming_the_place(
    tmp_path: Path, breakage: Callable[[Doc], str]
) -> None:
    doc = shipped()
    expected = breakage(doc)
    path = write(tmp_path, doc)
    with pytest.raises(InvalidWorkflow) as refused:
        load_file(path)
    lines = str(refused.value).splitlines()
    assert any(line.startswith(f"{path}: {expected}") for line in lines), lines


def supervisor_requests(tmp_path: Path, clock: FixedClock) -> Engine:
    """uk-nrm 4, where a supervisor may also request a reconsideration (so may vouch for the
    day a request entered late was made)."""
    document = resolved_document(WORKFLOWS, "uk-nrm", 4)
    request = next(
        t for t in document["transitions"] if t["trigger"] == "request_rg_reconsideration"
    )
    request["roles"] = ["first_responder", "support_provider", "supervisor"]
    (with_papers(tmp_path) / "uk-nrm.yaml").write_text(
        yaml.safe_dump(document, allow_unicode=True), "utf-8"
    )
    return with_synthetic_agencies(build_in_memory(Settings(workflows_dir=tmp_path), clock=clock))


def test_a_window_counts_the_stated_day_only_when_a_confirming_role_vouches_for_it(
    tmp_path: Path, clock: FixedClock
) -> None:
    engine = supervisor_requests(tmp_path, clock)
    uk = engine.workflows.get("uk-nrm")
    fr, ca = Actor("fr", "first_responder", "police-met"), Actor("ca", "competent_authority", "sca")
    data = data_for(uk.opening, is_child=False, first_responder_type="police")
    case_id = engine.open_case("uk-nrm", "GB-ENG", data, actor=fr).case_id
    for trigger, actor, extra in [
        ("record_consent", fr, {}),
        ("refer_adult", fr, {}),
        ("decide_rg_negative", ca, {"competent_authority": "sca"}),
    ]:
        spec = uk.guard.step(engine.case(case_id).state, trigger)
        assert spec is not None
        version = engine.case(case_id).version
        engine.take_step(
            case_id, trigger, data_for(spec, **extra), actor=actor, expected_version=version
        )
    decided = clock.now
    clock.advance(days=35)
    spec = uk.guard.step("rg_negative", "request_rg_reconsideration")
    assert spec is not None
    stated = {"occurred_at": decided + timedelta(days=29), "expected_version": 4}
    with pytest.raises(TooLate):  # entered on day 35: late, though stated on day 29
        engine.take_step(case_id, spec.trigger, data_for(spec), actor=fr, **stated)
    vouched = engine.take_step(
        case_id,
        spec.trigger,
        data_for(spec),
        actor=SUPERVISOR,
        backdating_reason="Letter received on day 29, entered late",
        **stated,
    )
    assert vouched.state == "rg_reconsideration"
