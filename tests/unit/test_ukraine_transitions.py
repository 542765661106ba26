"""Every step of the Ukraine NRM workflow, generated from the workflow file itself.

Each test opens its own case and walks it to the state it needs, so the tests stay independent
while sharing one engine (building an engine loads and validates every workflow file).
"""

from __future__ import annotations

from collections import deque
from typing import Any
from uuid import UUID

import pytest

from referral_engine.application.engine import Engine
from referral_engine.bootstrap import build_in_memory
from referral_engine.domain.commands import Actor
from referral_engine.domain.errors import (
    ConditionNotMet,
    FieldProblem,
    IllegalTransition,
    InvalidData,
    NotReceivingAgency,
    PreconditionMissing,
    ReferralNotFound,
    RoleNotAllowed,
)
from referral_engine.domain.fields import FieldSpec
from referral_engine.domain.workflow import PREVIOUS, TransitionSpec
from tests.factories import (
    ACTORS_BY_ROLE,
    CLINIC,
    LSA,
    SHELTER,
    SUPERVISOR,
    UKRAINE,
    FixedClock,
    born_aged,
    case_in,
    data_for,
    dated,
    failing,
    meeting,
    referable,
    referral_step,
    send_referral,
    step,
    today,
    ukraine,
    with_synthetic_agencies,
)

WORKFLOW = ukraine()
assert WORKFLOW.referrals is not None
REFERRALS = WORKFLOW.referrals
STATES = tuple(WORKFLOW.states)
ROLES = tuple(WORKFLOW.roles)
OPEN_STATES = tuple(s for s in STATES if s != "closed")
RECEIVING_AGENCY = SHELTER.agency  # factories.send_referral refers to the shelter by default


@pytest.fixture(scope="module")
def engine() -> Engine:
    """One in-memory engine for the module; every test opens a case of its own."""
    return with_synthetic_agencies(build_in_memory(clock=FixedClock()))


# -- helpers ---------------------------------------------------------------------------------------


def actor_as(role: str) -> Actor:
    """A user in `role`; the service provider works at the agency the referrals go to."""
    return SHELTER if role == "service_provider" else ACTORS_BY_ROLE[role]


def allowed_actor(spec: TransitionSpec) -> Actor:
    return actor_as(sorted(spec.roles)[0])


def version_of(engine: Engine, case_id: UUID) -> int:
    return engine.case(case_id).version


def fire(engine: Engine, case_id: UUID, spec: TransitionSpec, actor: Actor, **data: Any) -> Any:
    """Take a case-level step with valid data (plus `data` overrides) at the current version."""
    payload = data_for(spec, facts=dated(engine, case_id), **data)
    return engine.take_step(
        case_id, spec.trigger, payload, actor=actor, expected_version=version_of(engine, case_id)
    )


def fire_on_referral(
    engine: Engine, case_id: UUID, spec: TransitionSpec, actor: Actor, data: dict[str, Any]
) -> Any:
    return engine.take_referral_step(
        case_id, "r1", spec.trigger, data, actor=actor, expected_version=version_of(engine, case_id)
    )


def referral_path(state: str) -> list[TransitionSpec]:
    """The shortest list of referral steps from a freshly sent referral to `state`."""
    paths: dict[str, list[TransitionSpec]] = {REFERRALS.initial: []}
    queue = deque([REFERRALS.initial])
    while queue:
        current = queue.popleft()
        for spec in REFERRALS.guard.steps_from(current):
            if spec.dest is not None and spec.dest not in paths:
                paths[spec.dest] = [*paths[current], spec]
                queue.append(spec.dest)
    return paths[state]


def referral_in(engine: Engine, state: str) -> UUID:
    """A case (application registered, consent given) whose referral `r1` is in `state`."""
    case_id = case_in(engine, "application_registered")
    send_referral(engine, case_id)
    for spec in referral_path(state):
        referral_step(engine, case_id, "r1", spec.trigger, actor=allowed_actor(spec))
    return case_id


