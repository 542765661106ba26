"""How pages offer a step (`repeats`, `ends`; docs/workflows.md, "How pages offer a step"): the
shipped workflows declare them, `workflows validate` refuses the contradictions, and a case's
allowed steps say whether each is a next step, a change of what is recorded, or an ending."""

from __future__ import annotations

from typing import Any

import pytest

from referral_engine.application.engine import Engine
from referral_engine.domain.workflow import WorkflowDefinition
from referral_engine.workflows.loader import WorkflowRegistry
from tests.factories import LSA, SHELTER, WORKFLOWS, case_in, open_case, send_referral, step
from tests.unit.test_workflow_entries import problems_of, shipped


def kinds(engine: Engine, case_id: Any, actor: Any = LSA) -> dict[str, str]:
    view = engine.case(case_id, reader=actor)
    return {s.trigger: s.kind for s in view.allowed_steps}


def test_consent_is_a_next_step_until_it_holds_then_a_change(engine: Engine) -> None:
    case_id = open_case(engine).case_id
    before = kinds(engine, case_id)
    assert before["record_consent"] == "next"
    assert before["withdraw_consent"] == "end"
    step(engine, case_id, "record_consent", actor=LSA)
    after = kinds(engine, case_id)
    assert after["record_consent"] == "change"
    assert after["register_application"] == "next"
    step(engine, case_id, "withdraw_consent", actor=LSA)
    assert kinds(engine, case_id)["record_consent"] == "next"  # no longer holds


def test_revoking_a_referral_ends_it_accepting_does_not(engine: Engine) -> None:
    case_id = case_in(engine, "application_registered")
    send_referral(engine, case_id)
    assert kinds(engine, case_id)["revoke"] == "end"
    assert kinds(engine, case_id, SHELTER) == {"accept": "next", "reject": "end"}


@pytest.mark.parametrize("version", [1, 2, 3, 4, 5])
def test_every_ukraine_version_declares_the_kinds_of_its_steps(version: int) -> None:
    workflow = WorkflowRegistry.from_directory(WORKFLOWS).get("ukraine-nrm", version)
    assert _declared(workflow, "repeats") >= {"record_consent", "override_consent"}
    assert _declared(workflow, "ends") >= {
        "withdraw_consent",
        "refuse_status",
        "terminate_status",
        "close_case",
        "revoke",
        "reject",
    }
    assert not _declared(workflow, "ends") & {"grant_status", "accept", "register_application"}


@pytest.mark.parametrize("version", [1, 2, 3])
def test_every_uk_version_declares_the_kinds_of_its_steps(version: int) -> None:
    workflow = WorkflowRegistry.from_directory(WORKFLOWS).get("uk-nrm", version)
    assert "record_consent" in _declared(workflow, "repeats")
    assert _declared(workflow, "ends") >= {"decide_rg_negative", "withdraw", "close_case", "revoke"}


def _declared(workflow: WorkflowDefinition, key: str) -> set[str]:
    return {t.trigger for t in workflow.all_transitions() if getattr(t, key)}


def test_a_step_both_repeating_and_ending_is_refused() -> None:
    document = shipped()
    document["transitions"][0]["ends"] = True  # record_consent repeats
    assert (
        "transitions[0]: a step either repeats what is recorded (`repeats`) or ends something "
        "(`ends`), not both"
    ) in problems_of(document)


def test_a_repeating_step_that_moves_the_case_is_refused() -> None:
    document = shipped()
    register = next(
        i for i, t in enumerate(document["transitions"]) if t["trigger"] == "register_application"
    )
    document["transitions"][register]["repeats"] = True
    document["referrals"]["transitions"][0]["repeats"] = True  # accept: sent -> accepted
    found = problems_of(document)
    assert f"transitions[{register}].repeats: a step that records again what the case holds " \
        "stays where it is (no `dest`, or its own source state)" in found  # fmt: skip
    assert any(p.startswith("referrals.transitions[0].repeats: ") for p in found)


def test_a_step_kind_must_be_a_flag() -> None:
    document = shipped()
    document["transitions"][0]["repeats"] = "sometimes"
    assert any(
        p.startswith("transitions[0].repeats: Input should be a valid boolean")
        for p in problems_of(document)
    )
