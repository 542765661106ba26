"""Steps stated earlier than they are recorded (paper records entered later): an earliest-date
guard counts from the later of the stated and the recorded time unless a confirming role gives a
reason, deadlines count from the stated time, and the workflow's limit refuses older dates."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from uuid import UUID

import pytest
import yaml

from referral_engine.application.engine import Engine
from referral_engine.bootstrap import build_in_memory
from referral_engine.config import Settings
from referral_engine.domain.case import Case
from referral_engine.domain.commands import Actor
from referral_engine.domain.errors import (
    DateNotConfirmable,
    InvalidData,
    OwnStatedDate,
    RoleNotAllowed,
    TooEarly,
)
from referral_engine.domain.views import StepResult
from referral_engine.workflows.loader import WorkflowRegistry
from tests.factories import WORKFLOWS, FixedClock, data_for, with_papers, with_synthetic_agencies
from tests.unit.test_uk_nrm import CA, FR, SUPERVISOR, UK, take


def found_on_paper(engine: Engine, clock: FixedClock, days_ago: int) -> UUID:
    """An adult's case whose opening and consent are stated `days_ago` days before now."""
    at = clock.now - timedelta(days=days_ago)
    data = data_for(engine.workflows.get(UK.id).opening, is_child=False)
    case_id = engine.open_case("uk-nrm", "GB-ENG", data, actor=FR, occurred_at=at).case_id
    take(engine, case_id, "record_consent", occurred_at=at)
    return case_id


def rg_decided(engine: Engine, clock: FixedClock, days_ago: int, **step: object) -> UUID:
    """A referred adult whose positive RG decision is stated `days_ago` days before now."""
    case_id = found_on_paper(engine, clock, days_ago + 1)
    take(engine, case_id, "refer_adult", occurred_at=clock.now - timedelta(days=days_ago + 1))
    take(
        engine,
        case_id,
        "decide_rg_positive",
        occurred_at=clock.now - timedelta(days=days_ago),
        **step,
    )
    return case_id


def test_a_backdated_rg_decision_holds_the_cg_decision_30_days_from_its_recording(
    engine: Engine, clock: FixedClock
) -> None:
    case_id = rg_decided(engine, clock, days_ago=35)
    with pytest.raises(TooEarly) as refused:
        take(engine, case_id, "decide_cg_positive")
    assert refused.value.earliest_on == clock.now.date() + timedelta(days=30)
    clock.advance(days=30)
    assert take(engine, case_id, "decide_cg_positive").state == "move_on_support"


def test_a_backdated_guarded_step_is_judged_on_its_stated_day(
    engine: Engine, clock: FixedClock
) -> None:
    case_id = rg_decided(engine, clock, days_ago=0)
    clock.advance(days=40)
    with pytest.raises(TooEarly):  # stated 20 days after the RG decision: still too early
        take(engine, case_id, "decide_cg_positive", occurred_at=clock.now - timedelta(days=20))


def test_deadlines_count_from_the_stated_time(engine: Engine, clock: FixedClock) -> None:
    case_id = found_on_paper(engine, clock, 20)
    take(engine, case_id, "refer_adult", occurred_at=clock.now - timedelta(days=20))
    due = next(d.due_on for d in engine.case(case_id).deadlines if d.name == "reasonable_grounds")
    assert due < clock.now.date()  # overdue at once: the person has waited since the referral


def test_backdating_beyond_the_workflows_limit_is_refused_naming_occurred_at_and_the_limit(
    engine: Engine, clock: FixedClock
) -> None:
    found_on_paper(engine, clock, 90)
    with pytest.raises(InvalidData) as refused:
        found_on_paper(engine, clock, 91)
    (problem,) = refused.value.problems
    assert problem.path == "occurred_at" and problem.params == {"limit": 90}
    assert "90 days" in problem.message


def test_a_reason_from_a_role_that_may_not_confirm_backdating_is_refused(
    engine: Engine, clock: FixedClock
) -> None:
    with pytest.raises(InvalidData) as refused:
        rg_decided(engine, clock, days_ago=35, backdating_reason="Paper file from the 3rd")
    (problem,) = refused.value.problems
    assert problem.path == "backdating_reason" and "supervisor" in problem.message


