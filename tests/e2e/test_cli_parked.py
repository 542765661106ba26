"""`referral-engine projections parked` lists what a read model set aside, and `projections
retry` folds it again once the handler is fixed (and keeps it, costing no rebuild, before)."""

from __future__ import annotations

import shutil
from pathlib import Path

from referral_engine.bootstrap import build
from referral_engine.config import PROJECT_ROOT, Settings
from tests.e2e.test_cli import cli, pg_env
from tests.factories import case_in, kyiv_shelter, send_referral, with_synthetic_agencies

FRAGILE = Path(__file__).parents[1] / "read_models" / "fragile"
POISON = "agency-this-handler-cannot-fold"


def read_models(folder: Path, fragile: Path) -> Path:
    folder.mkdir()
    for shipped in (PROJECT_ROOT / "projections").iterdir():
        if (shipped / "projection.py").exists():
            (folder / shipped.name).symlink_to(shipped)
    (folder / "fragile").symlink_to(fragile)
    return folder


def fixed_copy(tmp_path: Path) -> Path:
    """The same read model (same version) with its handler fixed: every agency folds."""
    folder = tmp_path / "fixed-fragile"
    shutil.copytree(FRAGILE, folder)
    code = (folder / "projection.py").read_text()
    (folder / "projection.py").write_text(code.replace("if event.agency == POISON:", "if False:"))
    return folder


def test_parked_events_are_listed_then_refolded_after_a_fix(
    pg_settings: Settings, tmp_path: Path
) -> None:
    broken = read_models(tmp_path / "broken", FRAGILE)
    settings = pg_settings.model_copy(update={"projections_dir": broken})
    with build(settings) as runtime:
        with_synthetic_agencies(runtime.engine, kyiv_shelter(POISON))
        case_id = case_in(runtime.engine, "application_registered")
        send_referral(runtime.engine, case_id, agency=POISON)
        runtime.projections.catch_up()
        (parked,) = runtime.projections.parked("fragile")
    env = {**pg_env(settings), "REFERRAL_ENGINE_PROJECTIONS_DIR": str(broken)}

    listed = cli("projections", "parked", env=env)
    assert listed.returncode == 0, listed.stderr
    line = next(x for x in listed.stdout.splitlines() if x.startswith("fragile"))
    for shown in (f"position {parked.position}", str(case_id), "ReferralSent", "ValueError"):
        assert shown in line

    unfixed = cli("projections", "retry", "fragile", env=env)
    assert unfixed.returncode == 0, unfixed.stderr
    assert "still parked: 1" in unfixed.stdout and "not rebuilt" in unfixed.stdout

    fixed = read_models(tmp_path / "fixed", fixed_copy(tmp_path))
    env["REFERRAL_ENGINE_PROJECTIONS_DIR"] = str(fixed)
    retried = cli("projections", "retry", "fragile", "--position", str(parked.position), env=env)
    assert retried.returncode == 0, retried.stderr
    assert f"folded again: {parked.position}" in retried.stdout
    assert "still parked: 0" in retried.stdout
    assert "nothing parked" in cli("projections", "parked", "fragile", env=env).stdout
    unknown = cli("projections", "parked", "nope", env=env)
    assert unknown.returncode != 0 and "no read model named nope" in unknown.stderr