def referral_state(engine: Engine, case_id: UUID) -> str:
    return engine.case(case_id).referrals[0].state


def wrong_value(field: FieldSpec) -> object:
    """A value of the wrong type (or outside the declared values) for `field`."""
    return {
        "string": 42,
        "text": 42,
        "date": 20260302,
        "datetime": "2026-03-02T09:00:00",  # no time zone
        "int": "7",
        "bool": "yes",
        "enum": "not_a_declared_value",
        "enum_list": ["not_a_declared_value"],
        "country": "Ukraine",
        "agency": "Police of Kyiv Oblast",  # a name, not a registry id
    }[field.type]


def paths_of(error: InvalidData) -> set[str]:
    return {p.path for p in error.problems}


def _sources_by_trigger(specs: tuple[TransitionSpec, ...]) -> dict[str, set[str]]:
    sources: dict[str, set[str]] = {}
    for spec in specs:
        sources.setdefault(spec.trigger, set()).update(spec.sources)
    return sources


CASE_SOURCES = _sources_by_trigger(WORKFLOW.transitions)
CASE_SPECS = {spec.trigger: spec for spec in WORKFLOW.transitions}
REFERRAL_SOURCES = _sources_by_trigger(REFERRALS.transitions)
REFERRAL_SPECS = {spec.trigger: spec for spec in REFERRALS.transitions}

# A step held back by an earliest date (the follow-up, 90 days after closure) is refused on this
# module's fixed clock before its data is looked at: test_quality_rules.py moves the clock for it.
UNGUARDED = tuple(spec for spec in WORKFLOW.transitions if spec.not_before is None)

LEGAL_STEPS = [
    pytest.param(spec, source, role, id=f"{spec.trigger}-from-{source}-as-{role}")
    for spec in UNGUARDED
    for source in spec.sources
    for role in sorted(spec.roles)
]
ILLEGAL_STEPS = [
    pytest.param(trigger, state, id=f"{trigger}-from-{state}")
    for trigger, sources in CASE_SOURCES.items()
    for state in STATES
    if state not in sources
]
FORBIDDEN_ROLES = [
    pytest.param(spec, role, id=f"{spec.trigger}-as-{role}")
    for spec in UNGUARDED
    for role in ROLES
    if role not in spec.roles
]
REQUIRED_FIELDS = [
    pytest.param(spec, name, id=f"{spec.trigger}-without-{name}")
    for spec in UNGUARDED
    for name in spec.required_fields
]
ALL_FIELDS = [
    pytest.param(spec, field, id=f"{spec.trigger}-{field.name}-{field.type}")
    for spec in UNGUARDED
    for field in spec.fields
]


# -- case-level steps ------------------------------------------------------------------------------


@pytest.mark.parametrize(("spec", "source", "role"), LEGAL_STEPS)
def test_a_step_moves_the_case_to_its_destination(
    engine: Engine, spec: TransitionSpec, source: str, role: str
) -> None:
    case_id = case_in(engine, source, **meeting(spec))
    before = engine.case(case_id)
    entered_from = engine.history(case_id)[-1].from_state  # where `$previous` leads back to

    result = fire(engine, case_id, spec, actor_as(role))

    expected = {None: source, PREVIOUS: entered_from}.get(spec.dest, spec.dest)
    after = engine.case(case_id)
    assert after.state == result.state == expected
    assert after.version == result.version == before.version + 1
    assert result.event == spec.event


@pytest.mark.parametrize("state", OPEN_STATES)
def test_reopening_a_case_returns_it_to_the_state_it_was_closed_in(
    engine: Engine, state: str
) -> None:
    case_id = case_in(engine, state)
    step(engine, case_id, "close_case")
    assert engine.case(case_id).state == "closed"

    step(engine, case_id, "reopen_case")

    assert engine.case(case_id).state == state


