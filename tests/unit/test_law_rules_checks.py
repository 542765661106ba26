"""The meaning checks of `withheld`, `refused_in` and `migration.happened` (issue #20's gaps):
each names a declared field, state or flag, and a step is not refused where it may be taken;
and what a withheld rule counts as held."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from referral_engine.domain.conditions import ConditionSpec, WithheldSpec, withheld_problems
from referral_engine.domain.errors import InvalidWorkflow
from referral_engine.domain.markers import ERASED
from referral_engine.workflows.loader import parse, resolved_document
from tests.factories import WORKFLOWS


def problems_of(document: dict[str, Any]) -> list[str]:
    with pytest.raises(InvalidWorkflow) as refused:
        parse(document, base=WORKFLOWS)
    return list(refused.value.problems)


def test_a_withheld_rule_names_declared_fields_states_and_flags() -> None:
    document = copy.deepcopy(resolved_document(WORKFLOWS, "uk-nrm", 4))
    document["withheld"][0].update(fields=["shoe_size"], states=["limbo"], unless=["halo"])
    found = problems_of(document)
    assert any(p.startswith("withheld[0].fields") and "shoe_size" in p for p in found)
    assert any(p.startswith("withheld[0].states") and "limbo" in p for p in found)
    assert any(p.startswith("withheld[0].unless") and "halo" in p for p in found)


def test_a_step_is_not_refused_in_a_state_it_may_be_taken_from() -> None:
    document = copy.deepcopy(resolved_document(WORKFLOWS, "uk-nrm", 4))
    removal = next(t for t in document["transitions"] if t["trigger"] == "record_removal_decision")
    removal["refused_in"] = {"referred": "a rule", "nowhere": "a rule"}
    found = problems_of(document)
    assert any("refused_in.referred: the step may be taken from this state" in p for p in found)
    assert any("refused_in" in p and "nowhere" in p for p in found)


def test_a_history_dependent_move_leads_to_a_state_of_the_new_version() -> None:
    document = copy.deepcopy(resolved_document(WORKFLOWS, "ukraine-nrm", 6))
    document["migration"]["happened"][0]["states"] = {"status_granted": "status_doubled"}
    found = problems_of(document)
    assert any(
        p.startswith("migration.happened[0].states") and "status_doubled" in p for p in found
    )


def test_an_erased_value_is_not_held_and_a_flag_or_an_unmet_condition_lifts_the_rule() -> None:
    rule = WithheldSpec(
        ("person_name",), ("duty_to_notify",), ("consent",), (ConditionSpec("is_child", False),)
    )
    named = {"person_name": "Synthetic Person", "is_child": False}
    [problem] = withheld_problems([rule], "duty_to_notify", [], named)
    assert (problem.path, problem.code) == ("data.person_name", "withheld")
    assert withheld_problems([rule], "duty_to_notify", [], {**named, "person_name": ERASED}) == []
    assert withheld_problems([rule], "duty_to_notify", ["consent"], named) == []
    assert withheld_problems([rule], "duty_to_notify", [], {**named, "is_child": True}) == []
    assert withheld_problems([rule], "identified", [], named) == []
