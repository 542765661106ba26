"""Quality of assistance through the API on PostgreSQL: an outcome at closure, a follow-up a
quarter later and the person's feedback on a service are recorded as steps, and the `quality`
report counts a planted data set with known figures exactly for a statistician (the report made
official here) and protected for an analyst."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from referral_engine.bootstrap import Runtime
from referral_engine.config import Settings
from referral_engine.domain.reporting import OUTCOMES, RATINGS
from tests.e2e.conftest import (
    Callers,
    assert_problem,
    case_in,
    referral_step,
    send_referral,
    take_step,
)
from tests.e2e.test_api_reports import SCREENER, figures_of
from tests.factories import (
    CLINIC,
    LSA,
    SHELTER,
    SUPERVISOR,
    FixedClock,
    data_for,
    path_to,
    step,
)
from tests.factories import referral_step as engine_referral_step
from tests.factories import send_referral as engine_send_referral

PERIOD = {"from": "2025-01-01", "to": "2025-12-31"}


@pytest.fixture
def pg_settings(pg_settings: Settings) -> Settings:
    """`quality` is not official by default; here it is, so a statistician reads it exactly."""
    official = [*pg_settings.official_reports, "quality"]
    return pg_settings.model_copy(update={"official_reports": official})


def test_outcome_follow_up_and_feedback_are_recorded_through_the_api(
    pg_runtime: Runtime, clock: FixedClock, client: TestClient, callers: Callers
) -> None:
    case_id, version = case_in(client, callers, "application_registered")
    sent = send_referral(client, callers["lsa"], case_id, version)
    assert sent.status_code == 201, sent.text
    referral_id, version = sent.json()["referral_id"], sent.json()["version"]
    shelter, lsa = callers["shelter"], callers["lsa"]

    def on_referral(caller: Any, trigger: str, data: dict[str, Any] | None = None) -> Any:
        nonlocal version
        response = referral_step(client, caller, case_id, referral_id, trigger, version, data)
        if response.status_code == 200:
            version = response.json()["version"]
        return response

    rating = {"feedback_rating": "good", "feedback_given_by": "person"}
    assert on_referral(shelter, "accept").status_code == 200
    assert_problem(on_referral(lsa, "record_feedback", rating), 409, "illegal-transition")
    assert on_referral(shelter, "deliver_assistance").status_code == 200
    assert_problem(on_referral(shelter, "record_feedback", rating), 403, "forbidden-role")
    free_text = {**rating, "feedback_rating": "brilliant"}
    assert_problem(on_referral(lsa, "record_feedback", free_text), 422, "validation")
    recorded = on_referral(lsa, "record_feedback", {**rating, "feedback_reasons": ["timely"]})
    assert recorded.status_code == 200, recorded.text
    assert on_referral(shelter, "complete").status_code == 200
    assert on_referral(lsa, "record_feedback", rating).status_code == 200

    supervisor = callers["supervisor"]
    reason = {"closure_reason": "assistance_completed"}
    missing = take_step(client, supervisor, case_id, "close_case", version, reason)
    assert "closure_outcome" in assert_problem(missing, 422, "validation")["detail"]
    closing = {**reason, "closure_outcome": "employed"}
    closed = take_step(client, supervisor, case_id, "close_case", version, closing)
    assert closed.status_code == 200, closed.text
    version = closed.json()["version"]
    follow_up = {"follow_up_outcome": "living_independently"}
    early = take_step(client, lsa, case_id, "record_follow_up", version, follow_up)
    assert_problem(early, 409, "too-early")
    clock.advance(days=90)
    later = take_step(client, lsa, case_id, "record_follow_up", version, follow_up)
    assert later.status_code == 200, later.text

    pg_runtime.projections.catch_up()
    year = {"from": f"{clock.now.year}-01-01", "to": clock.now.date().isoformat()}
    params = {**year, "by": "outcome"}
    response = client.get(
        "/api/reports/quality", params=params, headers=callers["statistician"].auth
    )
    assert response.status_code == 200, response.text
    shown = figures_of(response.json())
    assert shown["closure_outcomes"][("employed",)] == 1
    assert shown["follow_up_outcomes"][("living_independently",)] == 1
    ratings = client.get(
        "/api/reports/quality",
        params={**year, "by": "rating"},
        headers=callers["statistician"].auth,
    )
    assert figures_of(ratings.json())["feedback_ratings"][("good",)] == 2


@dataclass
class Plan:
    """What the planted cases must be counted as."""

    answers: dict[str, list[bool]] = field(default_factory=dict)  # agency -> accepted?
    ratings: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    assisted: int = 0
    with_feedback: int = 0
    closures: Counter[str] = field(default_factory=Counter)
    follow_ups: Counter[str] = field(default_factory=Counter)


def plant(runtime: Runtime, clock: FixedClock) -> Plan:
    """Twelve cases of 2025: referred to a shelter or a clinic, answered two days later (the
    clinic rejects every other one), assisted, rated, closed and half of them followed up."""
    engine, plan = runtime.engine, Plan()
    workflow = engine.workflows.get("ukraine-nrm")
    for i in range(12):
        clock.now = datetime(2025, 3, 1 + i, 9, tzinfo=UTC)
        region = "UA-46" if i % 3 == 0 else "UA-32"
        opening = data_for(workflow.opening, seed=i, is_child=False)
        case_id = engine.open_case("ukraine-nrm", region, opening, actor=SCREENER).case_id
        step(engine, case_id, "record_consent", actor=LSA)
        for trigger in path_to(workflow, "application_registered"):
            step(engine, case_id, trigger)
        agency, service, actor = (
            ("shelter-kyiv", "shelter", SHELTER)
            if i % 2 == 0
            else ("clinic-kyiv", "medical", CLINIC)
        )
        clock.advance(days=1)
        referral_id = engine_send_referral(engine, case_id, agency, service).referral_id
        assert referral_id is not None
        clock.advance(days=2)
        accepted = i % 4 != 3
        engine_referral_step(
            engine, case_id, referral_id, "accept" if accepted else "reject", actor
        )
        plan.answers.setdefault(agency, []).append(accepted)
        if accepted:
            _assist_and_rate(engine, clock, plan, case_id, referral_id, actor, i)
        clock.advance(days=5)
        outcome = OUTCOMES[i % 4]
        close = {"closure_reason": "assistance_completed", "closure_outcome": outcome}
        step(engine, case_id, "close_case", actor=SUPERVISOR, data=close)
        plan.closures[outcome] += 1
        if i % 2 == 0:
            clock.advance(days=90)
            step(
                engine,
                case_id,
                "record_follow_up",
                actor=LSA,
                data={"follow_up_outcome": "employed"},
            )
            plan.follow_ups["employed"] += 1
    clock.now = datetime(2026, 3, 2, 9, tzinfo=UTC)
    runtime.projections.catch_up()
    return plan


def _assist_and_rate(
    engine: Any, clock: FixedClock, plan: Plan, case_id: Any, referral_id: str, actor: Any, i: int
) -> None:
    """Assistance delivered; rated while delivered (two in three), completed, and rated again
    at the end (every other one)."""
    clock.advance(days=1)
    engine_referral_step(engine, case_id, referral_id, "deliver_assistance", actor)
    plan.assisted += 1
    rated = False
    if i % 3 != 2:
        reasons = ["timely"] if i % 5 > 2 else ["delayed", "hard_to_reach"]
        rated = _rate(engine, clock, plan, case_id, referral_id, RATINGS[i % 5], reasons)
    engine_referral_step(engine, case_id, referral_id, "complete", actor)
    if i % 2 == 0:
        reasons = ["met_needs", "respectful"]
        rated = _rate(engine, clock, plan, case_id, referral_id, "very_good", reasons)
    plan.with_feedback += rated


def _rate(
    engine: Any,
    clock: FixedClock,
    plan: Plan,
    case_id: Any,
    referral_id: str,
    rating: str,
    reasons: list[str],
) -> bool:
    clock.advance(days=1)
    engine_referral_step(
        engine,
        case_id,
        referral_id,
        "record_feedback",
        LSA,
        feedback_rating=rating,
        feedback_reasons=reasons,
        feedback_given_by="person",
    )
    plan.ratings[rating] += 1
    plan.reasons.update(reasons)
    return True


def test_the_quality_report_counts_a_planted_set_exactly_and_protects_it(
    pg_runtime: Runtime, clock: FixedClock, client: TestClient, callers: Callers
) -> None:
    """Planted once, read in every shape the report's new measures are cut by."""
    plan = plant(pg_runtime, clock)
    statistician = callers["statistician"]

    def exact(by: str) -> dict[str, dict[tuple[str, ...], Any]]:
        response = client.get(
            "/api/reports/quality", params={**PERIOD, "by": by}, headers=statistician.auth
        )
        assert response.status_code == 200, response.text
        assert response.json()["exact"] is True
        return figures_of(response.json())

    by_agency = exact("agency")
    for agency, answers in plan.answers.items():
        share = round(100 * sum(answers) / len(answers), 1)
        assert by_agency["acceptance_rate"][(agency,)] == share
    every = [a for answers in plan.answers.values() for a in answers]
    assert by_agency["acceptance_rate"][("total",)] == round(100 * sum(every) / len(every), 1)
    assert by_agency["days_to_answer"][("total",)] == statistics.median([2] * len(every))
    share = round(100 * plan.with_feedback / plan.assisted, 1)
    assert by_agency["feedback_share"][("total",)] == share
    assert by_agency["referrals_sent"][("total",)] == 12

    def counted(shown: dict[tuple[str, ...], Any]) -> dict[str, Any]:
        return {k[0]: v for k, v in shown.items() if v and k[0] != "total"}

    assert counted(exact("rating")["feedback_ratings"]) == dict(plan.ratings)
    assert counted(exact("reason")["feedback_reasons"]) == dict(plan.reasons)
    by_outcome = exact("outcome")
    assert counted(by_outcome["closure_outcomes"]) == dict(plan.closures)
    assert counted(by_outcome["follow_up_outcomes"]) == dict(plan.follow_ups)
    assert by_outcome["closure_outcomes"][("total",)] == 12

    k = pg_runtime.settings.suppression_k
    for by in ("outcome", "agency", "rating"):
        response = client.get(
            "/api/reports/quality", params={**PERIOD, "by": by}, headers=callers["analyst"].auth
        )
        body = response.json()
        assert body["exact"] is False and body["k"] == k
        for table in body["tables"]:
            for figure in table["figures"]:
                if figure["suppressed"]:
                    assert figure["value"] is None
                elif table["measure"] in ("closure_outcomes", "feedback_ratings"):
                    assert figure["value"] == 0 or figure["value"] >= k, (by, table, figure)
    # three closures of each outcome: each hidden from the analyst, the total shown
    protected = client.get(
        "/api/reports/quality", params={**PERIOD, "by": "outcome"}, headers=callers["analyst"].auth
    )
    closures = next(t for t in protected.json()["tables"] if t["measure"] == "closure_outcomes")
    assert all(f["suppressed"] for f in closures["figures"] if f["row"] != "total")
