"""Referrals judged on the agency registry kept in PostgreSQL: what another process records in
the registry counts at once in this one (the registry's cached list follows its log), and a
refused referral writes nothing."""

from __future__ import annotations

import pytest

from referral_engine.bootstrap import Runtime, build
from referral_engine.domain.agency_errors import AgreementMissing
from referral_engine.domain.commands import Actor
from tests.factories import REGION, FixedClock, case_in, send_referral

ADMIN = Actor("ops", "admin", "msp")


def test_an_agreement_recorded_by_another_process_counts_at_once(
    pg_runtime: Runtime, clock: FixedClock
) -> None:
    engine = pg_runtime.engine
    case_id = case_in(engine, "application_registered")
    names = {"en": "New Shelter (synthetic)"}
    pg_runtime.agencies.register("shelter-new", names, "ngo", ["shelter"], [REGION], actor=ADMIN)
    with pytest.raises(AgreementMissing):
        send_referral(engine, case_id, "shelter-new", "shelter")
    version = engine.case(case_id).version

    with build(pg_runtime.settings, clock=clock) as other:  # another API process, say
        agreement = {"id": "coop-1", "with_agency": "lsa-kyivska", "services": ["shelter"],
                     "signed_on": "2026-01-01", "reference": "Synthetic agreement 1"}  # fmt: skip
        other.agencies.record_agreement("shelter-new", agreement, actor=ADMIN)

    assert engine.case(case_id).version == version  # the refusal wrote nothing
    sent = send_referral(engine, case_id, "shelter-new", "shelter")
    assert (sent.event, engine.case(case_id).referrals[0].agency) == ("ReferralSent", "shelter-new")
