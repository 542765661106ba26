"""Transfers between regions and assignment, on the in-memory store: who may request and answer
(as the workflow's `transfers:` block says), the region changing only on acceptance, one
transfer at a time, deadlines keeping their due dates, the old region losing the case."""

from __future__ import annotations

from dataclasses import replace
from uuid import UUID

import pytest

from referral_engine.application.engine import Engine
from referral_engine.domain.access import Scope
from referral_engine.domain.commands import Actor
from referral_engine.domain.errors import (
    CaseNotFound,
    InvalidData,
    RegionNotAllowed,
    RoleNotAllowed,
    VersionConflict,
)
from referral_engine.domain.transfer_errors import (
    AssigneeUnsuitable,
    AssignmentRefused,
    TransferNotPossible,
)
from referral_engine.domain.transfers import Assignee
from referral_engine.workflows.loader import WorkflowRegistry
from tests.factories import DECIDER, LSA, SCREENER, SUPERVISOR, WORKFLOWS, case_in, step

KHARKIV, KYIV, LVIV = "UA-63", "UA-32", "UA-46"
OLD_LSA = replace(LSA, user_id="oksana.lsa", agency="lsa-kharkivska")
NEW_LSA = replace(LSA, user_id="taras.lsa", agency="lsa-kyivska")
OLD_SCOPE = Scope(frozenset({KHARKIV}), "lsa_official", "lsa-kharkivska")
NEW_SCOPE = Scope(frozenset({KYIV}), "lsa_official", "lsa-kyivska")


def in_kharkiv(engine: Engine, state: str = "application_registered") -> UUID:
    return case_in(engine, state, region=KHARKIV)


def request(engine: Engine, case_id: UUID, **kw: object) -> None:
    version = engine.case(case_id).version
    args = {"actor": OLD_LSA, "scope": OLD_SCOPE, "expected_version": version, **kw}
    engine.request_transfer(case_id, str(args.pop("region", KYIV)), "person_moved", **args)  # type: ignore[arg-type]


def accept(engine: Engine, case_id: UUID, actor: Actor = NEW_LSA, scope: Scope = NEW_SCOPE) -> None:
    version = engine.case(case_id).version
    engine.answer_transfer(case_id, True, actor=actor, scope=scope, expected_version=version)


def test_every_shipped_version_declares_transfers_so_old_cases_move_too() -> None:
    for workflow in WorkflowRegistry.from_directory(WORKFLOWS):
        assert workflow.transfers is not None, workflow.ref
        assert "transfer_note" in workflow.personal  # the note is sealed like any personal field


def test_the_region_changes_only_on_acceptance_and_the_deadlines_keep_their_dates(
    engine: Engine,
) -> None:
    case_id = in_kharkiv(engine, "awaiting_verification")
    due = {(d.name, d.due_on) for d in engine.case(case_id).deadlines}
    assert due
    request(engine, case_id)
    waiting = engine.case(case_id)
    assert waiting.region == KHARKIV and waiting.transfer is not None
    assert waiting.transfer.to_region == KYIV and waiting.transfer.reason == "person_moved"
    accept(engine, case_id)
    moved = engine.case(case_id)
    assert (moved.region, moved.transfer, moved.state) == (KYIV, None, "awaiting_verification")
    assert {(d.name, d.due_on) for d in moved.deadlines} == due
    history = engine.history(case_id)
    assert [h.event for h in history[-2:]] == ["TransferRequested", "TransferAccepted"]
    assert history[-1].data == {"from_region": KHARKIV, "to_region": KYIV}