def supervisor_decides(tmp_path: Path, clock: FixedClock) -> Engine:
    """uk-nrm where a supervisor may also record the RG decision (so may confirm its date)."""
    document = yaml.safe_load((WORKFLOWS / "uk-nrm.yaml").read_text("utf-8"))
    rg = next(t for t in document["transitions"] if t["trigger"] == "decide_rg_positive")
    rg["roles"] = ["competent_authority", "supervisor"]
    (tmp_path / "uk-nrm.yaml").write_text(yaml.safe_dump(document), "utf-8")
    settings = Settings(workflows_dir=with_papers(tmp_path))
    return with_synthetic_agencies(build_in_memory(settings, clock=clock))


def test_a_supervisor_confirming_the_backdating_with_a_reason_counts_from_the_stated_day(
    tmp_path: Path, clock: FixedClock
) -> None:
    engine = supervisor_decides(tmp_path, clock)
    case_id = rg_decided(
        engine, clock, days_ago=35, actor=SUPERVISOR, backdating_reason="  Paper file, 3 March "
    )
    assert take(engine, case_id, "decide_cg_positive", actor=CA).state == "move_on_support"
    rg = next(e for e in engine.store.events.get(case_id) if e.name == "PositiveReasonableGrounds")
    assert isinstance(rg, Case.StepTaken)
    assert rg.backdating == {
        "reason": "Paper file, 3 March",
        "confirmed_by": "supervisor",
        "user_id": SUPERVISOR.user_id,
    }
    guard = next(c for c in rg.deadlines_started if c.get("kind") == "not_before")
    assert date.fromisoformat(guard["started_on"]) == clock.now.date() - timedelta(days=35)


def test_a_confirmation_needs_a_step_stated_on_an_earlier_day(
    tmp_path: Path, clock: FixedClock
) -> None:
    engine = supervisor_decides(tmp_path, clock)
    with pytest.raises(InvalidData) as refused:
        rg_decided(engine, clock, days_ago=0, actor=SUPERVISOR, backdating_reason="Paper file")
    assert [p.path for p in refused.value.problems] == ["backdating_reason"]


def test_validate_refuses_an_unknown_confirming_role_and_a_limit_that_is_not_positive(
    tmp_path: Path,
) -> None:
    document = yaml.safe_load((WORKFLOWS / "uk-nrm.yaml").read_text("utf-8"))
    document["backdating"] = {"max_days": 90, "confirmed_by": ["nobody"]}
    (tmp_path / "uk-nrm.yaml").write_text(yaml.safe_dump(document), "utf-8")
    with pytest.raises(Exception, match=r"backdating\.confirmed_by.*nobody"):
        WorkflowRegistry.from_directory(tmp_path)
    document["backdating"] = {"max_days": 0}
    (tmp_path / "uk-nrm.yaml").write_text(yaml.safe_dump(document), "utf-8")
    with pytest.raises(Exception, match="max_days"):
        WorkflowRegistry.from_directory(tmp_path)


OTHER_SUPERVISOR = Actor("ana.supervisor", "supervisor", "sca")


def confirm(
    engine: Engine, case_id: UUID, version: int, actor: Actor = SUPERVISOR, **kw: str
) -> StepResult:
    reason = kw.get("reason", "Paper decision of the SCA, file 2026-17")
    current = engine.case(case_id).version
    return engine.confirm_stated_date(
        case_id, version, reason, actor=actor, expected_version=current
    )


def rg_version(engine: Engine, case_id: UUID) -> int:
    return next(
        h.version for h in engine.history(case_id) if h.event == "PositiveReasonableGrounds"
    )


