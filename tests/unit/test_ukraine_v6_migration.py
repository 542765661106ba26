"""Moving open cases to ukraine-nrm version 6 (issue #20): the dry run lists what would move and
what could not, the open cases move by one recorded event each (along the chain of versions for
older ones), their history replays exactly as before, and from then on the law's rules hold."""

from __future__ import annotations

import json
from uuid import UUID

import pytest

from referral_engine.application.engine import Engine
from referral_engine.domain.commands import Actor
from referral_engine.domain.errors import IllegalTransition, InvalidData
from referral_engine.workflows.loader import WorkflowRegistry, parse, resolved_document
from tests.factories import (
    DECIDER,
    LSA,
    SUPERVISOR,
    UKRAINE,
    WORKFLOWS,
    case_in,
    engine_on_version,
    step,
)
from tests.unit.test_ukraine_law import act, deadline

ADMIN = Actor("ops", "admin", "operations")
STATES = ("screened", "interviewed", "status_granted", "extension_requested", "under_appeal")


def replays(engine: Engine, case_id: UUID) -> list[object]:
    """The case as it was after each of its events."""
    version = engine.case(case_id).version
    return [engine.case_at_version(case_id, v) for v in range(1, version + 1)]


def test_the_dry_run_lists_every_open_version_5_case_and_writes_nothing(engine: Engine) -> None:
    on_5 = engine_on_version(engine, UKRAINE, 5)
    cases = {state: case_in(on_5, state) for state in STATES}
    closed = case_in(on_5, "identified")
    step(on_5, closed, "close_case", actor=SUPERVISOR)
    before = {c: engine.case(c) for c in [*cases.values(), closed]}

    report = engine.migrate_cases(UKRAINE, 5, 6, actor=ADMIN, dry_run=True)

    assert set(report.moved) == {*cases.values(), closed} and report.refused == ()
    assert {c: engine.case(c) for c in before} == before


def test_open_cases_move_their_history_replays_as_before_and_the_law_holds_from_then_on(
    engine: Engine,
) -> None:
    on_5 = engine_on_version(engine, UKRAINE, 5)
    cases = {state: case_in(on_5, state) for state in STATES}
    history = {c: replays(engine, c) for c in cases.values()}

    report = engine.migrate_cases(UKRAINE, 5, 6, actor=ADMIN)

    assert set(report.moved) == set(cases.values()) and report.refused == ()
    for state, case_id in cases.items():
        case = engine.case(case_id)
        assert (case.workflow_version, case.state) == (6, state)
        assert replays(engine, case_id)[: len(history[case_id])] == history[case_id]
        last = engine.history(case_id)[-1]
        assert (last.event, last.data) == ("WorkflowMigrated", {"from_version": 5, "to_version": 6})
    granted, requested = cases["status_granted"], cases["extension_requested"]
    with pytest.raises(IllegalTransition):  # no extension without the LSA's submission now
        act(engine, granted, "extend_status", DECIDER)
    with pytest.raises(InvalidData):  # nor for a reason the law does not give
        act(engine, granted, "terminate_status", DECIDER, termination_reason="person_request")
    valid_until = engine.case(requested).data["valid_until"]
    assert act(engine, requested, "extend_status", DECIDER, valid_until=valid_until) == (
        "status_extended"
    )
    act(engine, cases["interviewed"], "request_verification", LSA)
    assert deadline(engine, cases["interviewed"], "status_procedure") is None  # started before


def test_an_old_case_moves_along_the_chain_of_versions_to_6(engine: Engine) -> None:
    case_id = case_in(engine_on_version(engine, UKRAINE, 1), "identified")
    history = replays(engine, case_id)
    for version in range(1, 6):
        report = engine.migrate_cases(UKRAINE, version, version + 1, actor=ADMIN)
        assert report.moved == (case_id,) and report.refused == ()
    case = engine.case(case_id)
    assert (case.workflow_version, case.state, case.version) == (6, "identified", len(history) + 5)
    assert replays(engine, case_id)[: len(history)] == history
    assert act(engine, case_id, "grant_status", DECIDER) == "status_granted"