def test_the_old_region_loses_the_case_and_the_new_one_works_it(engine: Engine) -> None:
    case_id = in_kharkiv(engine)
    request(engine, case_id)
    # while it waits, the receiving LSA reads it to decide but takes no step on it
    seen = engine.case(case_id, reader=NEW_LSA, scope=NEW_SCOPE)
    assert seen.region == KHARKIV and seen.allowed_steps == ()
    with pytest.raises(TransferNotPossible) as early:
        step(engine, case_id, "record_consent", actor=NEW_LSA, scope=NEW_SCOPE)
    assert early.value.code == "receiving"
    # a Kyiv decision maker does not answer transfers: the case stays out of their reach
    with pytest.raises(CaseNotFound):
        engine.case(case_id, scope=Scope(frozenset({KYIV}), "decision_maker", "msp-kyivska"))
    assert engine.case(case_id, scope=OLD_SCOPE).region == KHARKIV  # full access until then
    accept(engine, case_id)
    with pytest.raises(CaseNotFound):
        engine.case(case_id, scope=OLD_SCOPE)
    with pytest.raises(CaseNotFound):
        engine.history(case_id, scope=OLD_SCOPE)
    assert engine.case(case_id, reader=NEW_LSA, scope=NEW_SCOPE).allowed_steps
    step(engine, case_id, "record_consent", actor=NEW_LSA, scope=NEW_SCOPE)


def test_who_may_request_and_answer_is_the_workflows_word(engine: Engine) -> None:
    case_id = in_kharkiv(engine)
    decider = replace(DECIDER, agency="msp-kharkivska")
    with pytest.raises(RoleNotAllowed) as refused:
        request(engine, case_id, actor=decider, scope=replace(OLD_SCOPE, role="decision_maker"))
    assert set(refused.value.allowed_roles) == {"lsa_official", "nrm_actor", "supervisor"}
    supervisor = replace(SUPERVISOR, agency="lsa-kharkivska")
    request(engine, case_id, actor=supervisor, scope=replace(OLD_SCOPE, role="supervisor"))
    kyiv_supervisor = Scope(frozenset({KYIV}), "supervisor", "lsa-kyivska")
    with pytest.raises(CaseNotFound):  # only the answering role of the receiving region sees it
        accept(engine, case_id, SUPERVISOR, kyiv_supervisor)
    with pytest.raises(RegionNotAllowed):  # the requesting side cannot accept its own request
        accept(engine, case_id, OLD_LSA, OLD_SCOPE)
    with pytest.raises(RoleNotAllowed):
        accept(engine, case_id, supervisor, replace(OLD_SCOPE, role="supervisor"))
    lviv = Scope(frozenset({LVIV}), "lsa_official", "lsa-lvivska")
    with pytest.raises(CaseNotFound):
        accept(engine, case_id, replace(LSA, agency="lsa-lvivska"), lviv)
    assert engine.case(case_id).region == KHARKIV


def test_a_national_answerer_outside_the_receiving_region_is_refused(engine: Engine) -> None:
    case_id = in_kharkiv(engine)
    request(engine, case_id)
    kharkiv_and_lviv = Scope(frozenset({KHARKIV, LVIV}), "lsa_official", "lsa-kharkivska")
    with pytest.raises(RegionNotAllowed):
        accept(engine, case_id, OLD_LSA, kharkiv_and_lviv)


def test_the_same_region_an_unknown_one_or_reason_is_refused(engine: Engine) -> None:
    case_id = in_kharkiv(engine)
    with pytest.raises(InvalidData) as same:
        request(engine, case_id, region=KHARKIV)
    assert same.value.problems[0].code == "same_region"
    with pytest.raises(InvalidData) as unknown:
        request(engine, case_id, region="Kyivska")
    assert unknown.value.problems[0].path == "region"
    with pytest.raises(InvalidData) as reason:
        engine.request_transfer(
            case_id, KYIV, "bored", actor=OLD_LSA, scope=OLD_SCOPE, expected_version=3
        )
    assert reason.value.problems[0].path == "reason"
    with pytest.raises(InvalidData):  # the note is free text, checked as such
        request(engine, case_id, note="moved\x00")


def test_one_transfer_waits_at_a_time_and_answers_need_one(engine: Engine) -> None:
    case_id = in_kharkiv(engine)
    with pytest.raises(CaseNotFound):  # nothing waits for Kyiv: the case is not theirs to see
        accept(engine, case_id)
    with pytest.raises(TransferNotPossible) as none:
        accept(engine, case_id, OLD_LSA, OLD_SCOPE)
    assert none.value.code == "none"
    request(engine, case_id)
    with pytest.raises(TransferNotPossible) as pending:
        request(engine, case_id, region=LVIV)
    assert pending.value.code == "pending"
    version = engine.case(case_id).version
    engine.answer_transfer(
        case_id, False, "not_resident", actor=NEW_LSA, scope=NEW_SCOPE, expected_version=version
    )
    refused = engine.case(case_id)
    assert (refused.region, refused.transfer) == (KHARKIV, None)
    assert engine.history(case_id)[-1].data["reason"] == "not_resident"
    request(engine, case_id, region=LVIV)  # asked again, elsewhere
    version = engine.case(case_id).version
    engine.withdraw_transfer(case_id, actor=OLD_LSA, scope=OLD_SCOPE, expected_version=version)
    assert engine.case(case_id).transfer is None


