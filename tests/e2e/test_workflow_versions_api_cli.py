"""A second jurisdiction and workflow versions as users meet them: the diagram over HTTP, a
too-early step refused with its date, each case's workflow version, and the authoring commands."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import yaml
from fastapi.testclient import TestClient

from referral_engine.bootstrap import Runtime, build
from referral_engine.config import Settings
from referral_engine.workflows.loader import resolved_document
from tests.e2e.conftest import Callers, assert_problem
from tests.e2e.test_cli import cli, pg_env
from tests.factories import (
    LSA,
    SUPERVISOR,
    UKRAINE,
    WORKFLOWS,
    FixedClock,
    case_in,
    data_for,
    engine_on_version,
    step,
    with_papers,
    with_synthetic_agencies,
)

LONDON = "GB-ENG"


def uk_data(runtime: Runtime, trigger: str | None = None) -> dict[str, Any]:
    uk = runtime.engine.workflows.get("uk-nrm")
    if trigger is None:
        return data_for(uk.opening, is_child=False)  # an adult: consent, then referral
    return data_for(next(t for t in uk.transitions if t.trigger == trigger))


def test_the_diagram_of_each_version_is_served_as_svg(client: TestClient, callers: Callers) -> None:
    for ref in ("ukraine-nrm/versions/1", "ukraine-nrm/versions/2", "uk-nrm/versions/1"):
        response = client.get(f"/api/workflows/{ref}/diagram.svg", headers=callers["lsa"].auth)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("image/svg+xml")
        assert ET.fromstring(response.text).tag == "{http://www.w3.org/2000/svg}svg"
    v2 = client.get(
        "/api/workflows/ukraine-nrm/versions/2/diagram.svg", headers=callers["lsa"].auth
    )
    assert "extension_requested" in v2.text
    missing = client.get(
        "/api/workflows/ukraine-nrm/versions/9/diagram.svg", headers=callers["lsa"].auth
    )
    assert_problem(missing, 404, "not-found")
    assert_problem(client.get("/api/workflows/uk-nrm/versions/1/diagram.svg"), 401, "unauthorized")
    assert_problem(
        client.get("/api/workflows/uk-nrm/versions/0/diagram.svg", headers=callers["lsa"].auth),
        422,
        "validation",
    )


def test_a_conclusive_grounds_decision_in_the_recovery_period_is_a_409_with_its_date(
    client: TestClient, pg_runtime: Runtime, callers: Callers
) -> None:
    fr = callers.add(pg_runtime, "fr", "first_responder", "police-met", [LONDON])
    ca = callers.add(pg_runtime, "ca", "competent_authority", "sca", [LONDON])
    body = {"workflow": "uk-nrm", "region": LONDON, "data": uk_data(pg_runtime)}
    case = client.post("/api/cases", json=body, headers=fr.auth).json()
    assert case["workflow"] == {"id": "uk-nrm", "version": 4}
    version = case["version"]
    for trigger, caller in [
        ("record_consent", fr),
        ("refer_adult", fr),
        ("decide_rg_positive", ca),
    ]:
        step = {
            "trigger": trigger,
            "data": uk_data(pg_runtime, trigger),
            "expected_version": version,
        }
        response = client.post(f"/api/cases/{case['id']}/steps", json=step, headers=caller.auth)
        assert response.status_code == 200, response.text
        version = response.json()["version"]
    step = {
        "trigger": "decide_cg_positive",
        "data": uk_data(pg_runtime, "decide_cg_positive"),
        "expected_version": version,
    }
    response = client.post(f"/api/cases/{case['id']}/steps", json=step, headers=ca.auth)
    problem = assert_problem(response, 409, "too-early")
    assert problem["earliest_on"] == "2026-04-01"  # 30 days after the RG decision on 2026-03-02
    assert problem["trigger"] == "decide_cg_positive"
    assert problem["counted_from"] == "PositiveReasonableGrounds"
    shown = client.get(f"/api/cases/{case['id']}", headers=ca.auth).json()
    assert "decide_cg_positive" not in [s["trigger"] for s in shown["allowed_steps"]]
    waiting = {w["trigger"]: w["earliest_on"] for w in shown["not_yet_allowed"]}
    assert waiting["decide_cg_positive"] == "2026-04-01"  # the case says when, before anyone tries


def test_diagram_and_lint_from_the_command_line(tmp_path: Path) -> None:
    svg = tmp_path / "uk.svg"
    result = cli("workflows", "diagram", "uk-nrm", "--svg", str(svg))
    assert result.returncode == 0, result.stderr
    assert "stateDiagram-v2" in result.stdout and "recovery_period" in result.stdout
    assert ET.parse(svg).getroot().tag == "{http://www.w3.org/2000/svg}svg"

    assert cli("workflows", "lint").returncode == 0
    document = yaml.safe_load((WORKFLOWS / "uk-nrm.yaml").read_text(encoding="utf-8"))
    document["roles"]["observer"] = "Named by no step"
    broken = tmp_path / "observer.yaml"
    broken.write_text(yaml.safe_dump(document), encoding="utf-8")
    result = cli("workflows", "lint", str(broken))
    assert result.returncode == 1
    assert "roles.observer: can never act" in result.stderr


def test_a_version_written_as_changes_shown_resolved_and_validated(tmp_path: Path) -> None:
    shown = cli("workflows", "show", UKRAINE, "--version", "2", "--resolved")
    assert shown.returncode == 0, shown.stderr
    assert "extends" not in shown.stdout and "*id" not in shown.stdout  # written out in full
    assert yaml.safe_load(shown.stdout) == resolved_document(WORKFLOWS, UKRAINE, 2)

    shutil.copy(WORKFLOWS / "ukraine-nrm.yaml", with_papers(tmp_path) / "ukraine-nrm.yaml")
    v2 = yaml.safe_load((WORKFLOWS / "ukraine-nrm-v2.yaml").read_text(encoding="utf-8"))
    v2["remove"] = {"states": ["extension_pending"]}
    (tmp_path / "v2.yaml").write_text(yaml.safe_dump(v2, allow_unicode=True), encoding="utf-8")
    result = cli("workflows", "validate", str(tmp_path))
    assert result.returncode == 1
    assert "ok" in result.stdout and f"{UKRAINE}@1" in result.stdout
    assert (
        f"{tmp_path / 'v2.yaml'}: remove.states: {UKRAINE}@1 has no 'extension_pending' to remove"
        in " ".join(result.stderr.split())
    )


def test_migrate_from_the_command_line_dry_run_then_for_real_then_refused(
    pg_settings: Settings, tmp_path: Path
) -> None:
    with build(pg_settings, clock=FixedClock()) as runtime:
        engine = runtime.engine
        v1 = engine_on_version(engine, UKRAINE, 1)
        granted, appealing = case_in(v1, "status_granted"), case_in(v1, "under_appeal")
    env = pg_env(pg_settings)

    dry = cli("workflows", "migrate", UKRAINE, "--from", "1", "--to", "2", "--dry-run", env=env)
    assert dry.returncode == 0, dry.stderr
    assert f"would move {granted}" in dry.stdout and "2 would move, 0 refused" in dry.stdout
    real = cli("workflows", "migrate", UKRAINE, "--from", "1", "--to", "2", env=env)
    assert real.returncode == 0, real.stderr
    assert "2 moved, 0 refused" in real.stdout
    replay = cli("replay", str(granted), env=env)
    assert "ukraine-nrm v2" in replay.stdout and "WorkflowMigrated" in replay.stdout

    # a version 3 that renames `under_appeal` without saying so refuses that case, naming it
    folder = with_papers(tmp_path / "workflows")
    for shipped in WORKFLOWS.glob("*.yaml"):
        if shipped.name in ("ukraine-nrm-v4.yaml", "ukraine-nrm-v5.yaml", "ukraine-nrm-v6.yaml"):
            continue  # written as changes on the shipped 3
        (folder / shipped.name).write_text(shipped.read_text(encoding="utf-8"), encoding="utf-8")
    v2 = yaml.safe_dump(resolved_document(WORKFLOWS, UKRAINE, 2), allow_unicode=True)
    v3 = yaml.safe_load(v2.replace("under_appeal", "appealed"))
    v3.update(version=3, migration={"from_version": 2})
    (folder / "ukraine-nrm-v3.yaml").write_text(yaml.safe_dump(v3), encoding="utf-8")
    env["REFERRAL_ENGINE_WORKFLOWS_DIR"] = str(folder)
    refused = cli("workflows", "migrate", UKRAINE, "--from", "2", "--to", "3", env=env)
    assert refused.returncode == 1
    assert f"refused {appealing}: state 'under_appeal' has no counterpart" in refused.stderr
    assert "1 moved, 1 refused" in refused.stdout  # per case: the mappable one moved anyway

    # run again once v3 maps the old name: only the refused case is left to move
    v3["migration"]["states"] = {"under_appeal": "appealed"}
    (folder / "ukraine-nrm-v3.yaml").write_text(yaml.safe_dump(v3), encoding="utf-8")
    again = cli("workflows", "migrate", UKRAINE, "--from", "2", "--to", "3", env=env)
    assert again.returncode == 0, again.stderr
    assert f"moved {appealing}" in again.stdout and "1 moved, 0 refused" in again.stdout
    assert "not all or nothing" in " ".join(cli("workflows", "migrate", "--help").stdout.split())


def test_the_shipped_versions_recording_reportable_facts_migrate_from_the_command_line(
    pg_settings: Settings,
) -> None:
    with build(pg_settings, clock=FixedClock()) as runtime:
        engine = runtime.engine
        on_2 = case_in(engine_on_version(engine, UKRAINE, 2), "identified")
    env = pg_env(pg_settings)

    moved = cli("workflows", "migrate", UKRAINE, "--from", "2", "--to", "3", env=env)
    assert moved.returncode == 0, moved.stderr
    assert f"moved {on_2}" in moved.stdout and "0 refused" in moved.stdout
    uk = cli("workflows", "migrate", "uk-nrm", "--from", "1", "--to", "2", env=env)
    assert uk.returncode == 0, uk.stderr
    with build(pg_settings, clock=FixedClock()) as runtime:
        case = runtime.engine.case(on_2, reader=LSA)
        assert case.workflow_version == 3
        assert "record_reportable_facts" in {s.trigger for s in case.allowed_steps}


def test_the_shipped_versions_recording_quality_migrate_from_the_command_line(
    pg_settings: Settings,
) -> None:
    """ukraine-nrm 3 -> 4 moves an open and a closed case (it may be reopened, and is now
    followed up); uk-nrm 2 -> 3 runs clean."""
    with build(pg_settings, clock=FixedClock()) as runtime:
        on_3 = engine_on_version(runtime.engine, UKRAINE, 3)
        open_one = case_in(on_3, "identified")
        closed = case_in(on_3, "status_granted")
        step(on_3, closed, "close_case", actor=SUPERVISOR)
    env = pg_env(pg_settings)

    moved = cli("workflows", "migrate", UKRAINE, "--from", "3", "--to", "4", env=env)
    assert moved.returncode == 0, moved.stderr
    assert f"moved {open_one}" in moved.stdout and f"moved {closed}" in moved.stdout
    assert "0 refused" in moved.stdout
    uk = cli("workflows", "migrate", "uk-nrm", "--from", "2", "--to", "3", env=env)
    assert uk.returncode == 0, uk.stderr
    with build(pg_settings, clock=FixedClock()) as runtime:
        case = runtime.engine.case(closed, reader=LSA)
        assert case.workflow_version == 4 and case.state == "closed"
        # its closure under version 3 started no guard: it may be followed up at once
        assert "record_follow_up" in {s.trigger for s in case.allowed_steps}


def test_validate_and_lint_say_what_ukraine_nrm_6_declares_again_and_only_aims_at() -> None:
    """`validate` says a trigger declared again once per source state is meant; `lint` lists
    every service-target deadline with its source (not the legal ones) and still exits 0."""
    valid = cli("workflows", "validate", str(WORKFLOWS / "ukraine-nrm-v2.yaml"))
    assert valid.returncode == 0, valid.stderr
    said = " ".join(valid.stdout.split())
    assert "trigger 'extend_status' is declared 2 times, once per source state" in said
    lint = cli("workflows", "lint", str(WORKFLOWS / "ukraine-nrm-v6.yaml"))
    assert lint.returncode == 0, lint.stderr
    listed = " ".join(lint.stdout.split())
    for target in ("interview", "police_verification", "status_decision", "child_assistance_plan"):
        assert f"deadlines.{target}:" in listed
    for legal in (
        "status_procedure",
        "temporary_stay",
        "temporary_accommodation",
        "one_time_payment",
    ):
        assert f"deadlines.{legal}:" not in listed
    assert "1 day is a service target, not a legal term (Law No. 3739-VI, arts. 22-24" in listed


def test_open_version_5_cases_migrate_to_6_from_the_command_line(
    pg_settings: Settings,
) -> None:
    with build(pg_settings, clock=FixedClock()) as runtime:
        on_5 = engine_on_version(with_synthetic_agencies(runtime.engine), UKRAINE, 5)
        requested = case_in(on_5, "extension_requested")
        closed = case_in(on_5, "identified")
        step(on_5, closed, "close_case", actor=SUPERVISOR)
    env = pg_env(pg_settings)

    dry = cli("workflows", "migrate", UKRAINE, "--from", "5", "--to", "6", "--dry-run", env=env)
    assert dry.returncode == 0, dry.stderr
    assert f"would move {requested}" in dry.stdout and f"would move {closed}" in dry.stdout
    assert "2 would move, 0 refused" in dry.stdout
    moved = cli("workflows", "migrate", UKRAINE, "--from", "5", "--to", "6", env=env)
    assert moved.returncode == 0, moved.stderr
    assert "2 moved, 0 refused" in moved.stdout
    replay = cli("replay", str(requested), env=env)
    assert "ukraine-nrm v6" in replay.stdout and "WorkflowMigrated" in replay.stdout
    with build(pg_settings, clock=FixedClock()) as runtime:
        case = runtime.engine.case(requested, reader=LSA)
        assert (case.workflow_version, case.state) == (6, "extension_requested")
