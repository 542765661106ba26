"""Errors worded for the pages: every field problem the engine can raise and every domain error
a page can meet has Ukrainian words, filled from its facts, with workflow names in the
workflow's words; English stays the engine's own text."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from referral_engine.adapters.security import UserExists
from referral_engine.application.dashboards import DashboardNotFound
from referral_engine.domain import date_rules, errors
from referral_engine.domain.agency_errors import (
    PARTIES,
    REFERRER,
    REGION_STATE_BODY,
    AgencyUnsuitable,
    AgreementMissing,
    NotAddressedAgency,
)
from referral_engine.domain.case_file_errors import (
    CaseFileNotPermitted,
    DocumentDamaged,
    DocumentErased,
    DocumentNotFound,
    DocumentTooLarge,
    DocumentTypeRefused,
)
from referral_engine.domain.date_rules import DateFacts
from referral_engine.domain.errors import FieldProblem, InvalidData
from referral_engine.domain.fields import FieldSpec, check_data
from referral_engine.domain.papers import PaperNotAvailable, PaperNotFound, PaperNotPermitted
from referral_engine.domain.person_links import PersonAlertClosed, PersonAlertNotFound
from referral_engine.domain.person_terms import QueryInvalid
from referral_engine.domain.records import EarliestDate
from referral_engine.domain.transfer_errors import (
    AssigneeUnsuitable,
    AssignmentRefused,
    TransferNotPossible,
)
from referral_engine.domain.windows import TooLate
from referral_engine.entrypoints.web import explain
from referral_engine.entrypoints.web.i18n import Translator, catalogue, translator
from referral_engine.entrypoints.web.workflow_text import WorkflowText
from tests.factories import ukraine

UK, EN = translator("uk"), translator("en")
BAD_VALUES = [
    (FieldSpec("a", "string"), 5),
    (FieldSpec("a", "string"), "  "),
    (FieldSpec("a", "string"), "x" * 501),
    (FieldSpec("a", "date"), datetime(2026, 3, 2, 10)),
    (FieldSpec("a", "date"), "2 March"),
    (FieldSpec("a", "datetime"), "soon"),
    (FieldSpec("a", "datetime"), "2026-03-02T10:00"),
    (FieldSpec("a", "int"), "five"),
    (FieldSpec("a", "int", minimum=1), 0),
    (FieldSpec("a", "int", maximum=9), 10),
    (FieldSpec("a", "bool"), "yes"),
    (FieldSpec("a", "enum", values=("person",)), "nobody"),
    (FieldSpec("a", "enum_list", values=("person",)), []),
    (FieldSpec("a", "enum_list", values=("person",)), ["nobody"]),
    (FieldSpec("a", "enum_list", values=("person",)), ["person", "person"]),
    (FieldSpec("a", "string", required=True), None),
    (FieldSpec("a", "agency"), "Police of Kyiv Oblast"),
]


def problem_of(spec: FieldSpec, value: object) -> FieldProblem:
    with pytest.raises(InvalidData) as refused:
        check_data([spec], {} if value is None else {spec.name: value})
    (problem,) = refused.value.problems
    return problem


@pytest.mark.parametrize(("spec", "value"), BAD_VALUES, ids=lambda v: repr(v)[:30])
def test_every_field_problem_has_ukrainian_words(spec: FieldSpec, value: object) -> None:
    problem = problem_of(spec, value)
    assert f"explain.problem.{problem.code}" in catalogue("uk")
    worded = explain.field_problem(problem, UK)
    assert worded != problem.message and "{" not in worded
    assert explain.field_problem(problem, EN) == problem.message


def test_an_unknown_field_has_ukrainian_words_too() -> None:
    with pytest.raises(InvalidData) as refused:
        check_data([], {"favourite_colour": "blue"})
    (problem,) = refused.value.problems
    assert explain.field_problem(problem, UK) == "це поле не належить до цього кроку"


def test_enum_values_are_named_in_the_workflows_words() -> None:
    spec = FieldSpec("given_by", "enum", values=("person", "legal_representative"))
    worded = explain.field_problem(problem_of(spec, "x"), UK, WorkflowText(ukraine(), "uk"))
    assert worded == "має бути одним із значень: особа, законний представник"


DAY = date(2026, 3, 2)
DATES = DateFacts(DAY, DAY, {"signed_on": "2026-03-01"}, frozenset({"date_of_birth"}))
DATE_CASES = [
    (FieldSpec("withdrawn_on", "date", not_after=("today",)), "2026-03-03"),
    (FieldSpec("withdrawn_on", "date", not_after=("opened",)), "2026-03-03"),
    (FieldSpec("withdrawn_on", "date", not_after=("signed_on",)), "2026-03-02"),
    (FieldSpec("valid_until", "date", not_before=("today",)), "2026-03-01"),
    (FieldSpec("withdrawn_on", "date", not_before=("opened",)), "2026-03-01"),
    (FieldSpec("withdrawn_on", "date", not_before=("signed_on",)), "2026-02-28"),
]


@pytest.mark.parametrize(("spec", "value"), DATE_CASES, ids=lambda v: repr(v)[:40])
def test_every_date_problem_is_worded_in_both_languages_naming_fields_by_their_labels(
    spec: FieldSpec, value: str
) -> None:
    (problem,) = date_rules.problems([spec], {spec.name: value}, DATES)
    text_uk, text_en = WorkflowText(ukraine(), "uk"), WorkflowText(ukraine(), "en")
    for t, text in ((UK, text_uk), (EN, text_en)):
        worded = explain.field_problem(problem, t, text)
        assert f"explain.problem.{problem.code}" in catalogue("uk") and "{" not in worded
        assert "signed_on" not in worded and "2026-03-0" in worded
    if "signed_on" in spec.not_after + spec.not_before:
        assert "«Дата підписання» (2026-03-01)" in explain.field_problem(problem, UK, text_uk)


@pytest.mark.parametrize(("born", "child"), [("1990-01-01", True), ("2015-01-01", False)])
def test_a_birth_date_disagreeing_with_the_child_flag_is_worded_in_both_languages(
    born: str, child: bool
) -> None:
    spec = FieldSpec("date_of_birth", "date", child_flag="is_child")
    (problem,) = date_rules.problems([spec], {"date_of_birth": born, "is_child": child}, DATES)
    uk, en = explain.field_problem(problem, UK), explain.field_problem(problem, EN)
    assert ("дитину" if child else "дорослу") in uk and ("a child" if child else "an adult") in en
    assert "{" not in uk + en and "is_child" not in uk + en


def test_a_personal_fields_value_is_not_shown_on_the_page_either() -> None:
    spec = FieldSpec("began_on", "date", not_before=("date_of_birth",))
    facts = DateFacts(DAY, DAY, {"date_of_birth": "1990-05-17"}, frozenset({"date_of_birth"}))
    (problem,) = date_rules.problems([spec], {"began_on": "1990-01-01"}, facts)
    worded = explain.field_problem(problem, UK, WorkflowText(ukraine(), "uk"))
    assert worded == "не може бути раніше за «Дата народження»"


EXAMPLES: list[errors.DomainError] = [
    errors.DomainError("anything"),
    errors.NotFound("something"),
    errors.CaseNotFound("c1"),
    errors.ReferralNotFound("r1"),
    errors.WorkflowNotFound("atlantis-nrm"),
    DashboardNotFound("nope"),
    errors.IllegalTransition("grant_status", "screened", ["record_consent"]),
    errors.TooEarly("decide", date(2026, 4, 1), "RecoveryStarted", date(2026, 3, 2)),
    TooLate(
        "request", "close", EarliestDate("close", "", "Refused", date(2026, 3, 2), date(2026, 4, 2))
    ),
    errors.MigrationRefused("c1", ["state 'x' has no counterpart"]),
    errors.RoleNotAllowed("grant_status", "police", ["decision_maker"]),
    errors.RegionNotAllowed("UA-46"),
    errors.RegionNotAllowed("UA-46", "see the deadlines of"),
    errors.NotReceivingAgency("accept", "clinic-kyiv", "shelter-kyiv"),
    errors.PreconditionMissing("register_application", ["consent"]),
    errors.ConditionNotMet("refer_child", [{"field": "is_child", "equals": True}]),
    errors.ConditionNotMet(
        "notify", [{"field": "first_responder_type", "one_of": ["police", "local_authority"]}]
    ),
    errors.VersionConflict(2, 3),
    errors.IdempotencyKeyReused("k1"),
    errors.InvalidWorkflow("my-nrm.yaml", ["states: missing"]),
    errors.PersonalDataErased(["person_name"]),
    errors.PersonalDataErased(["person_name"], retry=True),
    InvalidData([FieldProblem("data.a", "is required", "required")]),
    UserExists("olena"),
    errors.ErasureRequestNotFound("r1"),
    errors.ErasureRequestDecided("r1", "approved"),
    errors.ReportNotFound("nope"),
    errors.PublicationNotFound("p1"),
    errors.FiguresNotReproduced("p1", "a" * 64, "b" * 64),
    errors.OwnErasureRequest("r1"),
    errors.OwnStatedDate(4),
    errors.ImportMappingInvalid(["register: required, one line of text"]),
    errors.RowRefused([("Стать", "must be one of: female, male"), (None, "no region")]),
    errors.RegisterUnreadable("the file is empty"),
    *(errors.DateNotConfirmable(4, code) for code in errors.DateNotConfirmable.WHY),
    errors.AgencyNotFound("shelter-lviv"),
    errors.NotificationNotFound(42),
    errors.AgencyExists("shelter-kyiv"),
    errors.AgreementNotFound("shelter-kyiv", "2026-17"),
    *(errors.AgreementConflict("shelter-kyiv", "2026-17", c) for c in errors.AgreementConflict.WHY),
    errors.SubscriptionNotFound("3f0c8e1a-0000-4000-8000-000000000001"),
    errors.DeliveryNotFound("3f0c8e1a-0000-4000-8000-000000000001", "msg_1"),
    *(
        AgencyUnsuitable("agency", "shelter-kyiv", code, service="legal_aid", region="UA-32")
        for code in AgencyUnsuitable.WHY
    ),
    AgreementMissing("shelter-kyiv", "shelter", date(2026, 3, 2), REGION_STATE_BODY, [], "UA-32"),
    AgreementMissing("shelter-kyiv", "shelter", date(2026, 3, 2), REFERRER, ["ngo-x"], "UA-32"),
    NotAddressedAgency("record_verification", "police-lvivska", "police-kyivska", "request"),
    *(QueryInvalid(code) for code in QueryInvalid.WHY),
    *(TransferNotPossible(code) for code in TransferNotPossible.WHY),
    *(AssignmentRefused(code) for code in AssignmentRefused.WHY),
    *(AssigneeUnsuitable("taras.lsa", code) for code in AssigneeUnsuitable.WHY),
    errors.RegionNotAllowed("UA-32", "answer transfers into"),
    errors.RoleNotAllowed("request_transfer", "police", ["lsa_official"]),
    PersonAlertNotFound("3f0c8e1a-0000-4000-8000-000000000001", "3f0c8e1a-0000-4000-8000-2"),
    *(PersonAlertClosed(code) for code in PersonAlertClosed.WHY),
    PaperNotFound("status-certificate"),
    PaperNotAvailable("status-certificate", "not_yet", ["StatusGranted", "StatusExtended"]),
    PaperNotAvailable("status-certificate", "ended", ["StatusExpired"]),
    PaperNotAvailable("status-certificate", "erased"),
    PaperNotPermitted("case-summary", "personal", ["person_name", "application_number"]),
    PaperNotPermitted("case-summary", "referrals"),
    *(CaseFileNotPermitted(code) for code in CaseFileNotPermitted.WHY),
    *(DocumentDamaged(code) for code in DocumentDamaged.WHY),
    DocumentTooLarge(20_000_000, 10 * 1_048_576),
    DocumentTypeRefused(),
    DocumentNotFound("3f0c8e1a-0000-4000-8000-000000000001"),
    DocumentErased("3f0c8e1a-0000-4000-8000-000000000001"),
]


def every_domain_error(cls: type[errors.DomainError]) -> set[type[errors.DomainError]]:
    return {cls}.union(*(every_domain_error(sub) for sub in cls.__subclasses__()))


def test_every_domain_error_has_an_example_below() -> None:
    assert every_domain_error(errors.DomainError) == {type(e) for e in EXAMPLES}


@pytest.mark.parametrize("error", EXAMPLES, ids=lambda e: f"{type(e).__name__}:{e}"[:60])
def test_every_error_a_page_can_meet_has_ukrainian_words(error: errors.DomainError) -> None:
    worded = explain.error(error, UK)
    assert worded != str(error) and "{" not in worded
    assert not any(word in worded for word in ("open cases", "deadlines", "recorded"))


def test_the_transfer_commands_are_named_in_words_not_codes() -> None:
    error = errors.RoleNotAllowed("accept_transfer", "police", ["lsa_official"])
    worded = explain.error(error, UK)
    assert "accept_transfer" not in worded and "Прийняти передавання" in worded
    same = InvalidData([FieldProblem("region", "must be another region", "same_region")])
    assert "інша область" in explain.error(same, UK)


def test_the_region_refused_and_a_retry_after_erasure_have_their_own_words() -> None:
    board = explain.error(errors.RegionNotAllowed("UA-46", "see the deadlines of"), UK)
    assert board == "Ви не можете переглядати строки області «UA-46»"
    retry = explain.error(errors.PersonalDataErased(["person_name"], retry=True), UK)
    assert "повторний запит" in retry


def test_a_condition_not_met_names_the_field_and_value_in_the_workflows_words() -> None:
    error = errors.ConditionNotMet(
        "waive_interview_for_child", [{"field": "is_child", "equals": True}]
    )
    worded = explain.error(error, UK, WorkflowText(ukraine(), "uk"))
    assert worded.startswith("Крок «") and worded.endswith("= Так")
    assert "is_child" not in worded


def test_steps_and_states_in_errors_are_named_in_the_workflows_words() -> None:
    error = errors.IllegalTransition("grant_status", "screened", ["record_consent"])
    worded = explain.error(error, UK, WorkflowText(ukraine(), "uk"))
    assert worded == (
        "Крок «Встановити статус» неможливий у стані «Виявлено за індикаторами, скеровано до "
        "МДА»; зараз можливі: Зафіксувати поінформовану згоду на перенаправлення й обмін даними"
    )


def test_the_personal_fields_an_erasure_refuses_are_named_in_the_workflows_words() -> None:
    """The inbox's rejection form on an erased case: its optional details are personal."""
    for retry in (False, True):
        error = errors.PersonalDataErased(["rejection_details", "police_reference"], retry=retry)
        uk = explain.error(error, UK, WorkflowText(ukraine(), "uk"))
        en = explain.error(error, EN, WorkflowText(ukraine(), "en"))
        assert uk.endswith("Подробиці, Номер документа поліції"), uk
        assert en.endswith("Details, Police reference number"), en
        assert "_" not in uk + en