def test_the_dry_run_names_a_case_whose_state_a_version_6_would_not_have(engine: Engine) -> None:
    """What cannot move is listed with its reason: here a version 6 renaming `under_appeal`
    without mapping it (the shipped one keeps every name)."""
    document = resolved_document(WORKFLOWS, UKRAINE, 6)
    renamed = parse(
        json.loads(json.dumps(document).replace('"under_appeal"', '"appealed"')), base=WORKFLOWS
    )
    engine_5_6 = Engine(
        engine.store,
        WorkflowRegistry([engine.workflows.get(UKRAINE, 5), renamed]),
        engine.clock,
        engine.open_agencies,
    )
    on_5 = engine_on_version(engine, UKRAINE, 5)
    appealing, granted = case_in(on_5, "under_appeal"), case_in(on_5, "status_granted")

    report = engine_5_6.migrate_cases(UKRAINE, 5, 6, actor=ADMIN, dry_run=True)

    assert report.moved == (granted,)
    assert report.refused == (
        (appealing, "state 'under_appeal' has no counterpart in the new version"),
    )


# -- 3. the one extension holds across the move (art. 15(5)) ---------------------------------------


def test_a_case_extended_under_version_5_moves_extended_and_is_not_extended_again(
    engine: Engine,
) -> None:
    on_5 = engine_on_version(engine, UKRAINE, 5)
    extended, asking_again = case_in(on_5, "status_granted"), case_in(on_5, "status_granted")
    for case_id in (extended, asking_again):
        step(on_5, case_id, "extend_status")  # version 5 left an extended case in status_granted
    step(on_5, asking_again, "request_extension")

    dry = engine.migrate_cases(UKRAINE, 5, 6, actor=ADMIN, dry_run=True)
    assert dry.moved == (extended,)
    [(refused, reason)] = dry.refused
    assert refused == asking_again
    assert reason.startswith("state 'extension_requested' after StatusExtended is not moved")
    assert "art. 15(5)" in reason

    engine.migrate_cases(UKRAINE, 5, 6, actor=ADMIN)
    assert (engine.case(extended).workflow_version, engine.case(extended).state) == (
        6,
        "status_extended",
    )
    with pytest.raises(IllegalTransition):
        act(engine, extended, "request_extension", LSA)
    with pytest.raises(IllegalTransition):
        act(engine, extended, "extend_status", DECIDER)
    assert act(engine, extended, "expire_status", DECIDER) == "status_expired"

    step(on_5, asking_again, "refuse_extension")  # decided under version 5, it moves extended
    assert engine.migrate_cases(UKRAINE, 5, 6, actor=ADMIN).moved == (asking_again,)
    assert engine.case(asking_again).state == "status_extended"
    assert engine.history(asking_again)[-1].event == "WorkflowMigrated"


def test_a_case_not_extended_under_version_5_is_extended_once_after_the_move(
    engine: Engine,
) -> None:
    on_5 = engine_on_version(engine, UKRAINE, 5)
    granted = case_in(on_5, "status_granted")
    refused_once = case_in(on_5, "status_granted")
    step(on_5, refused_once, "request_extension")
    step(on_5, refused_once, "refuse_extension")  # refused, not extended: one extension is left

    report = engine.migrate_cases(UKRAINE, 5, 6, actor=ADMIN)

    assert set(report.moved) == {granted, refused_once} and report.refused == ()
    for case_id in (granted, refused_once):
        assert engine.case(case_id).state == "status_granted"
        assert act(engine, case_id, "request_extension", LSA) == "extension_requested"
        valid_until = engine.case(case_id).data["valid_until"]
        assert act(engine, case_id, "extend_status", DECIDER, valid_until=valid_until) == (
            "status_extended"
        )
        with pytest.raises(IllegalTransition):  # once only
            act(engine, case_id, "request_extension", LSA)
