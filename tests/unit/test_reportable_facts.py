"""Reportable facts: a workflow's report fields mapped to the vocabulary and checked; age bands
derived from the personal dates; read models given vocabulary values only, for old events too;
older cases migrated to the versions recording the facts."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest

from referral_engine.adapters.readmodels.decoding import Decoder
from referral_engine.adapters.store import CaseStore
from referral_engine.application.engine import Engine
from referral_engine.application.readmodel import Event
from referral_engine.domain.commands import Actor
from referral_engine.domain.errors import InvalidData, InvalidWorkflow
from referral_engine.workflows.loader import parse, resolved_document
from tests.factories import (
    LSA,
    REGION,
    SCREENER,
    START,
    UKRAINE,
    WORKFLOWS,
    FixedClock,
    case_in,
    data_for,
    engine_on_version,
    open_case,
    step,
)
from tests.unit.test_read_model_handlers import stored_rows

ADMIN = Actor("ops", "admin", "operations")
FR = Actor("amy.police", "first_responder", "police-met")
OPENED_ON = START.date()  # the fixed clock's day: cases open on it


def v3() -> dict[str, Any]:
    return copy.deepcopy(resolved_document(WORKFLOWS, UKRAINE, 3))


def problems_of(document: dict[str, Any]) -> list[str]:
    with pytest.raises(InvalidWorkflow) as refused:
        parse(document, base=WORKFLOWS)
    return refused.value.problems


# -- the mapping, checked when the file is loaded ------------------------------------------------


def test_the_shipped_versions_map_their_facts_to_the_vocabulary() -> None:
    definition = parse(v3(), base=WORKFLOWS)
    assert definition.report_fields["citizenship"] == "citizenship"
    assert definition.report_fields["child"] == "is_child"
    v1 = parse(resolved_document(WORKFLOWS, UKRAINE, 1), base=WORKFLOWS)
    assert v1.report_fields["exploitation_forms"] == "exploitation_types"
    assert v1.report_values["exploitation_forms"]["forced_marriage"] == "other"


def test_an_unknown_report_field_is_refused() -> None:
    document = v3()
    document["reporting"]["fields"]["gender"] = "sex"
    assert any(
        p.startswith("reporting.fields.gender: unknown report field") for p in problems_of(document)
    )


def test_a_personal_field_may_not_be_reported() -> None:
    document = v3()
    document["reporting"]["fields"]["age_at_exploitation"] = "exploitation_began_on"
    assert (
        "reporting.fields.age_at_exploitation: 'exploitation_began_on' is personal data and may "
        "not be reported"
    ) in problems_of(document)


def test_a_value_mapped_outside_the_vocabulary_is_refused() -> None:
    document = copy.deepcopy(resolved_document(WORKFLOWS, UKRAINE, 1))
    document["reporting"]["fields"]["exploitation_forms"]["values"]["forced_marriage"] = "marriage"
    (problem,) = problems_of(document)
    assert problem.startswith(
        "reporting.fields.exploitation_forms.values.forced_marriage: 'marriage' is not in the "
        "exploitation_forms vocabulary"
    )


def test_a_workflow_value_left_unmapped_is_refused() -> None:
    document = copy.deepcopy(resolved_document(WORKFLOWS, UKRAINE, 1))
    del document["reporting"]["fields"]["exploitation_forms"]["values"]["child_exploitation"]
    assert list(problems_of(document)) == [
        "reporting.fields.exploitation_forms.values: the value 'child_exploitation' of "
        "'exploitation_types' is not mapped"
    ]


def test_values_outside_the_vocabulary_need_a_map() -> None:
    document = v3()
    document["opening"]["fields"]["sex"]["values"].append("intersex")
    for f in (document["opening"]["fields"], document["transitions"][-1]["fields"]):
        f.get("sex", {}).get("values", []).count("intersex")  # opening only: enough to refuse
    assert any(
        p.startswith(
            "reporting.fields.sex: the value 'intersex' of 'sex' is not in the sex vocabulary"
        )
        for p in problems_of(document)
    )


def test_a_map_naming_a_value_the_field_does_not_have_is_refused() -> None:
    document = v3()
    document["reporting"]["fields"]["sex"] = {
        "field": "sex",
        "values": {
            "female": "female",
            "male": "male",
            "other_unknown": "other_unknown",
            "x": "male",
        },
    }
    assert list(problems_of(document)) == ["reporting.fields.sex.values.x: 'sex' has no value 'x'"]


def test_a_report_field_read_from_a_field_of_the_wrong_type_is_refused() -> None:
    document = v3()
    document["reporting"]["fields"]["child"] = "sex"
    assert list(problems_of(document)) == [
        "reporting.fields.child: 'sex' is enum; child is read from bool"
    ]


def test_a_derived_fact_reads_declared_dates_and_is_named_apart_from_fields() -> None:
    document = v3()
    document["derived"]["sex"] = {"age_band_of": "date_of_birth", "at": "$opened"}
    document["derived"]["age_at_exploitation"]["at"] = "exploitation_ended_on"
    document["derived"]["age_at_identification"]["age_band_of"] = "citizenship"
    found = problems_of(document)
    assert "derived.sex: a step declares a field of this name" in found
    assert (
        "derived.age_at_exploitation.at: 'exploitation_ended_on' is not recorded by the opening "
        "or a case step"
    ) in found
    assert "derived.age_at_identification.age_band_of: 'citizenship' is not a date field" in found


def test_an_age_goes_to_no_htcds_field_and_a_country_comes_only_from_free_text() -> None:
    """The standard's age field is not transcribed (its system name is spelled in no text file
    of UNMigration/HTCDS, docs/htcds.md): a mapping naming it, or sending an age in years to
    another field, is refused."""
    document = v3()
    document["derived"]["years"] = {"age_of": "date_of_birth", "at": "$opened"}
    document["derived"]["where"] = {"country_named_in": "sex"}
    document["htcds"]["fields"]["prs_Citizenship"] = "years"
    found = problems_of(document)
    assert any(
        p.startswith("htcds.fields.prs_Citizenship: 'years' is an age in years") for p in found
    ), found
    assert "derived.where.country_named_in: 'sex' is not a free-text field" in found
    document = v3()
    document["htcds"]["fields"]["vic_AgeAtEntryIntoTrafficking"] = "age_at_exploitation"
    assert problems_of(document)[0].startswith(
        "htcds.fields.vic_AgeAtEntryIntoTrafficking: not a field of the HTCDS"
    )
    document = v3()
    document["derived"]["years"] = {"age_of": "date_of_birth", "at": "$opened"}
    document["derived"]["where"] = {"country_named_in": "country_of_exploitation"}
    document["htcds"]["fields"] |= {"hte_Country": "where"}
    definition = parse(document, base=WORKFLOWS)
    assert [(d.name, d.kind) for d in definition.derived][-2:] == [
        ("years", "age"),
        ("where", "country"),
    ]
    document["derived"]["both"] = {"age_of": "date_of_birth", "country_named_in": "narrative"}
    with pytest.raises(InvalidWorkflow):
        parse(document, base=WORKFLOWS)


# -- derived age bands --------------------------------------------------------------------


def facts(engine: Engine, case_id: UUID, actor: Actor = LSA, **data: object) -> None:
    """Record or correct the case's reportable facts."""
    step(engine, case_id, "record_reportable_facts", actor=actor, data=data)