def test_a_paper_refused_names_its_steps_and_fields_in_the_workflows_words() -> None:
    words = WorkflowText(ukraine(), "uk")
    waiting = PaperNotAvailable("status-certificate", "not_yet", ["StatusGranted"])
    assert "«Встановити статус»" in explain.error(waiting, UK, words)
    hidden = PaperNotPermitted("case-summary", "personal", ["person_name"])
    worded = explain.error(hidden, EN, WorkflowText(ukraine(), "en"))
    assert (
        worded == "You may not print this paper: your role may not read personal data it "
        "prints: Full name."
    )
    assert "person_name" not in explain.error(hidden, UK, words)


def test_a_refused_document_is_explained_in_both_languages_without_bytes() -> None:
    large = DocumentTooLarge(20_000_000, 10 * 1_048_576)
    assert explain.error(large, EN) == "The document is larger than 10 MB, the most accepted."
    assert "10 МБ" in explain.error(large, UK)
    assert "PDF" in explain.error(DocumentDamaged("pdf"), UK)


WHY_GROUPS = {
    "case_file": (CaseFileNotPermitted, DocumentDamaged),
    "move": (TransferNotPossible, AssignmentRefused, AssigneeUnsuitable),
    "agreement": (errors.AgreementConflict,),
    "not_confirmable": (errors.DateNotConfirmable,),
    "alert": (PersonAlertClosed,),
    "query": (QueryInvalid,),
}


