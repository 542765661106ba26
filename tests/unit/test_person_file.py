"""What the case page's header says, read from the workflow as data: the kind of each state for
the status label (by the reporting milestones entering it, else by the steps that end
something), and the person by the fields the workflow says name them."""

from __future__ import annotations

from dataclasses import replace

from referral_engine.application.engine import Engine
from referral_engine.domain.errors import FieldProblem
from referral_engine.domain.personal import NOT_PERMITTED
from referral_engine.entrypoints.web.field_errors import sentence
from referral_engine.entrypoints.web.i18n import translator
from referral_engine.entrypoints.web.person_file import person_of, state_kinds
from referral_engine.workflows.loader import WorkflowRegistry
from tests.factories import LSA, WORKFLOWS, case_in, ukraine

REGISTRY = WorkflowRegistry.from_directory(WORKFLOWS)


def test_the_kinds_of_the_ukraine_states() -> None:
    kinds = state_kinds(ukraine())
    assert kinds["screened"] == "open"
    assert kinds["application_registered"] == kinds["identified"] == "progress"
    assert kinds["status_granted"] == "positive"  # StatusGranted marks status_granted
    assert kinds["status_refused"] == kinds["returned_incomplete"] == "negative"
    assert kinds["status_expired"] == kinds["closed"] == "closed"  # status_ended, closed


def test_a_state_entered_by_a_step_that_ends_something_is_negative() -> None:
    kinds = state_kinds(REGISTRY.get("uk-nrm", 1))
    assert kinds["rg_negative"] == "negative"  # no milestone; decide_rg_negative ends
    assert kinds["cg_negative"] == "negative"  # status_refused
    assert kinds["recovery_period"] == "progress"


def test_the_person_is_named_only_as_far_as_the_reader_may_read(engine: Engine) -> None:
    case_id = case_in(engine, "application_registered", person_name="Ivanna Synthetic")
    view = engine.case(case_id, reader=LSA)
    assert person_of(view, ukraine()) == "Ivanna Synthetic"
    hidden = {**view.data, "person_name": dict(NOT_PERMITTED)}
    number = view.data["application_number"]
    assert person_of(replace(view, data=hidden), ukraine()) == number
    nothing = {k: v for k, v in hidden.items() if k != "application_number"}
    assert person_of(replace(view, data=nothing), ukraine()) is None


def test_a_field_problem_names_its_field_in_both_languages() -> None:
    required = FieldProblem("data.signed_on", "is required", "required")
    assert sentence(required, "Date signed", "date", translator("en"), None) == (
        "Enter date signed"
    )
    assert sentence(required, "NRM reference", "text", translator("en"), None) == (
        "Enter NRM reference"
    )
    assert sentence(required, "Outcome", "select", translator("en"), None) == "Select outcome"
    assert sentence(required, "Дата підписання", "date", translator("uk"), None) == (
        "Заповніть поле «Дата підписання»"
    )
    wrong = FieldProblem("data.signed_on", "must be a date (YYYY-MM-DD)", "date")
    assert sentence(wrong, "Date signed", "date", translator("en"), None) == (
        "Date signed must be a date (YYYY-MM-DD)"
    )
    assert sentence(wrong, "Дата підписання", "date", translator("uk"), None) == (
        "Поле «Дата підписання» має бути датою у форматі РРРР-ММ-ДД"
    )