@pytest.mark.parametrize(("trigger", "state"), ILLEGAL_STEPS)
def test_a_step_is_refused_from_every_other_state(engine: Engine, trigger: str, state: str) -> None:
    spec = CASE_SPECS[trigger]
    case_id = case_in(engine, state)
    version = version_of(engine, case_id)

    with pytest.raises(IllegalTransition) as refused:
        fire(engine, case_id, spec, allowed_actor(spec))

    assert refused.value.state == state
    assert refused.value.trigger == trigger
    assert f"'{state}'" in str(refused.value)
    assert version_of(engine, case_id) == version


@pytest.mark.parametrize(("spec", "role"), FORBIDDEN_ROLES)
def test_a_role_not_named_by_the_step_is_refused(
    engine: Engine, spec: TransitionSpec, role: str
) -> None:
    case_id = case_in(engine, spec.sources[0], **meeting(spec))
    version = version_of(engine, case_id)

    with pytest.raises(RoleNotAllowed) as refused:
        fire(engine, case_id, spec, actor_as(role))

    assert refused.value.role == role
    assert refused.value.allowed_roles == tuple(sorted(spec.roles))
    assert version_of(engine, case_id) == version


CONDITIONAL_STEPS = [
    pytest.param(spec, id=spec.trigger) for spec in WORKFLOW.transitions if spec.when
]


@pytest.mark.parametrize("spec", CONDITIONAL_STEPS)
def test_a_step_whose_condition_on_the_case_data_fails_is_refused_and_not_offered(
    engine: Engine, spec: TransitionSpec
) -> None:
    case_id = case_in(engine, spec.sources[0], **failing(spec))
    version = version_of(engine, case_id)
    offered = engine.case(case_id, reader=allowed_actor(spec)).allowed_steps

    with pytest.raises(ConditionNotMet) as refused:
        fire(engine, case_id, spec, allowed_actor(spec))

    assert refused.value.unmet == tuple(c.facts(today()) for c in spec.when)
    assert spec.trigger not in {s.trigger for s in offered}
    assert version_of(engine, case_id) == version


def test_only_a_child_under_14_may_have_the_interview_waived_for_being_a_child(
    engine: Engine,
) -> None:
    fourteen = case_in(engine, "application_registered", is_child=True, date_of_birth=born_aged(14))
    with pytest.raises(ConditionNotMet) as refused:
        step(engine, fourteen, "waive_interview_for_child", actor=LSA)
    assert str(refused.value) == (
        "'waive_interview_for_child' is only for cases where date_of_birth is of a person under "
        f"14 on {today().isoformat()}"
    )
    child = case_in(engine, "application_registered", is_child=True, date_of_birth=born_aged(13))
    assert step(engine, child, "waive_interview_for_child", actor=LSA).state == "interviewed"


@pytest.mark.parametrize(("spec", "name"), REQUIRED_FIELDS)
def test_a_step_without_a_required_field_is_refused(
    engine: Engine, spec: TransitionSpec, name: str
) -> None:
    case_id = case_in(engine, spec.sources[0], **meeting(spec))
    version = version_of(engine, case_id)
    data = data_for(spec)
    del data[name]

    with pytest.raises(InvalidData) as refused:
        engine.take_step(
            case_id, spec.trigger, data, actor=allowed_actor(spec), expected_version=version
        )

    assert FieldProblem(f"data.{name}", "is required") in refused.value.problems
    assert version_of(engine, case_id) == version


@pytest.mark.parametrize(("spec", "field"), ALL_FIELDS)
def test_a_step_with_a_mistyped_field_is_refused(
    engine: Engine, spec: TransitionSpec, field: FieldSpec
) -> None:
    case_id = case_in(engine, spec.sources[0], **meeting(spec))
    version = version_of(engine, case_id)

    with pytest.raises(InvalidData) as refused:
        fire(engine, case_id, spec, allowed_actor(spec), **{field.name: wrong_value(field)})

    assert paths_of(refused.value) == {f"data.{field.name}"}
    assert version_of(engine, case_id) == version