def recorded(engine: Engine, case_id: UUID, name: str) -> dict[str, Any]:
    """The data the case's last event named `name` recorded."""
    events = [e for e in engine.store.events.get(case_id) if getattr(e, "name", None) == name]
    data: dict[str, Any] = events[-1].data
    return data


def test_opening_derives_the_age_bands_and_keeps_the_dates_personal(engine: Engine) -> None:
    case_id = open_case(
        engine, is_child=True, date_of_birth="2009-03-03", exploitation_began_on="2021-06-01"
    ).case_id  # 16 at the opening on 2026-03-02, 12 when the exploitation began
    data = recorded(engine, case_id, "PersonScreened")
    assert (data["age_at_identification"], data["age_at_exploitation"]) == ("15-17", "12-14")
    workflow = engine.workflows.get(UKRAINE)
    assert {"date_of_birth", "exploitation_began_on"} <= set(workflow.personal)
    assert {"age_at_identification", "age_at_exploitation"}.isdisjoint(workflow.personal)


def test_a_date_of_birth_recorded_later_derives_both_bands_from_the_earlier_start(
    engine: Engine, clock: FixedClock
) -> None:
    case_id = open_case(engine, exploitation_began_on="2020-01-10").case_id
    assert "age_at_exploitation" not in recorded(engine, case_id, "PersonScreened")
    clock.advance(days=400)  # the age at identification is still taken on the opening day

    facts(engine, case_id, date_of_birth="2002-03-02")

    data = recorded(engine, case_id, "ReportableFactsRecorded")
    assert (data["age_at_identification"], data["age_at_exploitation"]) == ("18-24", "15-17")


def test_a_start_recorded_later_derives_only_the_age_at_exploitation(engine: Engine) -> None:
    case_id = open_case(engine, date_of_birth="1980-05-05").case_id
    facts(engine, case_id, exploitation_began_on="2024-05-04")
    data = recorded(engine, case_id, "ReportableFactsRecorded")
    assert data == {
        "exploitation_began_on": "2024-05-04",
        "age_at_exploitation": "35-44",
    }


