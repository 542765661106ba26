"""`referral-engine export htcds` and `export recalls` as an operator runs them (#21): the file
written and its report printed, bad parameters one line and exit status 2, the exports that hold
a case listed."""

from __future__ import annotations

import hashlib
import re
import uuid
from pathlib import Path

import pytest

from referral_engine.application.demo_htcds import mapping, register
from referral_engine.application.importing import Imports
from referral_engine.application.registers import read_register
from referral_engine.bootstrap import build
from referral_engine.config import PROJECT_ROOT, Settings
from tests.e2e.test_cli import cli, pg_env
from tests.unit.test_imports import ADMIN

pytestmark = pytest.mark.postgres
CASES = 100


def imported(settings: Settings) -> uuid.UUID:
    """100 synthetic cases screened from 2021 to 2025 and a statistician; one case's id."""
    with build(settings) as rt:  # the real clock, as the command's own process reads it
        imports = Imports(rt.engine.store, rt.engine.workflows, rt.engine.clock)
        data = register(CASES, marker="Zrazok Markerenko", years=(2021, 2025))
        text = mapping(PROJECT_ROOT)
        found = imports.run(read_register(data, "r.csv"), "ukraine-nrm", text, actor=ADMIN)
        assert found.counts["imported"] == CASES
        rt.users.add("stat", "statistician", "msp-statistics", ["*"])
        with rt.db.pool.connection() as conn:
            row = conn.execute(
                f'select originator_id from "{settings.database_schema}".cases_events limit 1'
            ).fetchone()
    assert row is not None
    return uuid.UUID(str(row[0]))


def test_export_htcds_writes_the_file_prints_its_report_and_recalls_list_it(
    pg_settings: Settings, tmp_path: Path
) -> None:
    case_id = imported(pg_settings)
    env = pg_env(pg_settings)
    target = tmp_path / "htcds.csv"
    # one quasi-identifier, the year: every year holds some twenty cases, none is suppressed
    args = ["--from", "2021-01-01", "--k", "2", "--quasi", "cas_IncomingReferralDate"]
    result = cli("export", "htcds", *args, "--to", _today(), "--out", str(target), "--as", "stat",
                 env=env)  # fmt: skip

    assert result.returncode == 0, result.stderr
    content = target.read_bytes()
    assert content.decode("utf-8").splitlines()[0].startswith("prs_")
    printed = " ".join(result.stdout.split())
    assert f"wrote {CASES} records to" in printed
    assert f"(0 of {CASES} suppressed; k = 2)" in printed
    assert "cas_IncomingReferralDate:" in printed
    assert f"SHA-256 {hashlib.sha256(content).hexdigest()}" in printed
    export_id = re.search(r"export ([0-9a-f-]{36})", printed)
    assert export_id is not None

    recalls = cli("export", "recalls", str(case_id), env=env)
    assert recalls.returncode == 0, recalls.stderr
    assert export_id.group(1) in recalls.stdout and "stat" in recalls.stdout
    none = cli("export", "recalls", str(uuid.uuid4()), env=env)
    assert none.returncode == 0 and "no export holds this case" in none.stdout


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--from", "2025-13-01", "--to", "2025-12-31"], "'--from'"),
        (["--from", "2025-02-01", "--to", "2025-01-01"], "from: must not be after 'to'"),
        (["--from", "2025-01-01", "--to", "2025-12-31", "--k", "1"], "k: must be from 2 to 1000"),
        (["--from", "2025-01-01", "--to", "2025-12-31", "--quasi", "prs_FirstName"],
         "'prs_FirstName' is not an HTCDS field exported"),
    ],
)  # fmt: skip
def test_bad_parameters_are_one_line_and_exit_status_2(
    pg_settings: Settings, tmp_path: Path, args: list[str], says: str
) -> None:
    out = tmp_path / "htcds.csv"
    result = cli("export", "htcds", *args, "--out", str(out), "--as", "stat",
                 env=pg_env(pg_settings))  # fmt: skip
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert says in " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr
    assert not out.exists()


def _today() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).date().isoformat()