@pytest.mark.parametrize("spec", UNGUARDED, ids=lambda spec: spec.trigger)
def test_a_step_with_an_undeclared_field_is_refused(engine: Engine, spec: TransitionSpec) -> None:
    case_id = case_in(engine, spec.sources[0], **meeting(spec))
    version = version_of(engine, case_id)

    with pytest.raises(InvalidData) as refused:
        fire(engine, case_id, spec, allowed_actor(spec), favourite_colour="blue")

    assert refused.value.problems == (
        FieldProblem("data.favourite_colour", "unknown field for this step"),
    )
    assert version_of(engine, case_id) == version


@pytest.mark.parametrize("role", [r for r in ROLES if r not in WORKFLOW.opening.roles])
def test_a_role_not_named_by_the_opening_may_not_open_a_case(engine: Engine, role: str) -> None:
    with pytest.raises(RoleNotAllowed) as refused:
        engine.open_case(UKRAINE, "UA-32", data_for(WORKFLOW.opening), actor=actor_as(role))

    assert refused.value.allowed_roles == tuple(sorted(WORKFLOW.opening.roles))


@pytest.mark.parametrize("name", [f.name for f in WORKFLOW.opening.fields if f.required])
def test_a_case_cannot_be_opened_without_a_required_field(engine: Engine, name: str) -> None:
    data = data_for(WORKFLOW.opening)
    del data[name]

    with pytest.raises(InvalidData) as refused:
        engine.open_case(UKRAINE, "UA-32", data, actor=LSA)

    assert FieldProblem(f"data.{name}", "is required") in refused.value.problems


# -- consent ---------------------------------------------------------------------------------------


def test_an_application_cannot_be_registered_without_consent(engine: Engine) -> None:
    case_id = case_in(engine, "screened", consent=False)

    with pytest.raises(PreconditionMissing) as refused:
        fire(engine, case_id, CASE_SPECS["register_application"], LSA)

    assert refused.value.missing == ("consent",)
    assert version_of(engine, case_id) == 1


def test_a_referral_is_refused_once_consent_is_withdrawn(engine: Engine) -> None:
    case_id = case_in(engine, "application_registered")
    send_referral(engine, case_id)
    step(engine, case_id, "withdraw_consent", actor=LSA)
    version = version_of(engine, case_id)

    with pytest.raises(PreconditionMissing) as refused:
        send_referral(engine, case_id, agency="clinic-kyiv", service="medical")

    assert refused.value.missing == ("consent",)
    assert version_of(engine, case_id) == version


def test_consent_recorded_again_allows_referrals_again(engine: Engine) -> None:
    case_id = case_in(engine, "application_registered")
    step(engine, case_id, "withdraw_consent", actor=LSA)

    step(engine, case_id, "record_consent", actor=LSA)

    assert send_referral(engine, case_id).referral_id == "r1"


def test_a_supervisor_override_allows_a_referral_without_consent(engine: Engine) -> None:
    case_id = case_in(engine, "application_registered")
    step(engine, case_id, "withdraw_consent", actor=LSA)

    step(engine, case_id, "override_consent", actor=SUPERVISOR)
    result = send_referral(engine, case_id)

    assert engine.case(case_id).referrals[0].state == REFERRALS.initial
    assert result.referral_id == "r1"


def test_assistance_cannot_be_delivered_after_consent_is_withdrawn(engine: Engine) -> None:
    case_id = referral_in(engine, "accepted")
    step(engine, case_id, "withdraw_consent", actor=LSA)
    version = version_of(engine, case_id)

    with pytest.raises(PreconditionMissing):
        referral_step(engine, case_id, "r1", "deliver_assistance")

    assert version_of(engine, case_id) == version


