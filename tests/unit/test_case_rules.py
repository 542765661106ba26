"""Engine rules on the in-memory store: concurrency, retries, stated times, deadlines, the past."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from referral_engine.application.engine import Engine
from referral_engine.domain.commands import Actor
from referral_engine.domain.errors import (
    CaseNotFound,
    DomainError,
    FieldProblem,
    IdempotencyKeyReused,
    IllegalTransition,
    InvalidData,
    VersionConflict,
)
from referral_engine.domain.views import CaseView
from tests.factories import (
    ACTORS_BY_ROLE,
    CLINIC,
    LSA,
    POLICE,
    REGION,
    SCREENER,
    SHELTER,
    START,
    SUPERVISOR,
    UKRAINE,
    FixedClock,
    case_in,
    data_for,
    dated,
    engine_on_version,
    open_case,
    referral_step,
    send_referral,
    step,
    ukraine,
)

WORKFLOW = ukraine()
assert WORKFLOW.referrals is not None
SEND = WORKFLOW.referrals.send
SPECS = {spec.trigger: spec for spec in WORKFLOW.transitions}
CONSENT = SPECS["record_consent"]
FRIDAY = datetime(2026, 3, 6, 9, 0, tzinfo=START.tzinfo)


def version_of(engine: Engine, case_id: UUID) -> int:
    return engine.case(case_id).version


def record_consent(engine: Engine, case_id: UUID, actor: Actor = LSA, **kwargs: Any) -> Any:
    """Record consent (a step legal in every open state) at the case's current version."""
    kwargs.setdefault("expected_version", version_of(engine, case_id))
    data = data_for(CONSENT, facts=dated(engine, case_id, kwargs.get("occurred_at")))
    return engine.take_step(case_id, "record_consent", data, actor=actor, **kwargs)


def deadlines(engine: Engine, case_id: UUID) -> list[tuple[str, str | None, date]]:
    return [(d.name, d.referral_id, d.due_on) for d in engine.case(case_id).deadlines]


# -- concurrency -----------------------------------------------------------------------------------


def test_a_step_decided_on_a_stale_version_is_a_conflict(engine: Engine) -> None:
    case_id = case_in(engine, "application_registered")
    current = version_of(engine, case_id)

    with pytest.raises(VersionConflict) as conflict:
        record_consent(engine, case_id, expected_version=current - 1)

    assert (conflict.value.expected, conflict.value.current) == (current - 1, current)
    assert version_of(engine, case_id) == current


def test_a_step_decided_on_a_version_from_the_future_is_a_conflict(engine: Engine) -> None:
    case_id = case_in(engine, "screened")

    with pytest.raises(VersionConflict) as conflict:
        record_consent(engine, case_id, expected_version=99)

    assert conflict.value.current == 2
    assert version_of(engine, case_id) == 2


def test_a_referral_sent_on_a_stale_version_is_a_conflict(engine: Engine) -> None:
    case_id = case_in(engine, "application_registered")
    current = version_of(engine, case_id)

    with pytest.raises(VersionConflict) as conflict:
        engine.send_referral(case_id, data_for(SEND), actor=LSA, expected_version=current - 1)

    assert conflict.value.current == current
    assert engine.case(case_id).referrals == ()


def test_a_referral_step_on_a_stale_version_is_a_conflict(engine: Engine) -> None:
    case_id = case_in(engine, "application_registered")
    sent = send_referral(engine, case_id)

    with pytest.raises(VersionConflict):
        engine.take_referral_step(
            case_id, "r1", "accept", {}, actor=SHELTER, expected_version=sent.version - 1
        )

    assert engine.case(case_id).referrals[0].state == "sent"


# -- idempotency -----------------------------------------------------------------------------------


def test_a_retried_step_returns_the_first_result_and_writes_nothing(engine: Engine) -> None:
    case_id = case_in(engine, "screened", consent=False)
    first = record_consent(engine, case_id, idempotency_key="consent-1", expected_version=1)

    retry = record_consent(engine, case_id, idempotency_key="consent-1", expected_version=1)

    assert retry == replace(first, replayed=True)
    assert first.replayed is False
    assert version_of(engine, case_id) == first.version == 2