@pytest.mark.parametrize("group", sorted(WHY_GROUPS))
def test_every_reason_a_refusal_gives_has_ukrainian_words_in_the_catalogue(group: str) -> None:
    """The `explain.why.*` keys web/explain.py builds from a refusal's code: one missing from a
    catalogue would show the engine's English on a Ukrainian page."""
    ukrainian = catalogue("uk")
    for cls in WHY_GROUPS[group]:
        missing = [c for c in cls.WHY if f"explain.why.{group}.{c}" not in ukrainian]
        assert not missing, (cls.__name__, missing)
    papers = {*PaperNotAvailable.WHY, *PaperNotPermitted.WHY}
    assert {c for c in papers if f"explain.paper.{c}" not in ukrainian} == set()
    agencies = [f"explain.agency.unsuitable.{c}" for c in AgencyUnsuitable.WHY]
    agencies += [f"explain.agency.whom.{p}" for p in PARTIES]
    assert [k for k in agencies if k not in ukrainian or k not in catalogue("en")] == []
    for action in ("open cases in", "see the deadlines of", "answer transfers into"):
        assert "explain.region." + action.replace(" ", "_") in ukrainian


def test_a_language_without_the_words_falls_back_to_english_not_to_ukrainian() -> None:
    """A third language is a catalogue: what it lacks shows in English (the engine's words)."""
    third = Translator("en")
    third.lang = "pl"  # a language whose catalogue has no explain.* words yet
    error = TransferNotPossible("pending")
    assert explain.error(error, third) == explain.error(error, EN)
    assert not any("\u0400" <= ch <= "\u04ff" for ch in explain.error(error, third))


def test_a_withheld_field_and_a_step_the_law_refuses_say_the_rule_in_both_languages() -> None:
    rule = "MSA 2015 s.52(3): no identifying information without consent"
    withheld = FieldProblem("data.person_name", "may not be recorded", "withheld", {"rule": rule})
    english = explain.field_problem(withheld, EN)
    assert english == "may not be recorded on this case yet: not allowed by MSA 2015 s.52(3)"
    said = explain.field_problem(withheld, UK)  # the law cited, not the rule's English words
    assert said.endswith("цього не дозволяє MSA 2015 s.52(3)") and "consent" not in said
    refused = errors.IllegalTransition("grant_status", "screened", [], "NABA 2022 s.61")
    worded = explain.error(refused, UK, WorkflowText(ukraine(), "uk"))
    assert "(NABA 2022 s.61)" in worded and "grant_status" not in worded
