"""Workflow versions: several loaded at once, cases pinned to theirs, migration by a recorded
event; and the authoring checks (validation of the new keys, lint)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
import yaml

from referral_engine.application.engine import Engine
from referral_engine.bootstrap import build_in_memory
from referral_engine.config import Settings
from referral_engine.domain.commands import Actor
from referral_engine.domain.errors import InvalidWorkflow
from referral_engine.domain.workflow import WorkflowDefinition
from referral_engine.workflows.lint import lint
from referral_engine.workflows.loader import (
    WorkflowModel,
    WorkflowRegistry,
    lint_file,
    parse,
    resolved_document,
)
from tests.factories import (
    SCREENER,
    UKRAINE,
    WORKFLOWS,
    FixedClock,
    case_in,
    data_for,
    engine_on_version,
    path_to,
    step,
    with_papers,
    with_synthetic_agencies,
)

ADMIN = Actor("ops", "admin", "operations")
V1_FILE = WORKFLOWS / "ukraine-nrm.yaml"


def raw(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return document


def renamed_v3(mapping: dict[str, str] | None = None) -> dict[str, Any]:
    """Version 3: version 2 with `under_appeal` renamed `appeal_pending`."""
    v2 = yaml.safe_dump(resolved_document(WORKFLOWS, UKRAINE, 2), allow_unicode=True)
    text = v2.replace("under_appeal", "appeal_pending")
    document: dict[str, Any] = yaml.safe_load(text)
    document["version"] = 3
    document["migration"] = {"from_version": 2, "states": mapping or {}}
    return document


def with_v3(tmp: Path, clock: FixedClock, document: dict[str, Any]) -> Engine:
    """An engine whose workflow folder holds the shipped files up to Ukraine's version 2 and
    this version 3 (the shipped later versions are written as changes on the shipped 3)."""
    for shipped in WORKFLOWS.glob("*.yaml"):
        if shipped.name in ("ukraine-nrm-v4.yaml", "ukraine-nrm-v5.yaml", "ukraine-nrm-v6.yaml"):
            continue
        (tmp / shipped.name).write_text(shipped.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp / "ukraine-nrm-v3.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    settings = Settings(workflows_dir=with_papers(tmp))
    return with_synthetic_agencies(build_in_memory(settings, clock=clock))


def engine_on(engine: Engine, *definitions: WorkflowDefinition) -> Engine:
    """An engine over the same store that knows only these workflow versions."""
    return Engine(
        engine.store, WorkflowRegistry(list(definitions)), engine.clock, engine.open_agencies
    )


@pytest.fixture
def v1_engine(engine: Engine) -> Engine:
    return engine_on(engine, engine.workflows.get(UKRAINE, 1))


def test_every_version_loads_and_new_cases_open_under_the_newest(engine: Engine) -> None:
    assert [(w.id, w.version) for w in engine.workflows if w.id == UKRAINE] == [
        (UKRAINE, 1),
        (UKRAINE, 2),
        (UKRAINE, 3),
        (UKRAINE, 4),
        (UKRAINE, 5),
        (UKRAINE, 6),
    ]
    case_id = case_in(engine, "status_granted")
    assert engine.case(case_id).workflow_version == 6
    assert step(engine, case_id, "request_extension").state == "extension_requested"


def test_a_case_stays_on_its_version_when_a_newer_one_is_loaded(
    engine: Engine, v1_engine: Engine
) -> None:
    case_id = case_in(v1_engine, "status_granted")
    before = [engine.case_at_version(case_id, v) for v in range(1, 5)]
    case = engine.case(case_id, reader=Actor("l", "lsa_official", "lsa"))
    assert case.workflow_version == 1
    assert "request_extension" not in {s.trigger for s in case.allowed_steps}
    assert [engine.case_at_version(case_id, v) for v in range(1, 5)] == before


def test_migration_moves_open_cases_by_a_recorded_event_and_keeps_their_history(
    engine: Engine, v1_engine: Engine, clock: FixedClock
) -> None:
    granted = case_in(v1_engine, "status_granted")
    closed = case_in(v1_engine, "identified")
    step(v1_engine, closed, "close_case")
    versions = {c: engine.case(c).version for c in (granted, closed)}
    replays = {
        c: [engine.case_at_version(c, v) for v in range(1, n + 1)] for c, n in versions.items()
    }
    clock.advance(days=1)

    report = engine.migrate_cases(UKRAINE, 1, 2, actor=ADMIN)

    assert set(report.moved) >= {granted, closed} and report.refused == ()
    for case_id, n in versions.items():
        assert engine.case(case_id).workflow_version == 2
        assert engine.case(case_id).version == n + 1
        assert [engine.case_at_version(case_id, v) for v in range(1, n + 1)] == replays[case_id]
        last = engine.history(case_id)[-1]
        assert (last.event, last.data, last.actor["user_id"]) == (
            "WorkflowMigrated",
            {"from_version": 1, "to_version": 2},
            "ops",
        )
    assert step(engine, granted, "request_extension").state == "extension_requested"
    assert step(engine, closed, "reopen_case").state == "identified"


def test_a_dry_run_lists_the_cases_and_writes_nothing(engine: Engine, v1_engine: Engine) -> None:
    case_id = case_in(v1_engine, "interviewed")
    version = engine.case(case_id).version
    report = engine.migrate_cases(UKRAINE, 1, 2, actor=ADMIN, dry_run=True)
    assert case_id in report.moved and report.dry_run
    assert (engine.case(case_id).version, engine.case(case_id).workflow_version) == (version, 1)


def test_migrating_again_moves_nothing(engine: Engine, v1_engine: Engine) -> None:
    case_in(v1_engine, "verified")
    assert engine.migrate_cases(UKRAINE, 1, 2, actor=ADMIN).moved
    assert engine.migrate_cases(UKRAINE, 1, 2, actor=ADMIN).moved == ()


def two_versions(engine: Engine) -> list[WorkflowDefinition]:
    return [w for w in engine.workflows if w.version < 3]


def _appeal_cases(engine: Engine) -> tuple[UUID, UUID, UUID]:
    """Under v2: one case under appeal, one closed from appeal, one status granted."""
    appealing = case_in(engine, "under_appeal")
    closed = case_in(engine, "under_appeal")
    step(engine, closed, "close_case")
    return appealing, closed, case_in(engine, "status_granted")


def test_cases_whose_state_has_no_counterpart_are_refused_and_listed(
    tmp_path: Path, clock: FixedClock
) -> None:
    three = with_v3(tmp_path, clock, renamed_v3())
    appealing, closed, granted = _appeal_cases(engine_on(three, *two_versions(three)))
    report = three.migrate_cases(UKRAINE, 2, 3, actor=ADMIN)
    refused = dict(report.refused)
    assert set(refused) == {appealing, closed}
    assert "state 'under_appeal' has no counterpart" in refused[appealing]
    assert "previous state 'under_appeal'" in refused[closed]
    assert granted in report.moved
    assert three.case(appealing).workflow_version == 2  # refused cases stay where they are


def test_a_state_mapping_in_the_new_file_lets_those_cases_move(
    tmp_path: Path, clock: FixedClock
) -> None:
    three = with_v3(tmp_path, clock, renamed_v3({"under_appeal": "appeal_pending"}))
    appealing, closed, _ = _appeal_cases(engine_on(three, *two_versions(three)))
    report = three.migrate_cases(UKRAINE, 2, 3, actor=ADMIN)
    assert report.refused == () and {appealing, closed} <= set(report.moved)
    assert three.case(appealing).state == "appeal_pending"
    assert step(three, closed, "reopen_case").state == "appeal_pending"


def test_clocks_the_new_version_does_not_have_stop_on_migration(
    tmp_path: Path, clock: FixedClock
) -> None:
    document = resolved_document(WORKFLOWS, UKRAINE, 2)
    document["version"] = 3
    document["deadlines"] = [d for d in document["deadlines"] if d["name"] != "extension_decision"]
    three = with_v3(tmp_path, clock, document)
    case_id = case_in(engine_on(three, *two_versions(three)), "extension_requested")
    assert "extension_decision" in [d.name for d in three.case(case_id).deadlines]
    three.migrate_cases(UKRAINE, 2, 3, actor=ADMIN)
    assert [d.name for d in three.case(case_id).deadlines] == ["status_review"]


def test_a_full_ukraine_path_with_the_extension_request_of_version_2(
    engine: Engine, clock: FixedClock
) -> None:
    engine = engine_on_version(engine, UKRAINE, 2)  # version 6 extends only once, to its own state
    case_id = case_in(engine, "status_granted")
    clock.advance(days=300)
    step(engine, case_id, "request_extension")
    (deadline,) = [d for d in engine.case(case_id).deadlines if d.name == "extension_decision"]
    assert deadline.due_on == clock.now.date() + (date(2026, 1, 11) - date(2026, 1, 1))
    step(engine, case_id, "extend_status")
    case = engine.case(case_id)
    assert case.state == "status_granted"
    assert "extension_decision" not in [d.name for d in case.deadlines]
    step(engine, case_id, "expire_status")
    assert step(engine, case_id, "close_case").state == "closed"
    history = [h.event for h in engine.history(case_id)]
    assert history[:2] == ["PersonScreened", "ConsentRecorded"]
    assert history[-4:] == [
        "StatusExtensionRequested",
        "StatusExtended",
        "StatusExpired",
        "CaseClosed",
    ]


# -- authoring ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(WORKFLOWS.glob("*.yaml")), ids=lambda p: p.name)
def test_every_shipped_workflow_lints_clean(path: Path) -> None:
    assert lint_file(path) == []


def _lint(document: dict[str, Any]) -> list[str]:
    return lint(WorkflowModel.model_validate(document))


def test_lint_reports_roles_that_can_never_act() -> None:
    document = raw(V1_FILE)
    document["roles"]["ombudsman"] = "Reads reports but is named by no step"
    assert _lint(document) == ["roles.ombudsman: can never act (no step names this role)"]


def test_lint_reports_a_role_whose_every_step_starts_from_an_unreachable_state() -> None:
    document = raw(WORKFLOWS / "uk-nrm.yaml")
    document["roles"]["ombudsman"] = "Reviews cases in a state no case ever reaches"
    document["states"]["under_review"] = {"title": "Nothing leads here"}
    document["transitions"].append(
        {"trigger": "review", "event": "Reviewed", "source": "under_review", "dest": "closed",
         "roles": ["ombudsman", "supervisor"]}
    )  # fmt: skip
    idle = [f for f in _lint(document) if f.startswith("roles.")]
    assert idle == [
        "roles.ombudsman: can never act (its steps start only from unreachable states: "
        "under_review)"
    ]  # the supervisor closes cases as well


def test_lint_reports_a_role_acting_only_on_referrals_that_can_never_be_sent() -> None:
    document = raw(WORKFLOWS / "uk-nrm.yaml")
    document["states"]["archived"] = {"title": "Nothing leads here", "terminal": True}
    document["referrals"]["allowed_in"] = ["archived"]
    document["transitions"] = [
        t for t in document["transitions"] if "support_provider" not in t["roles"]
    ]
    (idle,) = [f for f in _lint(document) if f.startswith("roles.support_provider")]
    assert idle.endswith("unreachable states: archived, referral accepted, referral sent)")


def test_lint_reports_a_trigger_shadowed_by_an_earlier_declaration() -> None:
    document = raw(V1_FILE)
    document["transitions"].append(
        {"trigger": "grant_status", "event": "StatusGrantedAgain", "source": "identified",
         "dest": "closed", "roles": ["decision_maker"]}
    )  # fmt: skip
    (finding,) = _lint(document)
    assert "trigger 'grant_status' from 'identified' is shadowed by transitions[" in finding


def test_lint_reports_unreachable_states_and_dead_ends() -> None:
    document = raw(WORKFLOWS / "uk-nrm.yaml")
    document["states"]["limbo"] = {"title": "Nothing leads here or out"}
    document["states"]["loop"] = {"title": "Only leads to itself and back"}
    document["transitions"] += [
        {"trigger": "park", "event": "Parked", "source": "referred", "dest": "loop",
         "roles": ["competent_authority"]},
        {"trigger": "spin", "event": "Spun", "source": "loop", "dest": "rg_negative",
         "roles": ["competent_authority"]},
    ]  # fmt: skip
    findings = _lint(document)
    assert "states.limbo: unreachable from 'identified'" in findings
    assert any(f.startswith("states.limbo: dead end") for f in findings)
    assert not any(f.startswith("states.loop") for f in findings)


def test_lint_reports_free_text_and_references_not_marked_personal() -> None:
    document = raw(WORKFLOWS / "uk-nrm.yaml")
    refer_adult = next(t for t in document["transitions"] if t["trigger"] == "refer_adult")
    del refer_adult["fields"]["referral_reference"]["pii"]
    refer_adult["fields"]["passport_no"] = {"type": "string"}
    refer_adult["fields"]["notes"] = {"type": "text"}
    refer_adult["fields"]["police_force"] = {"type": "string"}  # an organisation, not the person
    i = document["transitions"].index(refer_adult)
    assert _lint(document) == [
        f"transitions[{i}].fields.referral_reference: a number or reference is not marked "
        "`pii: true`",
        f"transitions[{i}].fields.passport_no: a number or reference is not marked `pii: true`",
        f"transitions[{i}].fields.notes: free text is not marked `pii: true`",
    ]


def test_lint_reports_a_holiday_listed_on_a_weekend_day() -> None:
    document = raw(WORKFLOWS / "uk-nrm.yaml")
    document["calendar"]["holidays"].append(date(2026, 12, 26))  # Boxing Day 2026 is a Saturday
    assert _lint(document) == [
        "calendar.holidays: 2026-12-26 is a saturday, already a day off "
        "(a typo, or a substitute day missing?)"
    ]


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            lambda d: d["transitions"][0].update(
                not_before={"after": ["Nothing"], "days": 3, "source": "s"}
            ),
            "transitions[0].not_before.after: unknown event 'Nothing'",
        ),
        (
            lambda d: d["referrals"]["transitions"][0].update(
                not_before={"after": ["ReferralSent"], "days": 3, "source": "s"}
            ),
            "referrals.transitions[0].not_before: only case steps may have an earliest date",
        ),
        (
            lambda d: d.update(migration={"from_version": 1, "states": {"a": "nowhere"}}),
            "migration.from_version: must be below this version (1)",
        ),
        (
            lambda d: d.update(migration={"from_version": 0}),
            "migration.from_version: Input should be greater than or equal to 1",
        ),
    ],
)
def test_invalid_guards_and_migrations_are_refused_with_their_path(
    change: Any, problem: str
) -> None:
    document = raw(V1_FILE)
    change(document)
    with pytest.raises(InvalidWorkflow) as refused:
        parse(document, "test")
    assert problem in refused.value.problems


def test_a_workflow_version_opened_by_an_old_engine_replays_identically(
    engine: Engine, v1_engine: Engine
) -> None:
    opened = v1_engine.open_case(
        UKRAINE, "UA-32", data_for(engine.workflows.get(UKRAINE, 1).opening), actor=SCREENER
    )
    for trigger in ["record_consent", *path_to(engine.workflows.get(UKRAINE, 1), "verified")]:
        step(v1_engine, opened.case_id, trigger)
    assert engine.case(opened.case_id) == v1_engine.case(opened.case_id)