def test_a_retry_after_the_case_moved_on_still_returns_the_first_result(engine: Engine) -> None:
    case_id = case_in(engine, "screened")
    first = step(engine, case_id, "register_application", idempotency_key="reg-1")
    step(engine, case_id, "conduct_interview")

    retry = engine.take_step(
        case_id,
        "register_application",
        data_for(SPECS["register_application"]),
        actor=LSA,
        expected_version=first.version - 1,
        idempotency_key="reg-1",
    )

    assert (retry.version, retry.state, retry.replayed) == (first.version, first.state, True)
    assert engine.case(case_id).state == "interviewed"
    assert version_of(engine, case_id) == first.version + 1


def test_a_key_reused_for_another_request_is_refused(engine: Engine) -> None:
    case_id = case_in(engine, "screened", consent=False)
    record_consent(engine, case_id, idempotency_key="k1")

    with pytest.raises(IdempotencyKeyReused) as refused:
        engine.take_step(
            case_id,
            "record_consent",
            data_for(CONSENT, given_by="legal_representative"),
            actor=LSA,
            expected_version=1,
            idempotency_key="k1",
        )

    assert refused.value.key == "k1"
    assert version_of(engine, case_id) == 2


def test_a_key_reused_for_another_kind_of_command_is_refused(engine: Engine) -> None:
    case_id = case_in(engine, "application_registered")
    version = version_of(engine, case_id)
    record_consent(engine, case_id, idempotency_key="k1")

    with pytest.raises(IdempotencyKeyReused):
        engine.send_referral(
            case_id, data_for(SEND), actor=LSA, expected_version=version + 1, idempotency_key="k1"
        )

    assert version_of(engine, case_id) == version + 1


def test_idempotency_keys_belong_to_the_user_who_sent_them(engine: Engine) -> None:
    case_id = case_in(engine, "screened", consent=False)
    colleague = Actor("taras.lsa", LSA.role, LSA.agency)
    mine = record_consent(engine, case_id, idempotency_key="k1")

    theirs = record_consent(engine, case_id, actor=colleague, idempotency_key="k1")

    assert theirs.replayed is False
    assert theirs.version == mine.version + 1
    assert version_of(engine, case_id) == 3


def test_a_retried_referral_step_returns_the_first_result(engine: Engine) -> None:
    case_id = case_in(engine, "application_registered")
    sent = send_referral(engine, case_id)
    accept = {"actor": SHELTER, "expected_version": sent.version, "idempotency_key": "acc-1"}
    first = engine.take_referral_step(case_id, "r1", "accept", {}, **accept)

    retry = engine.take_referral_step(case_id, "r1", "accept", {}, **accept)

    assert retry == replace(first, replayed=True)
    assert version_of(engine, case_id) == first.version


def test_a_referral_step_key_reused_with_another_stated_time_is_refused(engine: Engine) -> None:
    case_id = case_in(engine, "application_registered")
    sent = send_referral(engine, case_id)
    accept = {"actor": SHELTER, "expected_version": sent.version, "idempotency_key": "acc-1"}
    engine.take_referral_step(case_id, "r1", "accept", {}, occurred_at=START, **accept)

    with pytest.raises(IdempotencyKeyReused):
        engine.take_referral_step(
            case_id, "r1", "accept", {}, occurred_at=START - timedelta(minutes=1), **accept
        )


def test_a_step_key_reused_with_another_stated_time_is_refused(engine: Engine) -> None:
    case_id = case_in(engine, "screened", consent=False)
    record_consent(engine, case_id, idempotency_key="k1", occurred_at=START)

    with pytest.raises(IdempotencyKeyReused):
        record_consent(
            engine,
            case_id,
            idempotency_key="k1",
            expected_version=1,
            occurred_at=START - timedelta(minutes=1),
        )


def test_a_retried_opening_returns_the_same_case_and_opens_no_other(engine: Engine) -> None:
    data = data_for(WORKFLOW.opening)
    first = engine.open_case(UKRAINE, REGION, data, actor=SCREENER, idempotency_key="open-1")

    retry = engine.open_case(UKRAINE, REGION, data, actor=SCREENER, idempotency_key="open-1")

    assert retry == replace(first, replayed=True)
    assert len(engine.history(first.case_id)) == 1