def test_a_supervisor_confirms_another_persons_backdated_rg_decision_after_it_was_recorded(
    engine: Engine, clock: FixedClock
) -> None:
    case_id = rg_decided(engine, clock, days_ago=35)  # by the competent authority, unconfirmed
    with pytest.raises(TooEarly):
        take(engine, case_id, "decide_cg_positive")
    version = rg_version(engine, case_id)

    result = confirm(engine, case_id, version, reason="  Paper file, 3 March ")

    assert result.event == "StatedDateConfirmed" and result.version == version + 1
    assert engine.case(case_id).not_yet_allowed == ()
    assert take(engine, case_id, "decide_cg_positive").state == "move_on_support"
    confirmed = next(
        e for e in engine.store.events.get(case_id) if isinstance(e, Case.StatedDateConfirmed)
    )
    assert (confirmed.step_version, confirmed.step, confirmed.reason) == (
        version,
        "PositiveReasonableGrounds",
        "Paper file, 3 March",
    )
    assert (
        confirmed.actor["role"] == "supervisor" and confirmed.actor["user_id"] == SUPERVISOR.user_id
    )
    stated = (clock.now.date() - timedelta(days=35)).isoformat()
    assert {g["name"] for g in confirmed.guards_started} == {
        "decide_cg_positive",
        "decide_cg_negative",
    }
    assert {g["started_on"] for g in confirmed.guards_started} == {stated}
    entry = next(h for h in engine.history(case_id) if h.event == "StatedDateConfirmed")
    assert entry.data["reason"] == "Paper file, 3 March" and entry.data["step_version"] == version


def test_a_confirmation_replays_to_the_same_earliest_dates(
    engine: Engine, clock: FixedClock
) -> None:
    case_id = rg_decided(engine, clock, days_ago=20)
    confirm(engine, case_id, rg_version(engine, case_id))
    waiting = engine.case(case_id).not_yet_allowed
    assert {w.started_on for w in waiting} == {clock.now.date() - timedelta(days=20)}
    assert {w.earliest_on for w in waiting} == {clock.now.date() + timedelta(days=10)}


def test_a_step_stated_on_the_day_it_is_recorded_has_no_date_to_confirm(
    engine: Engine, clock: FixedClock
) -> None:
    case_id = rg_decided(engine, clock, days_ago=0)
    with pytest.raises(DateNotConfirmable) as refused:
        confirm(engine, case_id, rg_version(engine, case_id))
    assert refused.value.code == "not-backdated"


def test_a_date_confirmed_already_is_not_confirmed_again(engine: Engine, clock: FixedClock) -> None:
    case_id = rg_decided(engine, clock, days_ago=35)
    confirm(engine, case_id, rg_version(engine, case_id))
    with pytest.raises(DateNotConfirmable) as refused:
        confirm(engine, case_id, rg_version(engine, case_id), actor=OTHER_SUPERVISOR)
    assert refused.value.code == "confirmed"


def test_a_backdated_step_that_holds_back_no_step_has_nothing_to_confirm(
    engine: Engine, clock: FixedClock
) -> None:
    case_id = rg_decided(engine, clock, days_ago=35)
    refer = next(h.version for h in engine.history(case_id) if h.trigger == "refer_adult")
    with pytest.raises(DateNotConfirmable) as refused:
        confirm(engine, case_id, refer)
    assert refused.value.code == "no-guard"
    with pytest.raises(DateNotConfirmable) as refused:
        confirm(engine, case_id, 99)
    assert refused.value.code == "not-a-step"


def test_only_a_confirming_role_confirms_and_never_a_step_of_its_own(
    engine: Engine, clock: FixedClock
) -> None:
    case_id = rg_decided(engine, clock, days_ago=35)
    version = rg_version(engine, case_id)
    with pytest.raises(RoleNotAllowed) as refused:
        confirm(engine, case_id, version, actor=CA)
    assert refused.value.allowed_roles == ("supervisor",)
    same_person = Actor(CA.user_id, "supervisor", "sca")
    with pytest.raises(OwnStatedDate):
        confirm(engine, case_id, version, actor=same_person)


@pytest.mark.parametrize("reason", ["", "   ", "x" * 501, "line\u0000break"])
def test_a_confirmation_needs_a_reason(engine: Engine, clock: FixedClock, reason: str) -> None:
    case_id = rg_decided(engine, clock, days_ago=35)
    with pytest.raises(InvalidData) as refused:
        confirm(engine, case_id, rg_version(engine, case_id), reason=reason)
    assert [p.path for p in refused.value.problems] == ["reason"]


def test_validate_takes_admin_as_a_confirming_role(tmp_path: Path) -> None:
    document = yaml.safe_load((WORKFLOWS / "uk-nrm.yaml").read_text("utf-8"))
    document["backdating"] = {"max_days": 90, "confirmed_by": ["supervisor", "admin"]}
    (with_papers(tmp_path) / "uk-nrm.yaml").write_text(yaml.safe_dump(document), "utf-8")
    assert WorkflowRegistry.from_directory(tmp_path).get("uk-nrm").backdating is not None
