"""The command line as a user runs it: validate, show, demo, replay, and clear errors."""

from __future__ import annotations

import getpass
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from referral_engine.config import Settings
from tests.factories import WORKFLOWS


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "referral_engine", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


def pg_env(settings: Settings) -> dict[str, str]:
    return {
        "REFERRAL_ENGINE_DATABASE_URL": str(settings.database_url),
        "REFERRAL_ENGINE_DATABASE_SCHEMA": settings.database_schema,
    }


def test_validate_accepts_the_shipped_workflows() -> None:
    result = cli("workflows", "validate")
    assert result.returncode == 0, result.stderr
    assert "ok" in result.stdout and "ukraine-nrm@1" in result.stdout


def broken(tmp_path: Path, change: Any) -> Path:
    doc = yaml.safe_load((WORKFLOWS / "ukraine-nrm.yaml").read_text())
    change(doc)
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


def _set(path: list[Any], value: Any) -> Any:
    def change(doc: Any) -> None:
        for key in path[:-1]:
            doc = doc[key]
        doc[path[-1]] = value

    return change


def _add_transition(**extra: Any) -> Any:
    def change(doc: Any) -> None:
        doc["transitions"].append(
            {"trigger": "x", "event": "X", "source": "screened", "roles": ["supervisor"], **extra}
        )

    return change


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            _set(["transitions", 3, "dest"], "nowhere"),
            "transitions[3].dest: unknown state 'nowhere'",
        ),
        (
            _set(["transitions", 3, "roles"], ["mayor"]),
            "transitions[3].roles: unknown role 'mayor'",
        ),
        (_set(["states", "limbo"], {"title": "Limbo"}), "states.limbo: unreachable"),
        (_add_transition(dest="stuck"), "unknown state 'stuck'"),
        (
            _set(["transitions", 5, "trigger"], "conduct_interview"),
            "trigger 'conduct_interview' is declared 2 times from state 'application_registered'",
        ),
        (_set(["opening", "fields", "person_name", "type"], "name"), "unknown field type 'name'"),
        (
            _set(["deadlines", 0, "starts_on"], ["ApplicationFiled"]),
            "deadlines[0].starts_on: unknown event 'ApplicationFiled'",
        ),
    ],
)
def test_validate_names_the_problem_of_a_broken_file(
    tmp_path: Path, change: Any, problem: str
) -> None:
    result = cli("workflows", "validate", str(broken(tmp_path, change)))
    assert result.returncode == 1
    assert problem in result.stderr
    assert "broken.yaml" in result.stderr
    assert "Traceback" not in result.stderr


def test_validate_reports_a_dead_end(tmp_path: Path) -> None:
    def dead_end(doc: Any) -> None:
        doc["states"]["on_hold"] = {"title": "On hold"}
        doc["transitions"].append(
            {
                "trigger": "hold",
                "event": "CaseHeld",
                "source": "screened",
                "dest": "on_hold",
                "roles": ["supervisor"],
            }
        )

    result = cli("workflows", "validate", str(broken(tmp_path, dead_end)))
    assert result.returncode == 1
    assert "states.on_hold: not terminal, yet no step leads out of it" in result.stderr


def test_show_prints_states_transitions_and_deadlines() -> None:
    result = cli("workflows", "show", "ukraine-nrm")
    assert result.returncode == 0, result.stderr
    for text in ("grant_status", "status_granted", "police_verification", "working days"):
        assert text in result.stdout


def test_show_prints_each_steps_conditions() -> None:
    result = cli("workflows", "show", "uk-nrm")
    assert result.returncode == 0, result.stderr
    assert "is_child = true" in result.stdout and "is_child = false" in result.stdout
    assert "consent set" in result.stdout and "30 days after" in result.stdout


def test_demo_prints_the_histories_of_synthetic_cases(pg_settings: Settings) -> None:
    result = cli("demo", "--cases", "3", env=pg_env(pg_settings))
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("PersonScreened") == 3
    assert "StatusApplicationRegistered" in result.stdout


def test_replay_shows_a_case_at_an_earlier_version(pg_settings: Settings) -> None:
    demo = cli("demo", "--cases", "1", env=pg_env(pg_settings))
    case_id = next(w for line in demo.stdout.splitlines() for w in line.split() if len(w) == 36)
    result = cli("replay", case_id, "--version", "2", env=pg_env(pg_settings))
    assert result.returncode == 0, result.stderr
    assert "at version 2" in result.stdout
    assert "PersonScreened" in result.stdout


def test_replay_redacts_personal_data_unless_asked_and_audits_when_it_shows_it(
    pg_settings: Settings,
) -> None:
    from referral_engine.bootstrap import build
    from tests.factories import open_case

    with build(pg_settings) as runtime:
        case_id = open_case(runtime.engine, person_name="Synthetic Replay Person").case_id
    env = pg_env(pg_settings)

    redacted = cli("replay", str(case_id), env=env)
    assert redacted.returncode == 0, redacted.stderr
    assert "Synthetic Replay Person" not in redacted.stdout
    assert "person_name: (not-permitted)" in redacted.stdout
    assert "is_child: " in redacted.stdout  # what is not personal is shown
    assert "--personal-data" in redacted.stderr

    shown = cli("replay", str(case_id), "--personal-data", env=env)
    assert shown.returncode == 0, shown.stderr
    assert "person_name: Synthetic Replay Person" in shown.stdout
    with build(pg_settings) as runtime:
        reads = runtime.audit.query(case_id=case_id, personal_only=True)
    (read,) = reads  # only the read that showed personal data
    assert (read.user_name, read.role, read.action) == (
        f"os:{getpass.getuser()}",
        "operator",
        "cli.replay",
    )
    assert "person_name" in read.detail["personal_fields"] and read.region == "UA-32"