def test_an_opening_key_reused_for_another_person_is_refused(engine: Engine) -> None:
    engine.open_case(
        UKRAINE, REGION, data_for(WORKFLOW.opening), actor=SCREENER, idempotency_key="open-1"
    )

    with pytest.raises(IdempotencyKeyReused):
        engine.open_case(
            UKRAINE,
            REGION,
            data_for(WORKFLOW.opening, seed=2, person_name="Another Person (synthetic)"),
            actor=SCREENER,
            idempotency_key="open-1",
        )


def test_the_same_opening_key_from_two_users_opens_two_cases(engine: Engine) -> None:
    data = data_for(WORKFLOW.opening)
    colleague = Actor("iryna.ngo", SCREENER.role, SCREENER.agency)

    mine = engine.open_case(UKRAINE, REGION, data, actor=SCREENER, idempotency_key="open-1")
    theirs = engine.open_case(UKRAINE, REGION, data, actor=colleague, idempotency_key="open-1")

    assert theirs.case_id != mine.case_id
    assert theirs.replayed is False


# -- stated times ----------------------------------------------------------------------------------


def test_a_step_stated_to_happen_in_the_future_is_refused(
    engine: Engine, clock: FixedClock
) -> None:
    case_id = case_in(engine, "screened", consent=False)

    with pytest.raises(InvalidData) as refused:
        record_consent(engine, case_id, occurred_at=clock.now + timedelta(hours=1))

    assert [p.path for p in refused.value.problems] == ["occurred_at"]
    assert version_of(engine, case_id) == 1


def test_a_step_stated_a_minute_ahead_is_accepted_as_clock_skew(
    engine: Engine, clock: FixedClock
) -> None:
    case_id = case_in(engine, "screened", consent=False)

    record_consent(engine, case_id, occurred_at=clock.now + timedelta(minutes=1))

    assert engine.history(case_id)[-1].occurred_at == clock.now + timedelta(minutes=1)


def test_a_case_stated_to_open_in_the_future_is_refused(engine: Engine, clock: FixedClock) -> None:
    with pytest.raises(InvalidData) as refused:
        engine.open_case(
            UKRAINE,
            REGION,
            data_for(WORKFLOW.opening),
            actor=SCREENER,
            occurred_at=clock.now + timedelta(days=1),
        )

    assert [p.path for p in refused.value.problems] == ["occurred_at"]


def test_a_step_stated_before_the_case_began_is_refused(engine: Engine, clock: FixedClock) -> None:
    began = clock.now - timedelta(days=2)
    opened = engine.open_case(
        UKRAINE, REGION, data_for(WORKFLOW.opening), actor=SCREENER, occurred_at=began
    )

    with pytest.raises(InvalidData) as refused:
        record_consent(engine, opened.case_id, occurred_at=began - timedelta(seconds=1))

    assert [p.path for p in refused.value.problems] == ["occurred_at"]
    assert version_of(engine, opened.case_id) == 1


def test_a_step_may_be_stated_at_the_moment_the_case_began(
    engine: Engine, clock: FixedClock
) -> None:
    began = clock.now - timedelta(days=2)
    opened = engine.open_case(
        UKRAINE, REGION, data_for(WORKFLOW.opening), actor=SCREENER, occurred_at=began
    )

    record_consent(engine, opened.case_id, occurred_at=began)

    assert engine.history(opened.case_id)[-1].occurred_at == began


def test_a_stated_time_without_a_time_zone_is_refused(engine: Engine) -> None:
    case_id = case_in(engine, "screened", consent=False)

    with pytest.raises(InvalidData) as refused:
        record_consent(engine, case_id, occurred_at=datetime(2026, 3, 2, 8, 0))

    assert refused.value.problems == (FieldProblem("occurred_at", "must include a time zone"),)
    assert version_of(engine, case_id) == 1


def test_a_case_opened_with_a_time_without_a_time_zone_is_refused(engine: Engine) -> None:
    with pytest.raises(InvalidData):
        engine.open_case(
            UKRAINE,
            REGION,
            data_for(WORKFLOW.opening),
            actor=SCREENER,
            occurred_at=datetime(2026, 3, 2, 8, 0),
        )


@pytest.mark.parametrize("region", ["", "   ", "x" * 101])
def test_a_case_needs_a_sensible_region(engine: Engine, region: str) -> None:
    with pytest.raises(InvalidData) as refused:
        open_case(engine, region=region)

    assert [p.path for p in refused.value.problems] == ["region"]