def test_a_stale_version_and_a_retry(engine: Engine) -> None:
    case_id = in_kharkiv(engine)
    version = engine.case(case_id).version
    with pytest.raises(VersionConflict):
        engine.request_transfer(
            case_id, KYIV, "safety", actor=OLD_LSA, scope=OLD_SCOPE, expected_version=version - 1
        )
    first = engine.request_transfer(
        case_id, KYIV, "safety", actor=OLD_LSA, expected_version=version, idempotency_key="t1"
    )
    again = engine.request_transfer(
        case_id, KYIV, "safety", actor=OLD_LSA, expected_version=version, idempotency_key="t1"
    )
    assert again.replayed and again.version == first.version


def test_a_supervisor_assigns_a_caseworker_takes_and_gives_back(engine: Engine) -> None:
    case_id = in_kharkiv(engine)
    supervisor = replace(SUPERVISOR, agency="lsa-kharkivska")
    olena = Assignee(OLD_LSA.user_id, OLD_SCOPE)
    stranger = Assignee("taras.lsa", NEW_SCOPE)
    analyst = Assignee("ira.analyst", Scope(frozenset({KHARKIV}), "analyst", "msp"))

    def assign(actor: Actor, name: str | None, found: Assignee | None) -> None:
        version = engine.case(case_id).version
        engine.assign(case_id, name, found, actor=actor, expected_version=version)

    with pytest.raises(AssigneeUnsuitable) as elsewhere:
        assign(supervisor, "taras.lsa", stranger)
    assert elsewhere.value.code == "cannot_work"
    with pytest.raises(AssigneeUnsuitable):
        assign(supervisor, "ira.analyst", analyst)
    with pytest.raises(AssigneeUnsuitable) as unknown:
        assign(supervisor, "nobody", None)
    assert unknown.value.code == "unknown"
    assign(supervisor, OLD_LSA.user_id, olena)
    assert engine.case(case_id).assigned_to == OLD_LSA.user_id
    other = replace(OLD_LSA, user_id="iryna.lsa")
    with pytest.raises(AssignmentRefused) as taken:
        assign(other, other.user_id, Assignee(other.user_id, OLD_SCOPE))
    assert taken.value.code == "taken"
    with pytest.raises(RoleNotAllowed):  # a caseworker assigns nobody else
        assign(OLD_LSA, "iryna.lsa", Assignee("iryna.lsa", OLD_SCOPE))
    assign(OLD_LSA, None, None)  # gives it back
    assign(other, other.user_id, Assignee(other.user_id, OLD_SCOPE))  # takes it
    with pytest.raises(AssignmentRefused):
        assign(other, other.user_id, Assignee(other.user_id, OLD_SCOPE))
    assert [h.event for h in engine.history(case_id)[-3:]] == [
        "CaseAssigned",
        "CaseUnassigned",
        "CaseAssigned",
    ]


def test_an_accepted_transfer_ends_the_assignment(engine: Engine) -> None:
    case_id = in_kharkiv(engine)
    version = engine.case(case_id).version
    olena = Assignee(OLD_LSA.user_id, OLD_SCOPE)
    engine.assign(case_id, OLD_LSA.user_id, olena, actor=OLD_LSA, expected_version=version)
    request(engine, case_id)
    accept(engine, case_id)
    assert engine.case(case_id).assigned_to is None


def test_the_screener_requests_a_transfer_of_the_case_its_agency_works(engine: Engine) -> None:
    case_id = in_kharkiv(engine, "screened")
    scope = Scope(frozenset({KHARKIV}), "nrm_actor", SCREENER.agency)
    request(engine, case_id, actor=SCREENER, scope=scope)
    assert engine.case(case_id).transfer is not None
