"""Through the API, a workflow naming its referral's agency and service by other send fields
(`provider`, `kind`): the referral is sent, the named agency accepts it and records assistance."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from referral_engine.config import Settings
from tests.e2e.conftest import Callers, case_in, referral_step, send_referral
from tests.factories import workflows_naming_referrals


@pytest.fixture
def pg_settings(pg_settings: Settings, tmp_path: Path) -> Settings:
    """The test database, with workflow files naming the referral fields `provider`, `kind`."""
    folder = workflows_naming_referrals(tmp_path / "workflows", "provider", "kind")
    return pg_settings.model_copy(update={"workflows_dir": folder})


def test_the_named_agency_accepts_and_assists(client: TestClient, callers: Callers) -> None:
    case_id, version = case_in(client, callers, "application_registered")
    shelter = callers["shelter"]

    sent = send_referral(client, callers["lsa"], case_id, version, "shelter-kyiv", "shelter")
    assert sent.status_code == 201, sent.text
    accepted = referral_step(client, shelter, case_id, "r1", "accept", version + 1)
    assert accepted.status_code == 200, accepted.text
    delivered = referral_step(client, shelter, case_id, "r1", "deliver_assistance", version + 2)
    assert delivered.status_code == 200, delivered.text

    case = client.get(f"/api/cases/{case_id}", headers=shelter.auth).json()
    (referral,) = case["referrals"]
    assert (referral["agency"], referral["service"], referral["state"]) == (
        "shelter-kyiv",
        "shelter",
        "delivered",  # since ukraine-nrm 4: assistance delivered, feedback may follow
    )
    assert referral["data"]["provider"] == "shelter-kyiv"
    assert [s["name"] for s in referral["steps"]] == [
        "ReferralSent",
        "ReferralAccepted",
        "AssistanceDelivered",
    ]