# -- deadlines -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("registered_on", "due_on"),
    [
        pytest.param(date(2026, 3, 2), date(2026, 3, 5), id="monday-to-thursday"),
        pytest.param(date(2026, 3, 6), date(2026, 3, 11), id="friday-to-wednesday"),
    ],
)
def test_registering_the_application_starts_the_interview_clock_of_three_working_days(
    engine: Engine, clock: FixedClock, registered_on: date, due_on: date
) -> None:
    case_id = case_in(engine, "screened")
    clock.advance(days=(registered_on - clock.now.date()).days)

    step(engine, case_id, "register_application")

    (interview,) = engine.case(case_id).deadlines
    assert (interview.name, interview.started_on, interview.due_on) == (
        "interview",
        registered_on,
        due_on,
    )
    assert interview.service_target is True


def test_a_backdated_registration_counts_from_the_day_it_happened(
    engine: Engine, clock: FixedClock
) -> None:
    clock.advance(days=7)  # everything is recorded on the Monday after
    adult = data_for(WORKFLOW.opening, is_child=False)  # a child's plan has a clock of its own
    opened = engine.open_case(UKRAINE, REGION, adult, actor=SCREENER, occurred_at=FRIDAY)
    record_consent(engine, opened.case_id, occurred_at=FRIDAY)

    step(engine, opened.case_id, "register_application", occurred_at=FRIDAY)

    assert deadlines(engine, opened.case_id) == [("interview", None, date(2026, 3, 11))]


def test_conducting_the_interview_stops_the_interview_clock(engine: Engine) -> None:
    engine = engine_on_version(engine, UKRAINE, 5)  # version 6 starts the legal month then
    case_id = case_in(engine, "application_registered")

    step(engine, case_id, "conduct_interview")

    assert deadlines(engine, case_id) == []


def test_a_missed_deadline_shows_as_overdue(engine: Engine, clock: FixedClock) -> None:
    case_id = case_in(engine, "application_registered")  # interview due Thursday 5 March
    clock.advance(days=4)  # Friday 6 March

    (interview,) = engine.case(case_id).deadlines

    assert (interview.overdue, interview.days_left) == (True, -1)


def test_closing_the_case_stops_every_clock(engine: Engine) -> None:
    case_id = case_in(engine, "application_registered")
    send_referral(engine, case_id)
    assert {d[0] for d in deadlines(engine, case_id)} == {"interview", "referral_response"}

    step(engine, case_id, "close_case")

    assert deadlines(engine, case_id) == []


def test_each_referral_has_its_own_response_clock(engine: Engine) -> None:
    engine = engine_on_version(engine, UKRAINE, 5)  # version 6 adds the interview's legal month
    case_id = case_in(engine, "interviewed")

    send_referral(engine, case_id, agency="shelter-kyiv", service="shelter")
    send_referral(engine, case_id, agency="clinic-kyiv", service="medical")

    assert deadlines(engine, case_id) == [
        ("referral_response", "r1", date(2026, 3, 5)),
        ("referral_response", "r2", date(2026, 3, 5)),
    ]


def test_accepting_one_referral_stops_only_its_own_response_clock(engine: Engine) -> None:
    engine = engine_on_version(engine, UKRAINE, 5)  # version 6 starts the shelter's 3 months
    case_id = case_in(engine, "application_registered")
    send_referral(engine, case_id, agency="shelter-kyiv", service="shelter")
    send_referral(engine, case_id, agency="clinic-kyiv", service="medical")

    referral_step(engine, case_id, "r1", "accept", actor=SHELTER)

    assert [(name, rid) for name, rid, _ in deadlines(engine, case_id)] == [
        ("interview", None),
        ("referral_response", "r2"),
    ]


# -- the past --------------------------------------------------------------------------------------


def walk_recording_views(engine: Engine, clock: FixedClock) -> tuple[UUID, list[CaseView]]:
    """A case moved one command an hour, with what a reader saw right after each command."""
    case_id = open_case(engine).case_id
    commands = [
        lambda: step(engine, case_id, "record_consent", actor=LSA),
        lambda: step(engine, case_id, "register_application"),
        lambda: send_referral(engine, case_id),
        lambda: referral_step(engine, case_id, "r1", "accept"),
        lambda: step(engine, case_id, "conduct_interview"),
        lambda: referral_step(engine, case_id, "r1", "deliver_assistance"),
        lambda: step(engine, case_id, "withdraw_consent", actor=LSA),
        lambda: step(engine, case_id, "close_case"),
    ]
    views = [engine.case(case_id)]
    for command in commands:
        clock.advance(hours=1)
        command()
        views.append(engine.case(case_id))
    return case_id, views