def test_a_birth_after_the_exploitation_began_is_refused_naming_the_field(engine: Engine) -> None:
    case_id = open_case(engine, is_child=True, date_of_birth="2015-01-01").case_id
    with pytest.raises(InvalidData) as refused:
        facts(engine, case_id, exploitation_began_on="2014-12-31")
    (problem,) = refused.value.problems
    assert problem.path == "data.exploitation_began_on" and problem.code == "born_after"
    with pytest.raises(InvalidData) as refused:
        open_case(engine, date_of_birth=(OPENED_ON + timedelta(days=1)).isoformat())
    assert [p.path for p in refused.value.problems] == ["data.date_of_birth"]


def test_a_derived_fact_cannot_be_given_by_the_user(engine: Engine) -> None:
    with pytest.raises(InvalidData) as refused:
        open_case(engine, age_at_identification="25-34")
    assert [p.code for p in refused.value.problems] == ["unknown_field"]


# -- read models see vocabulary values only -------------------------------------------------------


def decoded(engine: Engine) -> list[Event]:
    store = engine.store
    assert isinstance(store, CaseStore)
    decoder = Decoder(engine.workflows, store.mapper.transcoder)
    return [e for e in map(decoder, stored_rows(engine)) if e is not None]


def test_version_1_events_are_reported_in_the_vocabulary(engine: Engine) -> None:
    v1 = engine_on_version(engine, UKRAINE, 1)
    opening = v1.workflows.get(UKRAINE).opening
    data = data_for(opening, is_child=True, screening_actor="hotline")
    data |= {"exploitation_types": ["forced_marriage", "sexual", "child_exploitation"]}
    v1.open_case(UKRAINE, REGION, data, actor=SCREENER)

    (opened,) = [e for e in decoded(engine) if e.opened]

    assert opened.workflow_version == 1
    assert opened.report["exploitation_forms"] == ["other", "sexual"]  # mapped, without repeats
    assert opened.report["child"] is True
    assert opened.report["screening_actor"] == "hotline"
    assert opened.report["indicators"] == data["indicators"]


def test_version_3_events_carry_the_facts_and_the_bands_never_the_dates(engine: Engine) -> None:
    case_id = open_case(
        engine,
        sex="female",
        citizenship="MD",
        exploitation_forms=["labour", "begging"],
        date_of_birth="1999-01-01",
        exploitation_began_on="2025-01-01",
    ).case_id
    facts(engine, case_id, citizenship="stateless")

    events = [e for e in decoded(engine) if e.case_id == case_id]

    assert events[0].report == {
        "screening_actor": events[0].report["screening_actor"],
        "indicators": events[0].report["indicators"],
        "child": False,
        "exploitation_forms": ["labour", "begging"],
        "sex": "female",
        "citizenship": "MD",
        "age_at_identification": "25-34",
        "age_at_exploitation": "25-34",
    }
    assert events[1].report == {"citizenship": "stateless"}
    assert "1999-01-01" not in repr(events) and "2025-01-01" not in repr(events)


# -- migration to the versions recording the facts -------------------------------------------------


def test_open_ukraine_cases_migrate_from_2_to_3_and_then_record_their_facts(
    engine: Engine,
) -> None:
    v2 = engine_on_version(engine, UKRAINE, 2)
    case_id = case_in(v2, "identified", is_child=True, date_of_birth="2010-07-01")

    report = engine.migrate_cases(UKRAINE, 2, 3, actor=ADMIN)

    assert case_id in report.moved and report.refused == ()
    assert engine.case(case_id).workflow_version == 3
    facts(engine, case_id, sex="male", citizenship="UA")
    facts(engine, case_id, exploitation_began_on="2024-08-01")
    data = recorded(engine, case_id, "ReportableFactsRecorded")
    assert data["age_at_exploitation"] == "12-14"  # from the date of birth version 2 recorded


def test_open_uk_cases_migrate_from_1_to_2(engine: Engine) -> None:
    v1 = engine_on_version(engine, "uk-nrm", 1)
    data = data_for(v1.workflows.get("uk-nrm").opening, is_child=False)
    case_id = v1.open_case("uk-nrm", "GB-ENG", data, actor=FR).case_id

    report = engine.migrate_cases("uk-nrm", 1, 2, actor=ADMIN)

    assert case_id in report.moved and report.refused == ()
    version = engine.case(case_id).version
    facts = {"sex": "other_unknown", "citizenship": "AL", "date_of_birth": "2001-09-09"}
    engine.take_step(case_id, "record_reportable_facts", facts, actor=FR, expected_version=version)
    assert recorded(engine, case_id, "ReportableFactsRecorded")["age_at_identification"] == "18-24"
