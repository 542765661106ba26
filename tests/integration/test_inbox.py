"""Inboxes on PostgreSQL: a referral waits in its receiving agency's inbox only, overdue first,
until it is answered; a verification request waits in the police unit's inbox until answered."""

from __future__ import annotations

import json
from pathlib import Path
from uuid import UUID

import pytest
import yaml

from referral_engine.application import inbox as inboxes
from referral_engine.application.inbox import Inbox, InboxItem, inbox
from referral_engine.bootstrap import Runtime, build
from referral_engine.config import Settings
from referral_engine.domain.access import Scope
from referral_engine.domain.commands import Actor
from referral_engine.workflows.loader import resolved_document
from tests.factories import (
    CLINIC,
    POLICE,
    SHELTER,
    UKRAINE,
    WORKFLOWS,
    FixedClock,
    case_in,
    data_for,
    engine_on_version,
    referral_step,
    send_referral,
    step,
    ukraine,
    with_papers,
)

KYIV = frozenset({"UA-32"})
ADMIN = Actor("ops", "admin", "operations")


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


def renaming_version(folder: Path) -> Path:
    """The shipped workflow files and a version 5 of Ukraine's that renames the state a
    verification request puts a case in, and a referral's state while it awaits its answer."""
    folder.mkdir()
    for shipped in WORKFLOWS.glob("*.yaml"):
        if shipped.name == "ukraine-nrm-v6.yaml":  # written as changes on the shipped 5
            continue
        (folder / shipped.name).write_text(shipped.read_text(encoding="utf-8"), encoding="utf-8")
    text = json.dumps(resolved_document(WORKFLOWS, UKRAINE, 4))
    document = json.loads(text.replace('"awaiting_verification"', '"verification_pending"'))
    referrals = document["referrals"]
    referrals["states"]["awaiting_answer"] = referrals["states"].pop("sent")
    referrals["send"]["dest"] = "awaiting_answer"
    for spec in referrals["transitions"]:
        sources = spec["source"] if isinstance(spec["source"], list) else [spec["source"]]
        spec["source"] = ["awaiting_answer" if s == "sent" else s for s in sources]
    document.update(
        version=5,
        migration={
            "from_version": 4,
            "states": {"awaiting_verification": "verification_pending"},
            "referral_states": {"sent": "awaiting_answer"},
        },
    )
    (folder / "ukraine-nrm-v5.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    return with_papers(folder)


def test_a_migration_renaming_states_leaves_every_item_in_its_inbox(
    pg_settings: Settings, clock: FixedClock, tmp_path: Path
) -> None:
    settings = pg_settings.model_copy(update={"workflows_dir": renaming_version(tmp_path / "w")})
    with build(settings, clock=clock) as runtime:
        v4 = engine_on_version(runtime.engine, UKRAINE, 4)
        requested = case_in(v4, "interviewed")
        spec = v4.workflows.get(UKRAINE).guard.step("interviewed", "request_verification")
        assert spec is not None
        step(v4, requested, "request_verification", data=data_for(spec, police_unit=POLICE.agency))
        referred = case_in(v4, "application_registered")
        send_referral(v4, referred)
        before = inbox_of(runtime, scope_of(POLICE)), inbox_of(runtime, scope_of(SHELTER))

        report = runtime.engine.migrate_cases(UKRAINE, 4, 5, actor=ADMIN)

        assert set(report.moved) == {requested, referred}
        police, shelter = inbox_of(runtime, scope_of(POLICE)), inbox_of(runtime, scope_of(SHELTER))
        assert listed(police.waiting) == listed(before[0].waiting) == [(requested, None)]
        assert listed(shelter.waiting) == listed(before[1].waiting) == [(referred, "r1")]
        assert (police.waiting[0].state, shelter.waiting[0].state) == (
            "verification_pending",
            "awaiting_answer",
        )
        assert police.waiting[0].due_on == before[0].waiting[0].due_on
        runtime.projections.rebuild("inbox")  # folding the same events afresh: the same items
        assert (inbox_of(runtime, scope_of(POLICE)), inbox_of(runtime, scope_of(SHELTER))) == (
            police,
            shelter,
        )
        step(runtime.engine, requested, "record_verification", actor=POLICE)
        assert inbox_of(runtime, scope_of(POLICE)).waiting == []  # answered under version 5


def test_items_nobody_can_answer_never_crowd_out_those_waiting(
    pg_runtime: Runtime, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A referral of a closed case stays in the read model (the case may be reopened), and an
    agency gathers many: the inbox's limit counts only what its users can answer now."""
    monkeypatch.setattr(inboxes, "LIMIT", 3)
    engine = pg_runtime.engine
    for accepted in (False, True):
        closed = case_in(engine, "application_registered")
        send_referral(engine, closed)
        if accepted:
            referral_step(engine, closed, "r1", "accept")
        step(engine, closed, "close_case")
    clock.advance(days=1)  # sent later, due later: the closed cases' referrals come first
    waiting, accepted = case_in(engine, "application_registered"), case_in(engine, "interviewed")
    for case_id in (waiting, accepted):
        send_referral(engine, case_id)
    referral_step(engine, accepted, "r1", "accept")

    found = inbox_of(pg_runtime, scope_of(SHELTER))

    assert listed(found.waiting) == [(waiting, "r1")]
    assert listed(found.in_progress) == [(accepted, "r1")]
    assert not found.truncated