def test_the_case_at_each_version_is_what_was_seen_then(engine: Engine, clock: FixedClock) -> None:
    case_id, views = walk_recording_views(engine, clock)

    replayed = [engine.case_at_version(case_id, v) for v in range(1, len(views) + 1)]

    assert replayed == views


@pytest.mark.parametrize("version", [0, 10])
def test_a_version_the_case_never_had_is_refused(
    engine: Engine, clock: FixedClock, version: int
) -> None:
    case_id, _ = walk_recording_views(engine, clock)  # nine versions

    with pytest.raises(InvalidData) as refused:
        engine.case_at_version(case_id, version)

    assert [p.path for p in refused.value.problems] == ["version"]


def test_the_case_as_of_a_time_is_what_was_known_then(engine: Engine, clock: FixedClock) -> None:
    case_id, views = walk_recording_views(engine, clock)

    half_hour_later = [
        engine.case_as_of(case_id, v.recorded_at + timedelta(minutes=30)) for v in views
    ]
    at_the_moment = [engine.case_as_of(case_id, v.recorded_at) for v in views]

    assert half_hour_later == views
    assert at_the_moment == views


def test_the_case_as_of_a_time_before_it_existed_is_not_found(
    engine: Engine, clock: FixedClock
) -> None:
    case_id, _ = walk_recording_views(engine, clock)

    with pytest.raises(CaseNotFound):
        engine.case_as_of(case_id, START - timedelta(seconds=1))


def test_the_case_as_of_a_time_without_a_time_zone_is_refused(
    engine: Engine, clock: FixedClock
) -> None:
    case_id, _ = walk_recording_views(engine, clock)

    with pytest.raises(InvalidData):
        engine.case_as_of(case_id, datetime(2026, 3, 2, 12, 0))


def test_an_unknown_case_is_not_found(engine: Engine) -> None:
    unknown = uuid4()

    for query in (engine.case, engine.history, lambda c: engine.case_at_version(c, 1)):
        with pytest.raises(CaseNotFound):
            query(unknown)


def test_history_lists_every_event_with_who_did_what_and_when(
    engine: Engine, clock: FixedClock
) -> None:
    began = clock.now - timedelta(days=2)
    opened = engine.open_case(
        UKRAINE, REGION, data_for(WORKFLOW.opening), actor=SCREENER, occurred_at=began
    )
    clock.advance(hours=1)
    record_consent(engine, opened.case_id, occurred_at=began + timedelta(hours=2))
    clock.advance(hours=1)
    step(engine, opened.case_id, "register_application")
    clock.advance(hours=1)
    send_referral(engine, opened.case_id)

    history = engine.history(opened.case_id)

    assert [
        (h.version, h.event, h.trigger, h.referral_id, h.from_state, h.to_state) for h in history
    ] == [
        (1, "PersonScreened", None, None, None, "screened"),
        (2, "ConsentRecorded", "record_consent", None, "screened", "screened"),
        (
            3,
            "StatusApplicationRegistered",
            "register_application",
            None,
            "screened",
            "application_registered",
        ),
        (4, "ReferralSent", "send_referral", "r1", None, "sent"),
    ]
    assert [h.actor for h in history] == [a.as_dict() for a in (SCREENER, LSA, LSA, LSA)]
    assert [h.occurred_at for h in history] == [
        began,
        began + timedelta(hours=2),
        START + timedelta(hours=2),
        START + timedelta(hours=3),
    ]
    assert [h.recorded_at for h in history] == [START + timedelta(hours=h) for h in range(4)]


