"""Inboxes on PostgreSQL: a referral waits in its receiving agency's inbox only, overdue first,
until it is answered; a verification request waits in the police unit's inbox until answered."""

from __future__ import annotations

from uuid import UUID

from referral_engine.application.inbox import Inbox, InboxItem, inbox
from referral_engine.bootstrap import Runtime
from referral_engine.domain.access import Scope
from referral_engine.domain.commands import Actor
from tests.factories import (
    CLINIC,
    POLICE,
    SHELTER,
    FixedClock,
    case_in,
    data_for,
    referral_step,
    send_referral,
    step,
    ukraine,
)

KYIV = frozenset({"UA-32"})


def inbox_of(runtime: Runtime, scope: Scope) -> Inbox:
    runtime.projections.catch_up()
    today = runtime.engine.clock().date()
    return inbox(runtime.projections, runtime.engine.workflows, scope, today)


def scope_of(actor: Actor, regions: frozenset[str] = KYIV) -> Scope:
    return Scope(regions, actor.role, actor.agency)


def listed(items: list[InboxItem]) -> list[tuple[UUID, str | None]]:
    return [(i.case_id, i.referral_id) for i in items]


def test_a_referral_waits_in_its_agencys_inbox_overdue_first_until_answered(
    pg_runtime: Runtime, clock: FixedClock
) -> None:
    engine = pg_runtime.engine
    first = case_in(engine, "application_registered")
    send_referral(engine, first)  # to shelter-kyiv, due in 3 working days
    clock.advance(days=2)
    second = case_in(engine, "application_registered")
    send_referral(engine, second)
    send_referral(engine, second, agency="clinic-kyiv", service="medical")
    clock.advance(days=2)  # the first referral is overdue (due Thursday), the second is not

    shelter = inbox_of(pg_runtime, scope_of(SHELTER))
    assert listed(shelter.waiting) == [(first, "r1"), (second, "r1")]
    assert [(i.overdue, i.service) for i in shelter.waiting] == [
        (True, "shelter"),
        (False, "shelter"),
    ]
    assert listed(inbox_of(pg_runtime, scope_of(CLINIC)).waiting) == [(second, "r2")]
    assert inbox_of(pg_runtime, scope_of(SHELTER, frozenset({"UA-46"}))).waiting == []

    referral_step(engine, first, "r1", "accept")
    referral_step(engine, second, "r1", "reject")
    shelter = inbox_of(pg_runtime, scope_of(SHELTER))
    assert (shelter.waiting, listed(shelter.in_progress)) == ([], [(first, "r1")])
    referral_step(engine, first, "r1", "complete")
    assert inbox_of(pg_runtime, scope_of(SHELTER)).in_progress == []


def test_a_verification_request_waits_in_the_police_units_inbox_until_answered(
    pg_runtime: Runtime,
) -> None:
    engine = pg_runtime.engine
    case_id = case_in(engine, "interviewed")
    spec = ukraine().guard.step("interviewed", "request_verification")
    assert spec is not None
    step(engine, case_id, "request_verification", data=data_for(spec, police_unit=POLICE.agency))

    found = inbox_of(pg_runtime, scope_of(POLICE))
    assert [(i.kind, i.case_id, i.deadline) for i in found.waiting] == [
        ("request", case_id, "police_verification")
    ]
    assert (found.waiting[0].due_on - found.waiting[0].sent_on).days == 10
    assert inbox_of(pg_runtime, Scope(KYIV, "police", "police-lvivska")).waiting == []

    step(engine, case_id, "record_verification", actor=POLICE)
    assert inbox_of(pg_runtime, scope_of(POLICE)).waiting == []