def test_an_unknown_case_is_one_line_not_a_traceback(pg_settings: Settings) -> None:
    result = cli("replay", "00000000-0000-0000-0000-000000000001", env=pg_env(pg_settings))
    assert result.returncode == 1
    assert result.stderr.strip() == "error: case 00000000-0000-0000-0000-000000000001 not found"


def test_an_unreachable_database_is_one_line_with_the_password_masked() -> None:
    env = {"REFERRAL_ENGINE_DATABASE_URL": "postgresql://nrm:s3cret@127.0.0.1:1/nrm"}
    result = cli("demo", "--cases", "1", env=env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(
        "error: cannot reach the database at postgresql://nrm:***@127.0.0.1:1/nrm"
    )
    assert "s3cret" not in result.stderr


def test_export_writes_a_dashboard_as_csv(pg_settings: Settings, tmp_path: Path) -> None:
    assert cli("demo", "--cases", "2", env=pg_env(pg_settings)).returncode == 0
    target = tmp_path / "funnel.csv"
    result = cli("export", "dashboard", "funnel", "--output", str(target), env=pg_env(pg_settings))
    assert result.returncode == 0, result.stderr
    lines = target.read_text().splitlines()
    assert lines[0].startswith("region,cohort,screened")
    assert len(lines) > 1 and all(line.count(",") == lines[0].count(",") for line in lines)
    unknown = cli("export", "dashboard", "nope", env=pg_env(pg_settings))
    assert unknown.returncode == 1
    assert unknown.stderr.strip() == "error: no dashboard named 'nope'"


def test_erase_and_rotate_the_master_key_from_the_command_line(
    pg_settings: Settings, tmp_path: Path
) -> None:
    from referral_engine.bootstrap import build
    from tests.factories import open_case

    with build(pg_settings) as runtime:
        case_id = open_case(runtime.engine, person_name="Synthetic Cli Person").case_id
        other = open_case(runtime.engine, person_name="Synthetic Kept Person").case_id
        runtime.users.add("ops", "admin", "it", ["*"])
    env = pg_env(pg_settings)

    erased = cli(
        "erase", str(case_id), "--reason", "Art. 17 request 9", "--operator", "ops", env=env
    )
    assert erased.returncode == 0, erased.stderr
    assert "personal data erased" in erased.stdout
    again = cli("erase", str(case_id), "--reason", "again", "--operator", "ops", env=env)
    assert "already erased" in again.stdout
    help_text = " ".join(cli("erase", "--help").stdout.replace("│", " ").split())
    assert "Must not contain personal data" in help_text

    generated = cli("keys", "generate")
    assert generated.returncode == 0
    new_key = tmp_path / "new.key"
    new_key.write_text(generated.stdout)
    rotated = cli("keys", "rotate-master", "--new-key-file", str(new_key), env=env)
    assert rotated.returncode == 0, rotated.stderr
    assert "re-wrapped 1 case keys" in rotated.stdout
    assert "now set REFERRAL_ENGINE_MASTER_KEY to the new key" in rotated.stdout

    stale = cli("replay", str(other), env=env)  # still the old key in the environment
    assert stale.returncode == 2 and "the master key was rotated" in stale.stderr
    assert "Traceback" not in stale.stderr
    fresh = cli(
        "replay", str(other), env={**env, "REFERRAL_ENGINE_MASTER_KEY": generated.stdout.strip()}
    )
    assert fresh.returncode == 0, fresh.stderr


def test_an_external_database_without_a_master_key_is_refused(pg_settings: Settings) -> None:
    env = {**pg_env(pg_settings), "REFERRAL_ENGINE_MASTER_KEY": ""}
    result = cli("projections", "status", env=env)
    assert result.returncode == 2
    assert "REFERRAL_ENGINE_MASTER_KEY is required" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_embedded_demo_starts_again_after_its_master_key_is_rotated() -> None:
    # not under pytest's tmp_path: other pytest sessions reset its folder to owner-only, and the
    # embedded server (run as its own user when we are root) must traverse into it
    with tempfile.TemporaryDirectory(prefix="referral-engine-test-") as tmp:
        rotate_the_embedded_key(Path(tmp))


def rotate_the_embedded_key(tmp_path: Path) -> None:
    env = {
        "REFERRAL_ENGINE_HOME": str(tmp_path / "home"),
        "REFERRAL_ENGINE_DATABASE_URL": "",  # the embedded server, as `make run` starts it
        "REFERRAL_ENGINE_MASTER_KEY": "",  # the generated key file, as `make run` has it
    }
    demo = cli("demo", "--cases", "1", env=env)
    assert demo.returncode == 0, demo.stderr
    case_id = next(w for line in demo.stdout.splitlines() for w in line.split() if len(w) == 36)
    key_file = tmp_path / "home" / "master.key"
    old_key = key_file.read_text()
    new_key = tmp_path / "new.key"
    new_key.write_text(cli("keys", "generate").stdout)

    rotated = cli("keys", "rotate-master", "--new-key-file", str(new_key), env=env)
    assert rotated.returncode == 0, rotated.stderr
    assert f"{key_file} now holds the new key" in " ".join(rotated.stdout.split())
    assert key_file.read_text().strip() == new_key.read_text().strip() != old_key.strip()
    assert key_file.stat().st_mode & 0o777 == 0o600
    again = cli("replay", case_id, env=env)  # the next start finds the cases open
    assert again.returncode == 0, again.stderr