# -- allowed steps ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actor", "expected"),
    [
        pytest.param(
            LSA,
            {
                "record_consent",
                "withdraw_consent",
                "conduct_interview",
                "waive_interview",
                "record_reportable_facts",
                "send_referral",
                "revoke",
            },
            id="lsa_official",
        ),
        pytest.param(
            SUPERVISOR,
            {"withdraw_consent", "override_consent", "close_case", "send_referral", "revoke"},
            id="supervisor",
        ),
        pytest.param(
            ACTORS_BY_ROLE["nrm_actor"],
            {
                "record_consent",
                "withdraw_consent",
                "record_reportable_facts",
                "send_referral",
                "revoke",
            },
            id="nrm_actor",
        ),
        pytest.param(POLICE, set(), id="police"),
        pytest.param(ACTORS_BY_ROLE["decision_maker"], set(), id="decision_maker"),
        pytest.param(SHELTER, {"accept", "reject"}, id="receiving-service-provider"),
        pytest.param(CLINIC, set(), id="other-service-provider"),
    ],
)
def test_a_reader_is_offered_exactly_the_steps_their_role_may_take_now(
    engine: Engine, actor: Actor, expected: set[str]
) -> None:
    case_id = case_in(engine, "application_registered")
    send_referral(engine, case_id, agency=SHELTER.agency)

    offered = {s.trigger for s in engine.case(case_id, reader=actor).allowed_steps}

    assert offered == expected


def test_a_reader_is_not_offered_a_referral_without_consent(engine: Engine) -> None:
    case_id = case_in(engine, "application_registered")
    step(engine, case_id, "withdraw_consent", actor=LSA)

    offered = {s.trigger for s in engine.case(case_id, reader=LSA).allowed_steps}

    assert offered == {
        "record_consent",
        "withdraw_consent",
        "conduct_interview",
        "waive_interview",
        "record_reportable_facts",
    }


def try_step(engine: Engine, case_id: UUID, trigger: str, actor: Actor) -> bool:
    """Whether `actor` may take `trigger` on the case now (valid data, current version)."""
    spec = SPECS.get(trigger, SEND)
    version = version_of(engine, case_id)
    try:
        data = data_for(spec, facts=dated(engine, case_id))
        if spec is SEND:
            engine.send_referral(case_id, data, actor=actor, expected_version=version)
        else:
            engine.take_step(case_id, trigger, data, actor=actor, expected_version=version)
    except DomainError:
        return False
    return True


@pytest.mark.parametrize("state", list(WORKFLOW.states))
def test_the_steps_offered_in_each_state_are_the_steps_that_succeed(
    engine: Engine, state: str
) -> None:
    triggers = [*SPECS, SEND.trigger]
    case_id = case_in(engine, state)
    for actor in ACTORS_BY_ROLE.values():
        offered = {s.trigger for s in engine.case(case_id, reader=actor).allowed_steps}
        succeeded = set()
        for trigger in triggers:
            if try_step(engine, case_id, trigger, actor):
                succeeded.add(trigger)
                case_id = case_in(engine, state)  # start again from an untouched case
        assert offered == succeeded, actor.role


def test_referrals_do_not_move_while_the_case_is_closed(engine: Engine) -> None:
    case_id = case_in(engine, "application_registered")
    send_referral(engine, case_id)
    step(engine, case_id, "close_case", actor=SUPERVISOR)
    version = engine.case(case_id).version
    with pytest.raises(IllegalTransition) as refused:
        referral_step(engine, case_id, "r1", "accept")
    assert refused.value.state == "closed"
    assert engine.case(case_id).version == version
    assert engine.case(case_id, reader=SHELTER).allowed_steps == ()


def test_a_referral_sent_before_events_named_its_agency_replays_from_its_data(
    engine: Engine,
) -> None:
    """Version 1 of the step event left the agency and service in the send data only."""
    case_id = case_in(engine, "application_registered")
    send_referral(engine, case_id, agency="clinic-kyiv", service="medical")
    mapper = engine.store.mapper
    sent = list(engine.store.events.get(case_id))[-1]
    stored = mapper.to_stored_event(sent)
    state = mapper.transcoder.decode(stored.state)
    state.pop("backdating")  # version 3's
    assert (state.pop("class_version"), state.pop("agency"), state.pop("service")) == (
        3,
        "clinic-kyiv",
        "medical",
    )
    version_1 = replace(stored, state=mapper.transcoder.encode(state))

    replayed = mapper.to_domain_event(version_1)

    assert (replayed.agency, replayed.service) == ("clinic-kyiv", "medical")
    assert vars(replayed) == vars(sent)