# -- sending referrals -----------------------------------------------------------------------------


@pytest.mark.parametrize("state", sorted(REFERRALS.allowed_in))
def test_a_referral_may_be_sent_in_each_allowed_state(engine: Engine, state: str) -> None:
    case_id = case_in(engine, state, **referable(WORKFLOW, state))
    version = version_of(engine, case_id)

    result = send_referral(engine, case_id, agency="shelter-kyiv", service="shelter")

    case = engine.case(case_id)
    assert case.state == state
    assert case.version == result.version == version + 1
    assert [(r.id, r.agency, r.service, r.state) for r in case.referrals] == [
        ("r1", "shelter-kyiv", "shelter", REFERRALS.initial)
    ]


@pytest.mark.parametrize("state", [s for s in STATES if s not in REFERRALS.allowed_in])
def test_a_referral_may_not_be_sent_in_other_states(engine: Engine, state: str) -> None:
    case_id = case_in(engine, state)
    version = version_of(engine, case_id)

    with pytest.raises(IllegalTransition) as refused:
        send_referral(engine, case_id)

    assert refused.value.trigger == REFERRALS.send.trigger
    assert refused.value.state == state
    assert version_of(engine, case_id) == version


@pytest.mark.parametrize("role", [r for r in ROLES if r not in REFERRALS.send.roles])
def test_a_role_not_named_may_not_send_a_referral(engine: Engine, role: str) -> None:
    case_id = case_in(engine, "application_registered")
    version = version_of(engine, case_id)

    with pytest.raises(RoleNotAllowed) as refused:
        engine.send_referral(
            case_id, data_for(REFERRALS.send), actor=actor_as(role), expected_version=version
        )

    assert refused.value.allowed_roles == tuple(sorted(REFERRALS.send.roles))
    assert version_of(engine, case_id) == version


@pytest.mark.parametrize("name", REFERRALS.send.required_fields)
def test_a_referral_without_a_required_field_is_refused(engine: Engine, name: str) -> None:
    case_id = case_in(engine, "application_registered")
    version = version_of(engine, case_id)
    data = data_for(REFERRALS.send)
    del data[name]

    with pytest.raises(InvalidData) as refused:
        engine.send_referral(case_id, data, actor=LSA, expected_version=version)

    assert FieldProblem(f"data.{name}", "is required") in refused.value.problems
    assert version_of(engine, case_id) == version


def test_each_referral_gets_its_own_id(engine: Engine) -> None:
    case_id = case_in(engine, "application_registered")

    first = send_referral(engine, case_id, agency="shelter-kyiv", service="shelter")
    second = send_referral(engine, case_id, agency="clinic-kyiv", service="medical")

    assert (first.referral_id, second.referral_id) == ("r1", "r2")
    assert [r.agency for r in engine.case(case_id).referrals] == ["shelter-kyiv", "clinic-kyiv"]


# -- the referral sub-workflow ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "source", "role"),
    [
        pytest.param(spec, source, role, id=f"{spec.trigger}-from-{source}-as-{role}")
        for spec in REFERRALS.transitions
        for source in spec.sources
        for role in sorted(spec.roles)
    ],
)
def test_a_referral_step_moves_the_referral_to_its_destination(
    engine: Engine, spec: TransitionSpec, source: str, role: str
) -> None:
    case_id = referral_in(engine, source)
    case_before = engine.case(case_id)

    result = fire_on_referral(engine, case_id, spec, actor_as(role), data_for(spec))

    case = engine.case(case_id)
    assert referral_state(engine, case_id) == (spec.dest or source)
    assert case.state == case_before.state
    assert case.version == result.version == case_before.version + 1
    assert result.referral_id == "r1"


