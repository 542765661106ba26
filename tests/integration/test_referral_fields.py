"""A workflow may name a referral's agency and service by send fields of its choosing
(`agency_field`, `service_field`): its referrals are answered by the agency so named, and the
read models count them by it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import pytest

from referral_engine.application.engine import Engine
from referral_engine.bootstrap import Runtime, build, build_in_memory
from referral_engine.config import Settings
from tests.factories import (
    LSA,
    SHELTER,
    UKRAINE,
    FixedClock,
    case_in,
    data_for,
    referral_step,
    with_synthetic_agencies,
    workflows_naming_referrals,
)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return workflows_naming_referrals(tmp_path / "workflows", "provider", "kind")


@pytest.fixture
def renamed_runtime(pg_settings: Settings, folder: Path, clock: FixedClock) -> Iterator[Runtime]:
    with build(pg_settings.model_copy(update={"workflows_dir": folder}), clock=clock) as runtime:
        with_synthetic_agencies(runtime.engine)
        yield runtime


def refer_to_the_shelter(engine: Engine) -> UUID:
    """A case referred to the Kyiv shelter, which accepts and delivers accommodation."""
    case_id = case_in(engine, "application_registered")
    send = engine.workflows.get(UKRAINE).referrals
    assert send is not None and send.agency_field == "provider"
    data = data_for(send.send, provider="shelter-kyiv", kind="shelter")
    assert "agency" not in data and "service" not in data
    version = engine.case(case_id).version
    sent = engine.send_referral(case_id, data, actor=LSA, expected_version=version)
    referral_step(engine, case_id, sent.referral_id or "", "accept", actor=SHELTER)
    referral_step(
        engine, case_id, "r1", "deliver_assistance", actor=SHELTER, assistance_type="accommodation"
    )
    return case_id


def test_the_named_agency_accepts_and_assists(folder: Path, clock: FixedClock) -> None:
    engine = with_synthetic_agencies(build_in_memory(Settings(workflows_dir=folder), clock=clock))
    case_id = refer_to_the_shelter(engine)

    (referral,) = engine.case(case_id).referrals
    assert (referral.agency, referral.service, referral.state) == (
        "shelter-kyiv",
        "shelter",
        "delivered",  # since ukraine-nrm 4: assistance delivered, feedback may follow
    )
    assert [s["name"] for s in referral.steps] == [
        "ReferralSent",
        "ReferralAccepted",
        "AssistanceDelivered",
    ]


def test_the_read_models_count_the_referral_by_the_named_agency(
    renamed_runtime: Runtime,
) -> None:
    refer_to_the_shelter(renamed_runtime.engine)
    renamed_runtime.projections.catch_up()

    today = renamed_runtime.engine.clock().date()
    params = {"region": None, "from": None, "to": None, "today": today}
    referrals = renamed_runtime.projections.query("referrals", "dashboard", params)
    assistance = renamed_runtime.projections.query("assistance", "dashboard", params)

    assert [(r["agency"], r["service"], r["sent"], r["accepted"]) for r in referrals] == [
        ("shelter-kyiv", "shelter", 1, 1)
    ]
    assert [(r["assistance_type"], r["deliveries"]) for r in assistance] == [("accommodation", 1)]
