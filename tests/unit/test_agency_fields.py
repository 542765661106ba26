"""Fields naming a registered agency (issue #17, items 2 and 4), on the in-memory engine with
the synthetic registry: a referral names an agency offering the service in the case's region,
with its agreement with the region's state body; the police unit asked, and only it, answers."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import pytest

from referral_engine.application.agencies import Agencies
from referral_engine.application.engine import Engine
from referral_engine.bootstrap import build_in_memory
from referral_engine.domain.agency_errors import (
    REGION_STATE_BODY,
    AgencyUnsuitable,
    AgreementMissing,
    NotAddressedAgency,
)
from referral_engine.domain.commands import Actor
from referral_engine.domain.errors import InvalidData, RoleNotAllowed
from referral_engine.domain.fields import FieldSpec, check_data
from referral_engine.entrypoints.web import explain
from referral_engine.entrypoints.web.i18n import translator
from referral_engine.entrypoints.web.workflow_text import WorkflowText
from referral_engine.workflows.checks import semantic_problems
from referral_engine.workflows.loader import resolved_document
from referral_engine.workflows.model import WorkflowModel
from tests.factories import (
    LSA,
    POLICE,
    REGION,
    UKRAINE,
    WORKFLOWS,
    case_in,
    engine_on_version,
    send_referral,
    step,
    ukraine,
)

ADMIN = Actor("ops", "admin", "msp")
LVIV = "UA-46"


def registry(engine: Engine) -> Agencies:
    found = engine.agencies
    assert isinstance(found, Agencies)
    return found


def refused_referral(engine: Engine, case_id: UUID, agency: str, service: str) -> Any:
    with pytest.raises((AgencyUnsuitable, AgreementMissing)) as refused:
        send_referral(engine, case_id, agency, service)
    return refused.value


def test_an_agency_field_takes_an_id_and_names_a_bad_character() -> None:
    spec = FieldSpec("agency", "agency", required=True)
    assert check_data([spec], {"agency": "shelter-kyiv"}) == {"agency": "shelter-kyiv"}
    for value, code in (("Shelter of Kyiv", "agency_id"), ("shelter\x00kyiv", "control_character")):
        with pytest.raises(InvalidData) as refused:
            check_data([spec], {"agency": value})
        assert refused.value.problems[0].code == code


def test_a_referral_to_an_unknown_agency_names_those_that_fit_the_typo_first(
    engine: Engine,
) -> None:
    case_id = case_in(engine, "application_registered")
    version = engine.case(case_id).version

    refused = refused_referral(engine, case_id, "shelter-kyv", "shelter")

    assert isinstance(refused, AgencyUnsuitable) and refused.code == "unknown"
    assert refused.close[0] == "shelter-kyiv"
    # those offering a shelter in Kyiv Oblast, the one close to what was typed first
    assert refused.candidates == ("shelter-kyiv", "ngo-synthetic")
    assert refused.names["shelter-kyiv"]["uk"] == "Київський притулок (синтетичний)"
    assert engine.case(case_id).version == version


@pytest.mark.parametrize(
    ("agency", "service", "code", "region"),
    [
        ("clinic-kyiv", "shelter", "service", REGION),  # registered, not offering it
        ("legal-aid-lviv", "legal_aid", "region", REGION),  # offering it, not in Kyiv Oblast
        ("police-kyivska", "shelter", "kind", REGION),  # no receiving agency
        ("clinic-odesa", "medical", "region", LVIV),
    ],
)
def test_a_referral_to_an_agency_that_does_not_fit_says_why(
    engine: Engine, agency: str, service: str, code: str, region: str
) -> None:
    case_id = case_in(engine, "application_registered", region=region)

    refused = refused_referral(engine, case_id, agency, service)

    assert isinstance(refused, AgencyUnsuitable) and refused.code == code
    assert agency not in refused.candidates and refused.candidates


def test_a_referral_needs_an_agreement_in_force_with_the_regions_state_body(
    engine: Engine, clock: Any
) -> None:
    agencies = registry(engine)
    names = {"en": "New Shelter (synthetic)", "uk": "Новий притулок (синтетичний)"}
    agencies.register("shelter-new", names, "ngo", ["shelter"], [REGION], actor=ADMIN)
    case_id = case_in(engine, "application_registered")

    missing = refused_referral(engine, case_id, "shelter-new", "shelter")

    assert isinstance(missing, AgreementMissing)
    assert (missing.agency, missing.service, missing.on) == (
        "shelter-new",
        "shelter",
        date(2026, 3, 2),
    )
    assert set(missing.parties) == {"lsa-kyivska", "msp"}  # the state bodies of Kyiv Oblast
    assert "between 'shelter-new' and a state body serving region UA-32" in str(missing)
    # recorded on the state body's side, covering the service, in force today: it counts
    agreement = {
        **{"id": "a-1", "with_agency": "shelter-new", "services": ["shelter"]},
        **{"signed_on": "2026-01-01", "valid_until": "2026-03-01", "reference": "No. 1"},
    }
    agencies.record_agreement("lsa-kyivska", agreement, actor=ADMIN)
    assert isinstance(refused_referral(engine, case_id, "shelter-new", "shelter"), AgreementMissing)
    agencies.record_agreement(
        "lsa-kyivska", {**agreement, "id": "a-2", "valid_until": None}, actor=ADMIN
    )
    assert send_referral(engine, case_id, "shelter-new", "shelter").event == "ReferralSent"
    # a state body of the region needs no agreement with itself
    assert send_referral(engine, case_id, "lsa-kyivska", "one_time_payment").event == "ReferralSent"


def test_the_police_unit_asked_and_only_it_records_the_answer(engine: Engine) -> None:
    case_id = case_in(engine, "awaiting_verification")  # asked of police-kyivska
    other_unit = Actor("olha.police", "police", "police-lvivska")
    offered = {
        who.agency: [s.trigger for s in engine.case(case_id, reader=who).allowed_steps]
        for who in (POLICE, other_unit, LSA)
    }
    with pytest.raises(RoleNotAllowed):
        step(engine, case_id, "record_verification", actor=LSA)
    with pytest.raises(NotAddressedAgency) as refused:
        step(engine, case_id, "record_verification", actor=other_unit)
    answered = step(engine, case_id, "record_verification", actor=POLICE)

    assert "record_verification" in offered["police-kyivska"]
    assert "record_verification" not in offered["police-lvivska"] + offered["lsa-kyivska"]
    assert (refused.value.addressed, refused.value.by_trigger) == (
        "police-kyivska",
        "request_verification",
    )
    assert answered.state == "verified"
    request, answer = engine.history(case_id)[-2:]
    # each event names its sender (the actor's agency) and its addressee
    assert (request.actor["agency"], request.addressee) == ("lsa-kyivska", "police-kyivska")
    assert (answer.actor["agency"], answer.addressee) == ("police-kyivska", "lsa-kyivska")


def test_the_unit_asked_must_be_a_police_unit_of_the_cases_region(engine: Engine) -> None:
    case_id = case_in(engine, "interviewed", region=LVIV)
    for unit, code in (("police-kyivska", "region"), ("shelter-kyiv", "kind"), ("nope", "unknown")):
        with pytest.raises(AgencyUnsuitable) as refused:
            step(engine, case_id, "request_verification", data={"police_unit": unit})
        assert (refused.value.code, refused.value.candidates) == (code, ("police-lvivska",))
    step(engine, case_id, "request_verification", data={"police_unit": "police-lvivska"})
    running = engine.store.repository.get(case_id).open_deadlines()
    (deadline,) = [d for d in running if d.name != "status_procedure"]  # beside the legal month
    assert (deadline.name, deadline.agency) == ("police_verification", "police-lvivska")


def test_a_step_naming_no_agency_never_opens_the_registry() -> None:
    engine = build_in_memory()
    case_in(engine, "interviewed")
    assert engine.open_agencies.opened is None  # type: ignore[attr-defined]


def test_a_case_migrated_from_version_4_is_answered_by_the_unit_it_named(engine: Engine) -> None:
    v4 = engine_on_version(engine, UKRAINE, 4)
    case_id = case_in(v4, "interviewed")
    step(v4, case_id, "request_verification", data={"police_unit": "police-kyivska"})  # as text
    # version 4 lets the LSA answer for the police
    assert "record_verification" in {s.trigger for s in v4.case(case_id, reader=LSA).allowed_steps}

    report = engine.migrate_cases(UKRAINE, 4, 5, actor=ADMIN)

    assert report.moved == (case_id,)
    assert "record_verification" not in {
        s.trigger for s in engine.case(case_id, reader=LSA).allowed_steps
    }
    assert step(engine, case_id, "record_verification", actor=POLICE).state == "verified"


def test_agency_errors_are_worded_with_names_in_the_pages_language(engine: Engine) -> None:
    case_id = case_in(engine, "application_registered")
    unknown = refused_referral(engine, case_id, "shelter-kyv", "shelter")
    text = WorkflowText(ukraine(), "uk")
    uk = explain.error(unknown, translator("uk"), text)
    en = explain.error(unknown, translator("en"), WorkflowText(ukraine(), "en"))
    assert uk.startswith("“shelter-kyv” немає в реєстрі організацій. Підходять: Київський притулок")
    assert en.startswith(
        "“shelter-kyv” is not in the agency registry. Agencies that fit: Kyiv Shelter"
    )
    clinic = {"clinic-kyiv": {"en": "Clinic", "uk": "Клініка"}}
    on, parties = date(2026, 3, 2), ["lsa-kyivska"]
    missing = AgreementMissing(
        "clinic-kyiv", "shelter", on, REGION_STATE_BODY, parties, REGION, clinic
    )
    names = {"lsa-kyivska": "Департамент (синт.)"}
    said = explain.error(missing, translator("uk"), text, names.get)  # type: ignore[arg-type]
    assert said.startswith("«Клініка» не має чинної на 2026-03-02 угоди про співпрацю з органом")
    assert "«Київська область» («Департамент (синт.)»)" in said and "«притулок»" in said
    assert "lsa-kyivska" not in said and "clinic-kyiv" not in said


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda d: d["transitions"][0]["fields"]["given_by"].update(kinds=["ngo"]),
         "given_by.kinds: only agency fields take kinds"),
        (lambda d: _field(d, "police_unit").update(kinds=["police"]),
         "unknown kind of agency 'police'"),
        (lambda d: _field(d, "police_unit").update(pii=True),
         "an agency's id is not personal data"),
        (lambda d: d["referrals"]["send"]["fields"]["agency"].update(provides="servise"),
         "the step has no enum or string field 'servise'"),
        (lambda d: d["referrals"]["send"]["fields"]["agency"].update(type="string", provides=None),
         "referrals.agreement: the receiving agency's field 'agency' must be of type agency"),
        (lambda d: _step(d, "record_verification").update(named_agency_only="identify_victim"),
         "'identify_victim' is no case step with `names_agency`"),
    ],
)  # fmt: skip
def test_the_loader_refuses_agency_declarations_that_cannot_work(change: Any, problem: str) -> None:
    document = resolved_document(WORKFLOWS, UKRAINE, 5)
    change(document)
    problems = semantic_problems(WorkflowModel.model_validate(document))
    assert any(problem in p for p in problems), problems


def _step(document: dict[str, Any], trigger: str) -> dict[str, Any]:
    found: dict[str, Any] = next(t for t in document["transitions"] if t["trigger"] == trigger)
    return found


def _field(document: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = _step(document, "request_verification")["fields"][name]
    return found
