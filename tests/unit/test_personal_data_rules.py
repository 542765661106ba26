"""Who reads which personal field, and what erasure does to a case (in-memory engine)."""

from __future__ import annotations

from pathlib import Path
from uuid import uuid4

import pytest

from referral_engine.adapters.crypto import MasterKey, MasterKeyError, Sealer
from referral_engine.application.engine import Engine
from referral_engine.domain.commands import Actor
from referral_engine.domain.errors import InvalidData, PersonalDataErased
from referral_engine.domain.personal import ERASED, NOT_PERMITTED, Disclosure
from referral_engine.workflows.loader import WorkflowRegistry
from tests.factories import LSA, WORKFLOWS, case_in, open_case, step, ukraine

OPERATOR = Actor("operator", "admin", "it")


def test_each_personal_field_has_its_readers_and_others_have_none() -> None:
    personal = ukraine().personal
    assert {"person_name", "narrative", "interview_notes", "referral_notes"} <= set(personal)
    assert "is_child" not in personal and "indicators" not in personal
    assert "service_provider" in personal["person_name"]
    assert "service_provider" not in personal["narrative"]
    assert "nrm_actor" not in personal["interview_notes"]
    assert all("analyst" not in r and "admin" not in r for r in personal.values())


@pytest.mark.parametrize("workflow", ["ukraine-nrm@1", "ukraine-nrm@2", "uk-nrm@1"])
def test_document_numbers_and_free_text_are_personal_and_procedure_facts_are_not(
    workflow: str,
) -> None:
    name, version = workflow.split("@")
    w = WorkflowRegistry.from_directory(WORKFLOWS).get(name, int(version))
    fields = [*w.opening.fields, *(f for t in w.all_transitions() for f in t.fields)]
    personal = set(w.personal)
    assert {f.name for f in fields if f.type == "text"} <= personal
    references = {"application_number", "certificate_number", "police_reference"}
    references |= {"judgment_reference", "referral_reference"}
    assert references & {f.name for f in fields} <= personal
    procedure = {f.name for f in fields if f.type in ("enum", "enum_list", "bool", "date", "int")}
    assert not procedure & personal - {"date_of_birth"}
    assert not set(w.report_fields.values()) & personal  # read models keep what they count
    assert w.referrals is not None and w.referrals.agency_field not in personal


def test_case_file_narratives_are_not_for_service_providers_but_decisions_are() -> None:
    personal = ukraine().personal
    for narrative in ("justification", "missing", "reopen_reason", "extension_grounds"):
        assert "service_provider" not in personal[narrative]
        assert "lsa_official" in personal[narrative] and "supervisor" in personal[narrative]
    assert "nrm_actor" not in personal["waiver_details"]  # like the interview notes
    # legal aid may file an appeal: it reads the refusal's reasoning and the judgment
    for decided in ("refusal_details", "judgment_reference", "certificate_number"):
        assert "service_provider" in personal[decided]


def test_a_disclosure_marks_what_a_role_may_not_read_and_remembers_what_it_showed(
    engine: Engine,
) -> None:
    view = engine.case(open_case(engine, person_name="Synthetic A", narrative="N").case_id)
    shelter = Disclosure(ukraine().personal, "service_provider")
    shown = shelter.case(view).data
    assert shown["person_name"] == "Synthetic A" and shown["narrative"] == NOT_PERMITTED
    assert shown["is_child"] == view.data["is_child"]
    assert shelter.disclosed == {"person_name"}
    nobody = Disclosure(ukraine().personal, None)
    assert nobody.case(view).data["person_name"] == NOT_PERMITTED and not nobody.disclosed


def test_erasure_blanks_personal_data_now_and_in_the_past_and_refuses_new(
    engine: Engine,
) -> None:
    case_id = case_in(engine, "application_registered")
    before = engine.case(case_id)
    result = engine.erase_personal_data(case_id, "Art. 17 request 1", actor=OPERATOR)
    assert (result.event, result.version, result.replayed) == (
        "PersonalDataErased",
        before.version + 1,
        False,
    )
    after = engine.case(case_id)
    assert after.state == before.state and after.data["person_name"] == ERASED
    assert engine.case_at_version(case_id, 1).data["person_name"] == ERASED  # key destroyed
    assert all(e.data.get("person_name", ERASED) == ERASED for e in engine.history(case_id))
    assert engine.erase_personal_data(case_id, "again", actor=OPERATOR).replayed
    with pytest.raises(PersonalDataErased):
        step(
            engine,
            case_id,
            "conduct_interview",
            LSA,
            data={"questionnaire_completed": True, "interview_notes": "Synthetic notes"},
        )
    step(engine, case_id, "conduct_interview", LSA, data={"questionnaire_completed": True})


def test_after_erasure_a_retry_that_carried_personal_data_is_refused_and_others_answered(
    engine: Engine,
) -> None:
    case_id = case_in(engine, "application_registered")
    notes = {"questionnaire_completed": True, "interview_notes": "Synthetic notes"}
    interview = step(engine, case_id, "conduct_interview", LSA, data=notes, idempotency_key="i-1")
    verification = step(engine, case_id, "request_verification", LSA, idempotency_key="v-1")
    engine.erase_personal_data(case_id, "Art. 17 request 2", actor=OPERATOR)
    events = len(engine.history(case_id))

    with pytest.raises(PersonalDataErased, match="retried request") as refused:
        engine.take_step(
            case_id,
            "conduct_interview",
            notes,
            actor=LSA,
            expected_version=interview.version - 1,
            idempotency_key="i-1",
        )
    assert refused.value.fields == ("interview_notes",)
    again = engine.take_step(
        case_id,
        "request_verification",
        engine.history(case_id)[verification.version - 1].data,
        actor=LSA,
        expected_version=verification.version - 1,
        idempotency_key="v-1",
    )  # nothing personal in it: still matched, still its first answer
    assert again.replayed and again.version == verification.version
    assert len(engine.history(case_id)) == events


@pytest.mark.parametrize("reason", ["", "   ", "x" * 501])
def test_an_erasure_needs_a_reason(engine: Engine, reason: str) -> None:
    case_id = open_case(engine).case_id
    with pytest.raises(InvalidData):
        engine.erase_personal_data(case_id, reason, actor=OPERATOR)


def test_the_embedded_master_key_is_made_once_and_readable_only_by_its_owner(
    tmp_path: Path,
) -> None:
    path = tmp_path / "home" / "master.key"
    first = MasterKey.in_file(path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert MasterKey.in_file(path) == first
    assert first.text() not in repr(first)  # printing a key never shows it
    with pytest.raises(MasterKeyError):
        MasterKey.parse("not a key")


def test_a_sealed_value_opens_only_with_its_key_case_and_field() -> None:
    key, other = MasterKey.generate().key, MasterKey.generate().key
    case_id, elsewhere = uuid4(), uuid4()
    sealed = Sealer.seal(key, case_id, "person_name", "Synthetic Name")
    assert "Synthetic" not in str(sealed)
    assert Sealer.open(key, case_id, "person_name", sealed) == "Synthetic Name"
    assert Sealer.open(None, case_id, "person_name", sealed) == ERASED
    for attempt in (
        (other, case_id, "person_name"),
        (key, elsewhere, "person_name"),
        (key, case_id, "contact"),
    ):
        with pytest.raises(MasterKeyError):
            Sealer.open(*attempt, sealed)
