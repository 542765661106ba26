"""The workflow loader refuses broken files, naming the file, the place in it and the problem.

Each broken file is the shipped Ukraine workflow with one thing broken, written to a temporary file.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from referral_engine.domain.errors import InvalidWorkflow
from referral_engine.workflows.loader import WorkflowRegistry, load_file, parse
from tests.factories import WORKFLOWS, with_papers

SHIPPED = WORKFLOWS / "ukraine-nrm.yaml"
SHIPPED_FILES = sorted(WORKFLOWS.glob("*.yaml"))

Doc = dict[str, Any]


_SHIPPED_DOC: Doc = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))


def shipped() -> Doc:
    """A fresh copy of the shipped Ukraine workflow document, free to break."""
    return copy.deepcopy(_SHIPPED_DOC)


def write(tmp_path: Path, doc: object, name: str = "broken.yaml") -> Path:
    path = with_papers(tmp_path) / name
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def transition(doc: Doc, trigger: str, where: str = "case") -> tuple[int, dict[str, Any]]:
    """The index and body of the transition with `trigger` (case-level or in the referrals)."""
    transitions = doc["transitions"] if where == "case" else doc["referrals"]["transitions"]
    return next((i, t) for i, t in enumerate(transitions) if t["trigger"] == trigger)


def problem_lines(error: InvalidWorkflow) -> list[str]:
    return str(error).splitlines()


# -- each kind of breakage: mutate the document, return "path: problem" as the loader words it ----


def unknown_source_state(doc: Doc) -> str:
    i, t = transition(doc, "conduct_interview")
    t["source"] = "nowhere"
    return f"transitions[{i}].source: unknown state 'nowhere'"


def unknown_state_in_a_source_list(doc: Doc) -> str:
    i, t = transition(doc, "close_case")
    t["source"] = [*t["source"], "nowhere"]
    return f"transitions[{i}].source: unknown state 'nowhere'"


def unknown_dest_state(doc: Doc) -> str:
    i, t = transition(doc, "grant_status")
    t["dest"] = "status_grnted"
    return f"transitions[{i}].dest: unknown state 'status_grnted'"


def unknown_opening_state(doc: Doc) -> str:
    doc["opening"]["state"] = "nowhere"
    return "opening.state: unknown state 'nowhere'"


def unknown_state_allowed_for_referrals(doc: Doc) -> str:
    doc["referrals"]["allowed_in"] = [*doc["referrals"]["allowed_in"], "nowhere"]
    return "referrals.allowed_in: unknown state 'nowhere'"


def unknown_referral_dest_state(doc: Doc) -> str:
    i, t = transition(doc, "accept", "referrals")
    t["dest"] = "nowhere"
    return f"referrals.transitions[{i}].dest: unknown state 'nowhere'"


def unknown_role_in_a_transition(doc: Doc) -> str:
    i, t = transition(doc, "grant_status")
    t["roles"] = ["judge"]
    return f"transitions[{i}].roles: unknown role 'judge'"


def unknown_role_in_the_opening(doc: Doc) -> str:
    doc["opening"]["roles"] = ["nrm_actor", "journalist"]
    return "opening.roles: unknown role 'journalist'"


def unknown_role_sending_referrals(doc: Doc) -> str:
    doc["referrals"]["send"]["roles"] = ["lsa_oficial"]
    return "referrals.send.roles: unknown role 'lsa_oficial'"


def unknown_role_in_a_referral_step(doc: Doc) -> str:
    i, t = transition(doc, "revoke", "referrals")
    t["roles"] = ["anyone"]
    return f"referrals.transitions[{i}].roles: unknown role 'anyone'"


def unreachable_state(doc: Doc) -> str:
    doc["states"]["limbo"] = {"title": "Nobody gets here"}
    doc["transitions"].append(
        {
            "trigger": "leave_limbo",
            "event": "LimboLeft",
            "source": "limbo",
            "dest": "application_registered",
            "roles": ["supervisor"],
        }
    )
    return "states.limbo: unreachable from 'screened'"


def unreachable_referral_state(doc: Doc) -> str:
    doc["referrals"]["states"]["on_hold"] = {"title": "Nobody gets here"}
    doc["referrals"]["transitions"].append(
        {
            "trigger": "resume",
            "event": "ReferralResumed",
            "source": "on_hold",
            "dest": "accepted",
            "roles": ["service_provider"],
        }
    )
    return "referrals.states.on_hold: unreachable from 'sent'"


def dead_end_state(doc: Doc) -> str:
    doc["states"]["stuck"] = {"title": "No way out"}
    doc["transitions"].append(
        {
            "trigger": "get_stuck",
            "event": "CaseStuck",
            "source": "screened",
            "dest": "stuck",
            "roles": ["supervisor"],
        }
    )
    return "states.stuck: not terminal, yet no step leads out of it"


def dead_end_referral_state(doc: Doc) -> str:
    doc["referrals"]["states"]["done"] = {"title": "Completed, but not marked terminal"}
    return "referrals.states.done: not terminal, yet no step leads out of it"


def way_out_of_a_terminal_state(doc: Doc) -> str:
    i, t = transition(doc, "accept", "referrals")
    t["source"] = ["sent", "rejected"]
    return f"referrals.transitions[{i}].source: terminal state 'rejected' cannot have a way out"


def duplicate_trigger_from_one_state(doc: Doc) -> str:
    _, t = transition(doc, "conduct_interview")
    doc["transitions"].append({**t, "event": "InterviewConductedAgain"})
    return (
        "transitions: trigger 'conduct_interview' is declared 2 times from state "
        "'application_registered'"
    )


def unknown_field_type(doc: Doc) -> str:
    i, t = transition(doc, "conduct_interview")
    t["fields"]["questionnaire_completed"]["type"] = "boolean"
    return f"transitions[{i}].fields.questionnaire_completed.type: unknown field type 'boolean'"


def deadline_started_by_an_unknown_event(doc: Doc) -> str:
    doc["deadlines"][0]["starts_on"] = ["ApplicationFiled"]
    return "deadlines[0].starts_on: unknown event 'ApplicationFiled'"


def deadline_stopped_by_an_unknown_event(doc: Doc) -> str:
    doc["deadlines"][1]["stops_on"] = ["PoliceAnswered"]
    return "deadlines[1].stops_on: unknown event 'PoliceAnswered'"


def deadline_name_used_twice(doc: Doc) -> str:
    doc["deadlines"].append({**doc["deadlines"][0]})
    return "deadlines: name 'interview' is used 2 times"


def enum_without_values(doc: Doc) -> str:
    i, t = transition(doc, "register_application")
    del t["fields"]["applicant"]["values"]
    return f"transitions[{i}].fields.applicant.values: an enum field needs a list of values"


def enum_list_without_values(doc: Doc) -> str:
    doc["opening"]["fields"]["indicators"]["values"] = []
    return "opening.fields.indicators.values: an enum_list field needs a list of values"


def values_on_a_plain_field(doc: Doc) -> str:
    doc["referrals"]["send"]["fields"]["agency"]["values"] = ["shelter-kyiv"]
    return "referrals.send.fields.agency.values: only enum fields take values"


def misspelt_top_level_key(doc: Doc) -> str:
    doc["deadline"] = doc.pop("deadlines")
    return "deadline: unknown key"


def misspelt_transition_key(doc: Doc) -> str:
    i, t = transition(doc, "grant_status")
    t["dset"] = t.pop("dest")
    return f"transitions[{i}].dset: unknown key"


def misspelt_field_key(doc: Doc) -> str:
    i, t = transition(doc, "register_application")
    t["fields"]["application_number"]["requried"] = True
    return f"transitions[{i}].fields.application_number.requried: unknown key"


def misspelt_state_key(doc: Doc) -> str:
    doc["states"]["closed"]["terminl"] = True
    return "states.closed.terminl: unknown key"


def requires_a_flag_no_step_sets(doc: Doc) -> str:
    i, t = transition(doc, "register_application")
    t["requires"] = ["consnet"]
    return f"transitions[{i}].requires: no step ever sets 'consnet'"


def referral_requires_a_flag_no_step_sets(doc: Doc) -> str:
    doc["referrals"]["send"]["requires"] = ["court_order"]
    return "referrals.send.requires: no step ever sets 'court_order'"


def referral_without_an_agency_field(doc: Doc) -> str:
    del doc["referrals"]["send"]["fields"]["agency"]
    return "referrals.send.fields: needs a required field 'agency'"


def missing_opening(doc: Doc) -> str:
    del doc["opening"]
    return "opening: Field required"


def trigger_not_in_snake_case(doc: Doc) -> str:
    i, t = transition(doc, "grant_status")
    t["trigger"] = "Grant-Status"
    return f"transitions[{i}].trigger: String should match pattern"


def condition_on_a_field_no_case_step_records(doc: Doc) -> str:
    i, t = transition(doc, "register_application")
    t["when"] = {"field": "is_adult", "equals": True}
    return f"transitions[{i}].when[0].field: 'is_adult' is not recorded by the opening"


def condition_on_personal_data(doc: Doc) -> str:
    i, t = transition(doc, "register_application")
    t["when"] = [{"field": "is_child", "equals": False}, {"field": "person_name", "equals": "X"}]
    return f"transitions[{i}].when[1].field: personal data may not decide a step"


def condition_with_a_value_of_another_type(doc: Doc) -> str:
    i, t = transition(doc, "register_application")
    t["when"] = {"field": "is_child", "equals": "yes"}
    return f'transitions[{i}].when[0].equals: "yes" is not a bool value'


def condition_with_a_value_the_field_does_not_take(doc: Doc) -> str:
    i, t = transition(doc, "accept", "referrals")
    t["when"] = {"field": "screening_actor", "equals": "astronaut"}
    return f"referrals.transitions[{i}].when[0].equals: not one of the field's values"


def condition_without_a_value(doc: Doc) -> str:
    i, t = transition(doc, "register_application")
    t["when"] = {"field": "is_child"}
    return f"transitions[{i}].when[0]: give exactly one of equals, one_of, not_equals, age_below"


BREAKAGES: list[Callable[[Doc], str]] = [
    unknown_source_state,
    unknown_state_in_a_source_list,
    unknown_dest_state,
    unknown_opening_state,
    unknown_state_allowed_for_referrals,
    unknown_referral_dest_state,
    unknown_role_in_a_transition,
    unknown_role_in_the_opening,
    unknown_role_sending_referrals,
    unknown_role_in_a_referral_step,
    unreachable_state,
    unreachable_referral_state,
    dead_end_state,
    dead_end_referral_state,
    way_out_of_a_terminal_state,
    duplicate_trigger_from_one_state,
    unknown_field_type,
    deadline_started_by_an_unknown_event,
    deadline_stopped_by_an_unknown_event,
    deadline_name_used_twice,
    enum_without_values,
    enum_list_without_values,
    values_on_a_plain_field,
    misspelt_top_level_key,
    misspelt_transition_key,
    misspelt_field_key,
    misspelt_state_key,
    requires_a_flag_no_step_sets,
    referral_requires_a_flag_no_step_sets,
    referral_without_an_agency_field,
    missing_opening,
    trigger_not_in_snake_case,
    condition_on_a_field_no_case_step_records,
    condition_on_personal_data,
    condition_with_a_value_of_another_type,
    condition_with_a_value_the_field_does_not_take,
    condition_without_a_value,
]


# -- the tests -------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", SHIPPED_FILES, ids=lambda p: p.name)
def test_every_shipped_workflow_file_loads(path: Path) -> None:
    workflow = load_file(path)

    assert workflow.states
    assert workflow.transitions


def test_the_shipped_directory_loads_as_one_registry() -> None:
    registry = WorkflowRegistry.from_directory(WORKFLOWS)

    assert sorted(w.id for w in registry) == sorted(load_file(p).id for p in SHIPPED_FILES)


def test_an_unchanged_copy_of_the_shipped_file_loads_the_same_workflow(tmp_path: Path) -> None:
    copy = write(tmp_path, shipped(), "copy.yaml")

    assert load_file(copy) == load_file(SHIPPED)


@pytest.mark.parametrize("breakage", BREAKAGES, ids=lambda b: b.__name__)
def test_a_broken_workflow_file_is_refused_naming_the_file_the_place_and_the_problem(
    tmp_path: Path, breakage: Callable[[Doc], str]
) -> None:
    doc = shipped()
    expected = breakage(doc)
    path = write(tmp_path, doc)

    with pytest.raises(InvalidWorkflow) as refused:
        load_file(path)

    assert refused.value.source == str(path)
    lines = problem_lines(refused.value)
    assert any(line.startswith(f"{path}: {expected}") for line in lines), lines


@pytest.mark.parametrize("breakage", BREAKAGES[:6], ids=lambda b: b.__name__)
def test_a_broken_document_is_refused_under_the_name_it_was_given(
    breakage: Callable[[Doc], str],
) -> None:
    doc = shipped()
    expected = breakage(doc)

    with pytest.raises(InvalidWorkflow) as refused:
        parse(doc, "from-the-api.yaml")

    assert any(
        line.startswith(f"from-the-api.yaml: {expected}") for line in problem_lines(refused.value)
    )


def test_every_problem_in_a_file_is_reported_at_once(tmp_path: Path) -> None:
    doc = shipped()
    first = unknown_dest_state(doc)
    second = unknown_role_in_the_opening(doc)
    path = write(tmp_path, doc)

    with pytest.raises(InvalidWorkflow) as refused:
        load_file(path)

    assert {f"{path}: {first}", f"{path}: {second}"} <= set(problem_lines(refused.value))


def test_a_state_only_returned_to_by_a_previous_step_is_unreachable(tmp_path: Path) -> None:
    doc = shipped()
    doc["states"]["limbo"] = {"title": "Nobody gets here"}
    doc["transitions"].append(
        {
            "trigger": "leave_limbo",
            "event": "LimboLeft",
            "source": "limbo",
            "dest": "closed",
            "roles": ["supervisor"],
        }
    )
    path = write(tmp_path, doc)

    with pytest.raises(InvalidWorkflow) as refused:
        load_file(path)

    assert f"{path}: states.limbo: unreachable from 'screened'" in problem_lines(refused.value)


def test_a_previous_destination_in_a_referral_step_is_refused(tmp_path: Path) -> None:
    doc = shipped()
    doc["referrals"]["states"]["paused"] = {"title": "Paused by the agency"}
    doc["referrals"]["transitions"] += [
        {
            "trigger": "pause",
            "event": "ReferralPaused",
            "source": "accepted",
            "dest": "paused",
            "roles": ["service_provider"],
        },
        {
            "trigger": "resume",
            "event": "ReferralResumed",
            "source": "paused",
            "dest": "$previous",
            "roles": ["service_provider"],
        },
    ]
    index = len(doc["referrals"]["transitions"]) - 1
    path = write(tmp_path, doc)

    with pytest.raises(InvalidWorkflow) as refused:
        load_file(path)

    assert any(
        line.startswith(f"{path}: referrals.transitions[{index}].dest")
        for line in problem_lines(refused.value)
    )


def test_a_file_that_is_not_valid_yaml_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("id: ukraine-nrm\nstates: [screened, closed\n", encoding="utf-8")

    with pytest.raises(InvalidWorkflow) as refused:
        load_file(path)

    assert str(refused.value).startswith(f"{path}: not valid YAML")


def test_a_file_without_a_mapping_at_the_top_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, ["screened", "closed"])

    with pytest.raises(InvalidWorkflow) as refused:
        load_file(path)

    assert problem_lines(refused.value) == [
        f"{path}: the file must hold a mapping at the top level"
    ]


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "absent.yaml"

    with pytest.raises(InvalidWorkflow) as refused:
        load_file(path)

    assert str(refused.value).startswith(f"{path}: cannot read")


def test_the_same_workflow_version_in_two_files_is_refused(tmp_path: Path) -> None:
    write(tmp_path, shipped(), "one.yaml")
    write(tmp_path, shipped(), "two.yaml")

    with pytest.raises(InvalidWorkflow, match="version 1 is defined twice"):
        WorkflowRegistry.from_directory(tmp_path)


def test_a_report_field_may_not_be_personal_data(tmp_path: Path) -> None:
    doc = yaml.safe_load((WORKFLOWS / "ukraine-nrm.yaml").read_text())
    doc["reporting"]["fields"]["assistance_type"] = "assistance_notes"
    path = tmp_path / "leaky.yaml"
    path.write_text(yaml.safe_dump(doc))
    with pytest.raises(InvalidWorkflow) as refused:
        load_file(path)
    assert "reporting.fields.assistance_type: 'assistance_notes' is personal data" in str(
        refused.value
    )


def test_a_milestone_must_be_known_and_name_real_events(tmp_path: Path) -> None:
    doc = yaml.safe_load((WORKFLOWS / "ukraine-nrm.yaml").read_text())
    doc["reporting"]["milestones"]["rescued"] = ["PersonScreened"]
    doc["reporting"]["milestones"]["applied"] = ["ApplicationFiled"]
    path = tmp_path / "typo.yaml"
    path.write_text(yaml.safe_dump(doc))
    with pytest.raises(InvalidWorkflow) as refused:
        load_file(path)
    message = str(refused.value)
    assert "reporting.milestones.rescued: unknown milestone" in message
    assert "reporting.milestones.applied: unknown event 'ApplicationFiled'" in message


def test_a_step_may_name_one_condition_or_several(tmp_path: Path) -> None:
    doc = shipped()
    _, one = transition(doc, "register_application")
    one["when"] = {"field": "is_child", "equals": False}
    _, two = transition(doc, "conduct_interview")
    two["when"] = [
        {"field": "is_child", "equals": False},
        {"field": "screening_actor", "equals": "ngo"},
    ]

    workflow = load_file(write(tmp_path, doc))

    steps = {t.trigger: t for t in workflow.transitions}
    assert [str(c) for c in steps["register_application"].when] == ["is_child = false"]
    assert [str(c) for c in steps["conduct_interview"].when] == [
        "is_child = false",
        'screening_actor = "ngo"',
    ]
