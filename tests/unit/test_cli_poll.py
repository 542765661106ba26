"""The workers' `--poll` refuses what would make their loop spin or fail forever, before anything
starts (the database given here is unreachable: nothing gets that far)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from referral_engine.entrypoints.cli.main import app


@pytest.mark.parametrize("poll", ["nan", "0", "1e9"])
def test_a_workers_poll_must_be_a_finite_number_of_seconds_in_range(
    poll: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REFERRAL_ENGINE_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    monkeypatch.setenv("REFERRAL_ENGINE_CONNECT_TIMEOUT_SECONDS", "1")
    for worker in ("webhooks", "notifications", "projections"):
        refused = CliRunner().invoke(app, [worker, "run", "--poll", poll])
        assert refused.exit_code == 2, (worker, refused.output)
        assert "0.05 to 60" in refused.output
