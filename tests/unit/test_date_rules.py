"""Dates that make sense (issue #19, item 4): a date field's `not_after` and `not_before` (the
day of the step, the day the case was opened, another date field's value) and a date of birth
that agrees with the child flag on the day the case was opened, judged on the workflow's local
day; `workflows validate` refuses a rule it cannot apply, naming where."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from referral_engine.application.engine import Engine
from referral_engine.bootstrap import build_in_memory
from referral_engine.domain.calendar import WorkCalendar
from referral_engine.domain.date_rules import DateFacts, birth_window, problems
from referral_engine.domain.errors import FieldProblem, InvalidData, InvalidWorkflow
from referral_engine.domain.fields import FieldSpec, check_data
from referral_engine.domain.markers import ERASED
from referral_engine.workflows.loader import parse
from tests.e2e.test_cli import cli
from tests.factories import (
    DECIDER,
    LSA,
    SCREENER,
    FixedClock,
    case_in,
    data_for,
    dated,
    open_case,
    referral_step,
    send_referral,
    step,
    ukraine,
)
from tests.factories import WORKFLOWS as FOLDER

DAY = date(2026, 3, 2)
FACTS = DateFacts(today=DAY, opened=DAY - timedelta(days=10), recorded={"signed_on": "2026-02-25"})
SIGNED = FieldSpec("signed_on", "date", not_after=("today",), not_before=("opened",))
WITHDRAWN = FieldSpec("withdrawn_on", "date", not_before=("signed_on",))
BORN = FieldSpec("date_of_birth", "date", pii=True, not_after=("today",), child_flag="is_child")


def refused(fields: list[FieldSpec], data: dict[str, Any], facts: DateFacts) -> list[FieldProblem]:
    return problems(fields, data, facts)


def test_a_date_after_the_day_of_the_step_is_in_the_future() -> None:
    (problem,) = refused([SIGNED], {"signed_on": "2026-03-03"}, FACTS)
    assert (problem.path, problem.code) == ("data.signed_on", "date_in_future")
    assert problem.params == {"rule": "not_after", "against": "today", "on": "2026-03-02"}
    assert refused([SIGNED], {"signed_on": "2026-03-02"}, FACTS) == []


def test_a_date_before_the_case_was_opened_is_refused_naming_that_day() -> None:
    (problem,) = refused([SIGNED], {"signed_on": "2026-02-19"}, FACTS)
    assert problem.code == "date_before_opened"
    assert problem.params == {"rule": "not_before", "against": "opened", "on": "2026-02-20"}
    assert "2026-02-20, the day the case was opened" in problem.message
    assert refused([SIGNED], {"signed_on": "2026-02-20"}, FACTS) == []


def test_another_field_bounds_from_this_steps_data_first_then_from_the_case() -> None:
    (problem,) = refused([WITHDRAWN], {"withdrawn_on": "2026-02-24"}, FACTS)  # the case's
    assert problem.code == "date_before_field"
    assert problem.params == {"rule": "not_before", "against": "signed_on", "on": "2026-02-25"}
    both = [WITHDRAWN, FieldSpec("signed_on", "date")]
    assert refused(both, {"withdrawn_on": "2026-02-24", "signed_on": "2026-02-20"}, FACTS) == []


def test_not_after_the_opening_or_another_field_names_that_bound() -> None:
    began = FieldSpec("began_on", "date", not_after=("opened", "signed_on"))
    found = refused([began], {"began_on": "2026-02-26"}, FACTS)
    assert [(p.code, p.params["against"]) for p in found] == [
        ("date_after_opened", "opened"),
        ("date_after_field", "signed_on"),
    ]


def test_a_field_not_recorded_or_erased_bounds_nothing() -> None:
    for recorded in ({}, {"signed_on": ERASED}, {"signed_on": "not a date"}):
        facts = DateFacts(DAY, DAY, recorded)
        assert refused([WITHDRAWN], {"withdrawn_on": "2000-01-01"}, facts) == []


def test_a_field_naming_itself_is_bounded_by_the_value_it_replaces() -> None:
    extended = FieldSpec("valid_until", "date", not_before=("today", "valid_until"))
    facts = DateFacts(DAY, DAY, {"valid_until": "2027-01-01"})
    (problem,) = refused([extended], {"valid_until": "2026-12-31"}, facts)
    assert problem.params["against"] == "valid_until" and problem.code == "date_before_field"
    assert refused([extended], {"valid_until": "2027-01-01"}, facts) == []


def test_a_personal_fields_value_is_never_repeated_in_a_refusal() -> None:
    facts = DateFacts(DAY, DAY, {"date_of_birth": "1990-05-17"}, frozenset({"date_of_birth"}))
    began = FieldSpec("exploitation_began_on", "date", not_before=("date_of_birth",))
    (problem,) = refused([began], {"exploitation_began_on": "1990-01-01"}, facts)
    assert problem.params == {"rule": "not_before", "against": "date_of_birth"}
    assert "1990-05-17" not in problem.message


@pytest.mark.parametrize(
    ("born", "child", "code"),
    [
        ("2008-03-03", True, None),  # 17 on the day of screening
        ("2008-03-02", True, "birth_date_child"),  # 18 that very day
        ("2008-03-02", False, None),
        ("2008-03-03", False, "birth_date_adult"),
        ("1990-01-01", True, "birth_date_child"),
    ],
)
def test_a_date_of_birth_agrees_with_the_child_flag_on_the_day_of_screening(
    born: str, child: bool, code: str | None
) -> None:
    facts = DateFacts(DAY + timedelta(days=400), DAY)  # judged at the opening, not today
    found = refused([BORN], {"date_of_birth": born, "is_child": child}, facts)
    assert [p.code for p in found] == ([code] if code else [])
    if code:
        assert found[0].params["flag"] == "is_child" and found[0].params["on"] == "2026-03-02"


def test_the_child_flag_is_read_from_the_case_when_the_step_does_not_record_it() -> None:
    facts = DateFacts(DAY, DAY, {"is_child": True})
    (problem,) = refused([BORN], {"date_of_birth": "1990-01-01"}, facts)
    assert problem.code == "birth_date_child"
    assert refused([BORN], {"date_of_birth": "1990-01-01"}, DateFacts(DAY, DAY)) == []


def test_someone_born_on_29_february_comes_of_age_on_1_march() -> None:
    opened = date(2026, 2, 28)
    facts = DateFacts(opened, opened)
    assert refused([BORN], {"date_of_birth": "2008-02-29", "is_child": True}, facts) == []
    assert birth_window(False, date(2028, 2, 29)) == (None, date(2010, 2, 28))
    assert birth_window(True, opened) == (date(2008, 2, 29), opened)  # 17 until 1 March


def test_every_birth_in_the_window_keeps_the_rule_and_none_outside() -> None:
    for child in (True, False):
        earliest, latest = birth_window(child, DAY)
        inside = [d for d in (earliest, latest) if d is not None]
        outside = [earliest - timedelta(days=1)] if earliest else []
        outside += [latest + timedelta(days=1)] if latest and not child else []
        facts = DateFacts(DAY, DAY, {"is_child": child})
        for day in inside:
            assert refused([BORN], {"date_of_birth": day.isoformat()}, facts) == []
        for day in outside:
            assert refused([BORN], {"date_of_birth": day.isoformat()}, facts) != []


def test_date_problems_come_with_the_steps_other_problems() -> None:
    fields = [SIGNED, FieldSpec("given_by", "enum", required=True, values=("person",))]
    with pytest.raises(InvalidData) as error:
        check_data(fields, {"signed_on": "2099-01-01"}, judge=lambda d: problems(fields, d, FACTS))
    assert [(p.path, p.code) for p in error.value.problems] == [
        ("data.given_by", "required"),
        ("data.signed_on", "date_in_future"),
    ]


def test_the_workflows_day_is_its_own_time_zones() -> None:
    kyiv = WorkCalendar(time_zone=ZoneInfo("Europe/Kyiv"))
    london = WorkCalendar(time_zone=ZoneInfo("Europe/London"))
    late = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    assert (WorkCalendar().day(late), kyiv.day(late)) == (date(2026, 3, 1), date(2026, 3, 2))
    summer = datetime(2026, 7, 1, 23, 30, tzinfo=UTC)  # British Summer Time
    assert london.day(summer) == date(2026, 7, 2)


# -- the engine judges them --------------------------------------------------------------------


def consent(engine: Engine, case_id: Any, signed_on: str, **kwargs: Any) -> Any:
    version = engine.case(case_id).version
    data = data_for(ukraine().guard.step("screened", "record_consent"), signed_on=signed_on)
    return engine.take_step(
        case_id, "record_consent", data, actor=LSA, expected_version=version, **kwargs
    )


def test_a_date_entered_at_1_am_in_kyiv_is_not_in_the_future() -> None:
    engine = build_in_memory(clock=FixedClock(datetime(2026, 3, 1, 23, 0, tzinfo=UTC)))
    case_id = open_case(engine).case_id
    assert consent(engine, case_id, "2026-03-02").version == 2
    with pytest.raises(InvalidData) as error:
        consent(engine, case_id, "2026-03-03")
    assert [p.code for p in error.value.problems] == ["date_in_future"]


def test_a_backdated_step_judges_today_on_its_stated_day(engine: Engine, clock: FixedClock) -> None:
    began = clock.now - timedelta(days=5)
    case_id = engine.open_case(
        "ukraine-nrm", "UA-32", data_for(ukraine().opening, is_child=False), actor=SCREENER,
        occurred_at=began,
    ).case_id  # fmt: skip
    stated = clock.now - timedelta(days=3)
    with pytest.raises(InvalidData) as error:  # signed after the day the step is stated on
        consent(
            engine, case_id, (stated + timedelta(days=1)).date().isoformat(), occurred_at=stated
        )
    assert error.value.problems[0].params["on"] == stated.date().isoformat()
    with pytest.raises(InvalidData) as error:  # before the stated opening
        consent(engine, case_id, (began - timedelta(days=1)).date().isoformat(), occurred_at=stated)
    assert error.value.problems[0].code == "date_before_opened"
    assert consent(engine, case_id, began.date().isoformat(), occurred_at=stated).version == 2


def test_a_certificate_granted_on_a_stated_day_may_run_from_that_day(
    engine: Engine, clock: FixedClock
) -> None:
    case_id = case_in(engine, "identified")
    clock.advance(days=10)
    stated = clock.now - timedelta(days=6)
    grant = ukraine().guard.step("identified", "grant_status")
    assert grant is not None
    data = data_for(grant, facts=dated(engine, case_id, stated))
    data["valid_until"] = (stated + timedelta(days=2)).date().isoformat()  # before today
    version = engine.case(case_id).version
    result = engine.take_step(
        case_id, "grant_status", data, actor=DECIDER, expected_version=version, occurred_at=stated
    )
    assert result.state == "status_granted"
    step(engine, case_id, "request_extension")  # from version 6 the LSA asks first
    with pytest.raises(InvalidData) as error:  # an extension may not end before it
        step(engine, case_id, "extend_status", data={"valid_until": data["valid_until"]})
    assert {p.code for p in error.value.problems} >= {"date_in_past"}


def test_a_referral_step_is_judged_on_the_case_it_belongs_to(engine: Engine) -> None:
    case_id = case_in(engine, "application_registered")
    send_referral(engine, case_id)
    referral_step(engine, case_id, "r1", "accept")
    with pytest.raises(InvalidData) as error:
        referral_step(engine, case_id, "r1", "deliver_assistance", delivered_on="2026-03-01")
    ((path, code),) = [(p.path, p.code) for p in error.value.problems]
    assert (path, code) == ("data.delivered_on", "date_before_opened")


def test_a_child_opened_with_an_adults_birth_date_is_refused(engine: Engine) -> None:
    with pytest.raises(InvalidData) as error:
        open_case(engine, is_child=True, date_of_birth="1990-01-01")
    assert [p.code for p in error.value.problems] == ["birth_date_child"]
    assert open_case(engine, is_child=True, date_of_birth="2015-01-01").version == 1


# -- workflows validate --------------------------------------------------------------------------


def shipped() -> dict[str, Any]:
    text = (FOLDER / "ukraine-nrm.yaml").read_text(encoding="utf-8")
    document: dict[str, Any] = yaml.safe_load(text)
    return document


def consent_field(document: dict[str, Any], **rule: Any) -> None:
    document["transitions"][0]["fields"]["signed_on"].update(rule)


def refusal(document: dict[str, Any]) -> list[str]:
    with pytest.raises(InvalidWorkflow) as error:
        parse(document, "dates.yaml")
    return list(error.value.problems)


SIGNED_PATH = "transitions[0].fields.signed_on"


@pytest.mark.parametrize(
    ("rule", "said"),
    [
        ({"not_before": "signed_onn"}, "not_before: 'signed_onn' is neither today, opened nor a"),
        ({"not_after": "tomorrow"}, "not_after: 'tomorrow' is neither today, opened nor a field"),
        ({"not_before": "given_by"}, "not_before: 'given_by' is not a date field"),
        ({"not_before": "delivered_on"}, "not_before: 'delivered_on' is neither today, opened"),
        ({"not_after": ["today", "today"]}, "not_after: 'today' is named more than once"),
        ({"not_after": 5}, "not_after: give today, opened or a date field's name, or a list"),
        ({"not_before": ["opened", 3]}, "not_before: give today, opened or a date field's name"),
        ({"child_flag": "is_child"}, "child_flag: only a date field takes child_flag"),
    ],
)
def test_a_rule_that_cannot_apply_is_refused_naming_where(rule: dict[str, Any], said: str) -> None:
    document = shipped()
    if "child_flag" in rule:
        document["transitions"][0]["fields"]["given_by"].update(rule)
        path = "transitions[0].fields.given_by"
    else:
        consent_field(document, **rule)
        path = SIGNED_PATH
    assert any(p.startswith(f"{path}.{said}") for p in refusal(document)), refusal(document)


def test_a_child_flag_must_name_a_yes_no_field_of_the_case() -> None:
    document = shipped()
    document["opening"]["fields"]["date_of_birth"]["child_flag"] = "screening_actor"
    assert (
        "opening.fields.date_of_birth.child_flag: 'screening_actor' is not a yes/no (bool) field"
        in refusal(document)
    )
    document["opening"]["fields"]["date_of_birth"]["child_flag"] = "is_kid"
    assert any(
        p.startswith("opening.fields.date_of_birth.child_flag: unknown field 'is_kid'")
        for p in refusal(document)
    )


def test_an_unknown_time_zone_is_refused() -> None:
    document = shipped()
    document["calendar"]["time_zone"] = "Europe/Kiyv"
    assert refusal(document) == [
        "calendar.time_zone: unknown time zone 'Europe/Kiyv'; give an IANA name such as Europe/Kyiv"
    ]


def test_workflows_validate_names_the_line_of_a_bad_rule(tmp_path: Path) -> None:
    path = tmp_path / "ukraine-nrm.yaml"
    text = (FOLDER / "ukraine-nrm.yaml").read_text(encoding="utf-8")
    path.write_text(
        text.replace("not_before: [opened, signed_on]", "not_before: [opened, signd_on]")
    )
    result = cli("workflows", "validate", str(path))
    assert result.returncode == 1, result.stdout
    assert (
        "withdrawn_on.not_before: 'signd_on' is neither today, opened nor a field" in result.stderr
    )
