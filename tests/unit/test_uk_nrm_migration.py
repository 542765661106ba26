"""uk-nrm 3 -> 4: a dry run lists the open cases that would move and writes nothing; the run
moves them with one event each, their past replays as before, and they go on under version 4's
rules (a negative decision recorded under version 3 started no reconsideration window, so none
is held against it); cases in a final state stay on version 3."""

from __future__ import annotations

from uuid import UUID

from referral_engine.application.engine import Engine
from referral_engine.domain.commands import Actor
from tests.factories import FixedClock, data_for, dated, engine_on_version, path_to

ADMIN = Actor("ops", "admin", "operations")
FR = Actor("amy.police", "first_responder", "police-met")
CA = Actor("raj.sca", "competent_authority", "sca")
SP = Actor("lee.vcc", "support_provider", "vcc-london")
BY_ROLE = {a.role: a for a in (FR, CA, SP, Actor("kim", "supervisor", "sca"))}
OPEN = ("identified", "referred", "recovery_period", "rg_negative", "cg_negative", "closed")
FINAL = ("duty_to_notify", "withdrawn", "follow_up_ended")


def v3_case(v3: Engine, clock: FixedClock, state: str) -> UUID:
    """An adult's case walked to `state` under version 3, 50 days passing before each step."""
    workflow = v3.workflows.get("uk-nrm", 3)
    data = data_for(workflow.opening, is_child=False, first_responder_type="police")
    case_id = v3.open_case("uk-nrm", "GB-ENG", data, actor=FR).case_id
    for trigger in ["record_consent", *path_to(workflow, state)]:
        clock.advance(days=50)
        case = v3.case(case_id)
        spec = workflow.guard.step(case.state, trigger)
        assert spec is not None
        actor = BY_ROLE[sorted(spec.roles)[0]]
        data = data_for(spec, facts=dated(v3, case_id))
        v3.take_step(case_id, trigger, data, actor=actor, expected_version=case.version)
    return case_id


def test_open_cases_move_to_version_4_final_ones_stay_and_the_past_replays(
    engine: Engine, clock: FixedClock
) -> None:
    v3 = engine_on_version(engine, "uk-nrm", 3)
    cases = {state: v3_case(v3, clock, state) for state in OPEN + FINAL}
    before = {c: engine.case(c) for c in cases.values()}
    pasts = {
        c: [engine.case_at_version(c, v) for v in range(1, b.version + 1)]
        for c, b in before.items()
    }

    dry = engine.migrate_cases("uk-nrm", 3, 4, actor=ADMIN, dry_run=True)
    assert dry.dry_run and dry.refused == ()
    assert set(dry.moved) == {cases[s] for s in OPEN}
    assert set(dry.final) == {(cases[s], s) for s in FINAL}  # they cannot move: they stay
    assert {c: engine.case(c) for c in cases.values()} == before  # nothing written

    report = engine.migrate_cases("uk-nrm", 3, 4, actor=ADMIN)
    assert (set(report.moved), report.refused, report.final) == (set(dry.moved), (), dry.final)
    for state, case_id in cases.items():
        case = engine.case(case_id)
        moved = state in OPEN
        assert (case.workflow_version, case.state) == (4 if moved else 3, state)
        assert case.version == before[case_id].version + moved  # one event, or none
        past = [engine.case_at_version(case_id, v) for v in range(1, before[case_id].version + 1)]
        assert past == pasts[case_id]
    assert engine.migrate_cases("uk-nrm", 3, 4, actor=ADMIN).moved == ()  # done: nothing left


def test_a_migrated_case_goes_on_under_version_4(engine: Engine, clock: FixedClock) -> None:
    v3 = engine_on_version(engine, "uk-nrm", 3)
    rg_negative = v3_case(v3, clock, "rg_negative")
    recovering = v3_case(v3, clock, "recovery_period")
    held = {w.trigger: w.earliest_on for w in engine.case(recovering).not_yet_allowed}
    engine.migrate_cases("uk-nrm", 3, 4, actor=ADMIN)

    # decided under version 3: no window was started, so none is held against the case
    offered = {s.trigger for s in engine.case(rg_negative, reader=FR).allowed_steps}
    assert "request_rg_reconsideration" in offered
    offered = {s.trigger for s in engine.case(rg_negative, reader=CA).allowed_steps}
    assert {"close_after_negative_rg", "accept_late_rg_reconsideration"} <= offered
    # the recovery period it started runs on, and version 4's steps are open to it
    assert {w.trigger: w.earliest_on for w in engine.case(recovering).not_yet_allowed} == held
    version = engine.case(recovering).version
    body = {"disqualification_grounds": "bad_faith"}
    disqualified = engine.take_step(
        recovering, "disqualify", body, actor=CA, expected_version=version
    )
    assert disqualified.state == "disqualified"