@pytest.mark.parametrize(
    ("trigger", "state"),
    [
        pytest.param(trigger, state, id=f"{trigger}-from-{state}")
        for trigger, sources in REFERRAL_SOURCES.items()
        for state in REFERRALS.states
        if state not in sources
    ],
)
def test_a_referral_step_is_refused_from_every_other_referral_state(
    engine: Engine, trigger: str, state: str
) -> None:
    spec = REFERRAL_SPECS[trigger]
    case_id = referral_in(engine, state)
    version = version_of(engine, case_id)

    with pytest.raises(IllegalTransition) as refused:
        fire_on_referral(engine, case_id, spec, allowed_actor(spec), data_for(spec))

    assert refused.value.state == state
    assert referral_state(engine, case_id) == state
    assert version_of(engine, case_id) == version


@pytest.mark.parametrize(
    "spec",
    [s for s in REFERRALS.transitions if s.receiving_agency_only],
    ids=lambda spec: spec.trigger,
)
def test_only_the_receiving_agency_may_answer_its_referral(
    engine: Engine, spec: TransitionSpec
) -> None:
    case_id = referral_in(engine, spec.sources[0])
    version = version_of(engine, case_id)

    with pytest.raises(NotReceivingAgency) as refused:
        fire_on_referral(engine, case_id, spec, CLINIC, data_for(spec))

    assert refused.value.receiving_agency == RECEIVING_AGENCY
    assert refused.value.agency == CLINIC.agency
    assert version_of(engine, case_id) == version


@pytest.mark.parametrize(
    ("spec", "role"),
    [
        pytest.param(spec, role, id=f"{spec.trigger}-as-{role}")
        for spec in REFERRALS.transitions
        for role in ROLES
        if role not in spec.roles
    ],
)
def test_a_role_not_named_by_a_referral_step_is_refused(
    engine: Engine, spec: TransitionSpec, role: str
) -> None:
    case_id = referral_in(engine, spec.sources[0])
    version = version_of(engine, case_id)
    actor = Actor(f"someone.{role}", role, RECEIVING_AGENCY)  # even at the receiving agency

    with pytest.raises(RoleNotAllowed) as refused:
        fire_on_referral(engine, case_id, spec, actor, data_for(spec))

    assert refused.value.allowed_roles == tuple(sorted(spec.roles))
    assert version_of(engine, case_id) == version


@pytest.mark.parametrize(
    ("spec", "name"),
    [
        pytest.param(spec, name, id=f"{spec.trigger}-without-{name}")
        for spec in REFERRALS.transitions
        for name in spec.required_fields
    ],
)
def test_a_referral_step_without_a_required_field_is_refused(
    engine: Engine, spec: TransitionSpec, name: str
) -> None:
    case_id = referral_in(engine, spec.sources[0])
    version = version_of(engine, case_id)
    data = data_for(spec)
    del data[name]

    with pytest.raises(InvalidData) as refused:
        fire_on_referral(engine, case_id, spec, allowed_actor(spec), data)

    assert FieldProblem(f"data.{name}", "is required") in refused.value.problems
    assert version_of(engine, case_id) == version


def test_assistance_can_be_delivered_again_and_again(engine: Engine) -> None:
    case_id = referral_in(engine, "accepted")
    version = version_of(engine, case_id)

    for seed in range(3):
        referral_step(engine, case_id, "r1", "deliver_assistance", seed=seed)

    referral = engine.case(case_id).referrals[0]
    assert referral.state == "delivered"  # from version 4: feedback may be recorded from here
    assert [s["name"] for s in referral.steps].count("AssistanceDelivered") == 3
    assert version_of(engine, case_id) == version + 3


def test_a_step_on_an_unknown_referral_is_refused(engine: Engine) -> None:
    case_id = referral_in(engine, "sent")
    version = version_of(engine, case_id)

    with pytest.raises(ReferralNotFound):
        engine.take_referral_step(
            case_id, "r9", "accept", {}, actor=SHELTER, expected_version=version
        )

    assert version_of(engine, case_id) == version
