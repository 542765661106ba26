"""Need-to-know as pure rules: the workflow's `access:` declarations and how they are checked,
which cases a reader reaches, what a receiving agency sees of one, and what the queue folds."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from referral_engine.application.engine import Engine
from referral_engine.domain.access import Scope, Sight, queue_filter, sight
from referral_engine.domain.errors import CaseNotFound, InvalidWorkflow, ReferralNotFound
from referral_engine.domain.personal import NOT_PERMITTED, history_within_sight, within_sight
from referral_engine.workflows.loader import load_file
from tests.factories import (
    CLINIC,
    LSA,
    POLICE,
    SCREENER,
    SHELTER,
    UKRAINE,
    WORKFLOWS,
    case_in,
    data_for,
    send_referral,
    step,
)
from tests.unit.test_read_model_handlers import event, fold
from tests.unit.test_workflow_loader import Doc, problem_lines, shipped, transition, write

KYIV = frozenset({"UA-32"})


def scope_of(actor: object, regions: frozenset[str] | None = KYIV) -> Scope:
    return Scope(regions, actor.role, actor.agency)  # type: ignore[attr-defined]


# -- the declarations and their checks ------------------------------------------------------------


def test_the_shipped_workflows_declare_who_reaches_which_cases() -> None:
    ukraine = load_file(WORKFLOWS / "ukraine-nrm.yaml")
    assert dict(ukraine.access) == {
        "lsa_official": {"region"},
        "decision_maker": {"region"},
        "supervisor": {"region"},
        "nrm_actor": {"acted"},
        "police": {"named"},
        "service_provider": {"referred"},
    }
    assert ukraine.referrals is not None
    assert ukraine.referrals.shared_fields == {
        "person_name",
        "date_of_birth",
        "contact",
        "is_child",
    }
    request = next(t for t in ukraine.transitions if t.trigger == "request_verification")
    assert request.names_agency == "police_unit"
    uk = load_file(WORKFLOWS / "uk-nrm.yaml")
    assert uk.access["support_provider"] == {"referred"}


def unknown_reach(doc: Doc) -> str:
    doc["access"]["police"] = ["named", "everything"]
    return "access.police: unknown reach 'everything'; known: region, acted, named, referred"


def unknown_role_given_a_reach(doc: Doc) -> str:
    doc["access"]["janitor"] = "region"
    return "access: unknown role 'janitor'"


def role_without_a_reach(doc: Doc) -> str:
    del doc["access"]["police"]
    return "access: role 'police' has no reach"


def named_reach_with_no_step_naming_an_agency(doc: Doc) -> str:
    _, t = transition(doc, "request_verification")
    del t["names_agency"]
    return "access.police: 'named' needs a transition with `names_agency`"


def names_agency_of_a_field_the_step_lacks(doc: Doc) -> str:
    i, t = transition(doc, "request_verification")
    t["names_agency"] = "unit"
    return f"transitions[{i}].names_agency: the step has no field 'unit'"


def names_agency_of_a_personal_field(doc: Doc) -> str:
    i, t = transition(doc, "record_verification")
    t["names_agency"] = "police_reference"
    return f"transitions[{i}].names_agency: 'police_reference' must be a required, non-personal"


def shared_field_no_case_step_records(doc: Doc) -> str:
    doc["referrals"]["shared_fields"] = ["person_name", "shoe_size"]
    return "referrals.shared_fields[1]: no case step records a field 'shoe_size'"


def misspelt_access_key_on_a_transition(doc: Doc) -> str:
    i, t = transition(doc, "request_verification")
    t["names_agancy"] = t.pop("names_agency")
    return f"transitions[{i}].names_agancy: unknown key"


BREAKAGES: list[Callable[[Doc], str]] = [
    unknown_reach,
    unknown_role_given_a_reach,
    role_without_a_reach,
    named_reach_with_no_step_naming_an_agency,
    names_agency_of_a_field_the_step_lacks,
    names_agency_of_a_personal_field,
    shared_field_no_case_step_records,
    misspelt_access_key_on_a_transition,
]


@pytest.mark.parametrize("breakage", BREAKAGES, ids=lambda b: b.__name__)
def test_a_wrong_access_declaration_is_refused_with_its_path(
    tmp_path: Path, breakage: Callable[[Doc], str]
) -> None:
    doc = shipped()
    expected = breakage(doc)
    path = write(tmp_path, doc)

    with pytest.raises(InvalidWorkflow) as refused:
        load_file(path)

    lines = problem_lines(refused.value)
    assert any(line.startswith(f"{path}: {expected}") for line in lines), lines


def test_a_workflow_without_access_lets_every_role_reach_its_regions(tmp_path: Path) -> None:
    doc = shipped()
    del doc["access"]
    workflow = load_file(write(tmp_path, doc))
    assert queue_filter([(workflow.id, workflow.access)], scope_of(SHELTER)) == (None, [])


# -- reach and sight, on cases the engine records --------------------------------------------------


def test_each_role_reaches_the_cases_the_workflow_gives_it(engine: Engine) -> None:
    case_id = case_in(engine, "interviewed")
    send_referral(engine, case_id, agency="shelter-kyiv")
    case = engine.store.repository.get(case_id)
    access = engine.workflow_of(case_id).access

    assert sight(access, case, scope_of(LSA)) == Sight()
    assert sight(access, case, scope_of(LSA, frozenset({"UA-46"}))) is None
    assert sight(access, case, scope_of(SCREENER)) == Sight()  # its agency screened the person
    other_ngo = Scope(KYIV, "nrm_actor", "hotline-synthetic")
    assert sight(access, case, other_ngo) is None
    assert sight(access, case, scope_of(SHELTER)) == Sight(frozenset({"r1"}), "shelter-kyiv")
    assert sight(access, case, scope_of(CLINIC)) is None
    assert sight(access, case, scope_of(POLICE)) is None  # not asked yet
    step(engine, case_id, "request_verification", data={"police_unit": POLICE.agency})
    case = engine.store.repository.get(case_id)
    assert sight(access, case, scope_of(POLICE)) == Sight()
    assert sight(access, case, Scope(KYIV, "police", "police-lvivska")) is None


def test_a_receiving_agency_sees_the_shared_fields_its_referrals_and_their_steps(
    engine: Engine,
) -> None:
    case_id = case_in(engine, "interviewed", person_name="Synthetic Qzxwv")
    send_referral(engine, case_id, agency="shelter-kyiv")
    send_referral(engine, case_id, agency="clinic-kyiv", service="medical")
    workflow = engine.workflow_of(case_id)
    mine = Sight(frozenset({"r1"}), "shelter-kyiv")

    view = within_sight(engine.case(case_id, reader=SHELTER), mine, workflow)
    assert view.data["person_name"] == "Synthetic Qzxwv"
    assert view.data["application_number"] == NOT_PERMITTED
    assert "screening_actor" not in view.data  # not personal, not shared: left out
    assert [r.id for r in view.referrals] == ["r1"]
    assert {d.referral_id for d in view.deadlines} == {"r1"}
    assert {(s.trigger, s.referral_id) for s in view.allowed_steps} == {
        ("accept", "r1"),
        ("reject", "r1"),
    }
    entries = history_within_sight(engine.history(case_id), mine, workflow)
    assert [e.referral_id for e in entries] == ["r1"]


def test_the_engine_answers_not_found_outside_reach_and_keeps_other_referrals_hidden(
    engine: Engine,
) -> None:
    case_id = case_in(engine, "interviewed")
    send_referral(engine, case_id, agency="shelter-kyiv")
    send_referral(engine, case_id, agency="clinic-kyiv", service="medical")
    version = engine.case(case_id).version

    for read in (
        lambda s: engine.case(case_id, scope=s),
        lambda s: engine.case_at_version(case_id, 1, scope=s),
        lambda s: engine.history(case_id, scope=s),
        lambda s: engine.workflow_of(case_id, scope=s),
    ):
        with pytest.raises(CaseNotFound) as hidden:
            read(Scope(KYIV, "service_provider", "dentist-kyiv"))
        assert hidden.value.region == "UA-32"  # for the audit log only
    with pytest.raises(ReferralNotFound):
        engine.take_referral_step(
            case_id, "r2", "accept", {}, actor=SHELTER, expected_version=version,
            scope=scope_of(SHELTER),
        )  # fmt: skip
    accepted = engine.take_referral_step(
        case_id, "r1", "accept", {}, actor=SHELTER, expected_version=version,
        scope=scope_of(SHELTER),
    )  # fmt: skip
    assert accepted.referral_id == "r1"


# -- the queue -------------------------------------------------------------------------------------


def test_the_queue_folds_who_each_case_is_shared_with() -> None:
    rows = fold(
        "case_queue",
        event("PersonScreened", opened=True, actor_agency="ngo-synthetic"),
        event("ReferralSent", position=2, referral_id="r1", agency="shelter-kyiv"),
        event("PoliceVerificationRequested", position=3, agency="police-kyivska"),
        event("WorkflowMigrated", position=4, actor_agency="it"),
    )
    marks = {key[1] for key in rows["case_reach"]}
    assert marks == {
        "ukraine-nrm|acted|ngo-synthetic",
        "ukraine-nrm|acted|lsa-kyivska",
        "ukraine-nrm|referred|shelter-kyiv",
        "ukraine-nrm|named|police-kyivska",
    }


def test_the_queue_lists_a_workflow_whole_only_for_roles_that_reach_its_region() -> None:
    ukraine = load_file(WORKFLOWS / "ukraine-nrm.yaml")
    uk = load_file(WORKFLOWS / "uk-nrm.yaml")
    both = [(ukraine.id, ukraine.access), (uk.id, uk.access)]

    assert queue_filter(both, scope_of(LSA)) == (["ukraine-nrm"], [])
    assert queue_filter(both, scope_of(SHELTER)) == ([], ["ukraine-nrm|referred|shelter-kyiv"])
    # a role of one workflow reaches no case of another through an agency of the same name
    first_responder = Scope(KYIV, "first_responder", "ngo-synthetic")
    assert queue_filter(both, first_responder) == ([], ["uk-nrm|acted|ngo-synthetic"])
    assert queue_filter(both, Scope(KYIV, "supervisor", "lsa")) == (None, [])
    assert queue_filter(both, Scope(None, None, "")) == (None, [])


def test_a_named_agency_is_recorded_on_the_step_that_sends_the_case(engine: Engine) -> None:
    case_id = case_in(engine, "interviewed")
    workflow = engine.workflows.get(UKRAINE)
    spec = next(t for t in workflow.transitions if t.trigger == "request_verification")
    step(engine, case_id, "request_verification", data=data_for(spec, police_unit="police-kyivska"))
    (last,) = list(engine.store.events.get(case_id))[-1:]
    assert (last.agency, last.referral_id) == ("police-kyivska", None)
