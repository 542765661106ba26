"""Read-model handlers are pure: events in, folded row changes out, no personal data; stored
events are decoded for them as the store's mapper reads them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest

from referral_engine.adapters.readmodels.decoding import Decoder
from referral_engine.adapters.readmodels.engine import discover
from referral_engine.adapters.store import CaseStore
from referral_engine.application.engine import Engine
from referral_engine.application.readmodel import Changes, Event
from referral_engine.config import Settings
from tests.factories import case_in, send_referral

MODELS = discover(Settings().projections_dir)
CASE = uuid4()


def event(
    name: str,
    milestones: tuple[str, ...] = (),
    *,
    on: date = date(2026, 3, 2),
    referral_id: str | None = None,
    opened: bool = False,
    position: int = 1,
    case_id: UUID = CASE,
    **extra: Any,
) -> Event:
    fields: dict[str, Any] = {
        "position": position,
        "case_id": case_id,
        "version": position,
        "name": name,
        "trigger": None if opened else name.lower(),
        "referral_id": referral_id,
        "from_state": None if opened or referral_id else "screened",
        "to_state": "screened",
        "region": "UA-32",
        "workflow_id": "ukraine-nrm",
        "workflow_version": 1,
        "occurred_on": on,
        "recorded_at": datetime(2026, 3, 2, tzinfo=UTC),
        "actor_role": "lsa_official",
        "actor_agency": "lsa-kyivska",
        "milestones": frozenset(milestones),
        "report": {},
        "agency": None,
        "service": None,
        "deadlines_started": (),
        "deadlines_stopped": (),
    }
    fields.update(extra)
    return Event(**fields)


def fold(model: str, *events: Event) -> dict[str, dict[tuple[Any, ...], Any]]:
    changes = Changes()
    for e in events:
        MODELS[model].handle(e, changes)
    return {
        table: {p.key: {c: v for c, (_, v) in p.columns.items()} for p in rows if not p.delete}
        for table, _, rows in changes.tables()
    }


def test_status_decisions_keeps_the_application_day_and_the_latest_outcome() -> None:
    rows = fold(
        "status_decisions",
        event("StatusApplicationRegistered", ("applied",), on=date(2026, 3, 2)),
        event("ApplicationReturnedIncomplete", ("returned_incomplete",), on=date(2026, 3, 9)),
        event("StatusGranted", ("status_granted",), on=date(2026, 3, 20)),
    )["applications"][(CASE,)]
    assert rows["applied_on"] == date(2026, 3, 2)
    assert (rows["outcome"], rows["decided_on"]) == ("granted", date(2026, 3, 20))


def test_referrals_record_agency_service_and_the_day_of_each_answer() -> None:
    sent = event(
        "ReferralSent",
        ("referral_sent",),
        referral_id="r1",
        agency="shelter-kyiv",
        service="shelter",
    )
    accepted = event(
        "ReferralAccepted", ("referral_accepted",), referral_id="r1", on=date(2026, 3, 4)
    )
    done = event("ReferralCompleted", ("referral_done",), referral_id="r1", on=date(2026, 3, 9))
    rejected = event(
        "ReferralRejected",
        ("referral_rejected",),
        referral_id="r2",
        report={"rejection_reason": "no_capacity"},
    )
    rows = fold("referrals", sent, accepted, done, rejected)["referrals"]
    assert rows[(CASE, "r1")] == {
        "region": "UA-32",
        "agency": "shelter-kyiv",
        "service": "shelter",
        "sent_on": date(2026, 3, 2),
        "accepted_on": date(2026, 3, 4),
        "done_on": date(2026, 3, 9),
    }
    assert rows[(CASE, "r2")] == {
        "rejected_on": date(2026, 3, 2),
        "rejection_reason": "no_capacity",
    }


def test_read_models_count_milestones_whatever_the_workflow_calls_its_events() -> None:
    sent = event("Überweisung", ("referral_sent",), referral_id="r1", agency="a", service="s")
    assert fold("referrals", sent)["referrals"][(CASE, "r1")]["agency"] == "a"
    assert fold("referrals", event("ReferralSent", referral_id="r1", agency="a")) == {}
    assert fold("status_decisions", event("StatusGranted")) == {}


def test_assistance_counts_deliveries_per_person_and_keeps_each_first_service_day() -> None:
    delivered = [
        event(
            "AssistanceDelivered",
            ("assistance_delivered",),
            referral_id="r1",
            on=day,
            report={"assistance_type": "accommodation"},
        )
        for day in (date(2026, 3, 10), date(2026, 3, 5), date(2026, 4, 1))
    ]
    granted = event("StatusGranted", ("status_granted",), on=date(2026, 3, 3))
    tables = fold("assistance", granted, *delivered)
    assert tables["deliveries"][(CASE, "accommodation", date(2026, 3, 1))] == {
        "region": "UA-32",
        "deliveries": 2,
    }
    assert tables["deliveries"][(CASE, "accommodation", date(2026, 4, 1))]["deliveries"] == 1
    assert tables["first_services"][(CASE, "accommodation")]["first_on"] == date(2026, 3, 5)
    assert tables["status_grants"][(CASE,)] == {"granted_on": date(2026, 3, 3)}


def test_assistance_without_a_reported_type_is_counted_as_unspecified() -> None:
    delivered = event("AssistanceDelivered", ("assistance_delivered",), referral_id="r1")
    assert (CASE, "unspecified") in fold("assistance", delivered)["first_services"]


def test_the_funnel_marks_each_stage_reached_in_the_cohort_month() -> None:
    rows = fold(
        "funnel",
        event("PersonScreened", opened=True, on=date(2026, 2, 27)),
        event("StatusApplicationRegistered", ("applied",)),
        event("ReferralSent", ("referral_sent",), referral_id="r1"),
    )["funnel"][(CASE,)]
    assert rows["cohort"] == date(2026, 2, 1)
    assert rows["applied"] and rows["referred"]
    assert "granted" not in rows


def test_a_registered_application_is_pending_until_a_decision() -> None:
    rows = fold(
        "status_decisions",
        event("StatusApplicationRegistered", ("applied",)),
    )["applications"][(CASE,)]
    assert rows == {"region": "UA-32", "applied_on": date(2026, 3, 2), "outcome": "pending"}


GUARD = {
    "kind": "not_before",
    "name": "decide_cg_positive",
    "referral_id": None,
    "agency": "sca",
    "after": "PositiveReasonableGrounds",
    "started_on": "2026-03-02",
    "earliest_on": "2026-04-01",
}


def test_deadlines_list_steps_not_allowed_yet_apart_from_deadlines() -> None:
    rows = fold("deadlines", event("PositiveReasonableGrounds", deadlines_started=(GUARD,)))
    assert rows["not_yet_allowed"][(CASE, "decide_cg_positive")]["earliest_on"] == "2026-04-01"
    assert "open_deadlines" not in rows and "deadline_counts" not in rows
    taken = fold(
        "deadlines",
        event("PositiveReasonableGrounds", deadlines_started=(GUARD,)),
        event("PositiveConclusiveGrounds", position=2, deadlines_stopped=(GUARD,)),
    )
    assert taken.get("not_yet_allowed", {}) == {}


def test_the_case_queue_ignores_earliest_dates_and_follows_a_migration() -> None:
    rows = fold(
        "case_queue",
        event("PositiveReasonableGrounds", deadlines_started=(GUARD,)),
        event("WorkflowMigrated", position=2, trigger=None, workflow_version=2),
    )
    assert "case_deadlines" not in rows
    assert rows["case_queue"][(CASE,)]["workflow_version"] == 2


def test_a_summary_naming_a_table_the_schema_lacks_is_refused_at_discovery(tmp_path: Path) -> None:
    folder = tmp_path / "typo"
    folder.mkdir()
    (folder / "schema.sql").write_text(
        "create table facts (id int primary key);\n"
        "create function facts_add(changed facts[], n int) returns void language sql as $$ $$;\n"
    )
    (folder / "projection.py").write_text(
        "VERSION = 1\nSUMMARIES = {'fatcs': 'facts_add'}\ndef handle(event, changes): pass\n"
    )
    with pytest.raises(ValueError, match="SUMMARIES names table 'fatcs'"):
        discover(tmp_path)


def stored_rows(engine: Engine) -> list[tuple[Any, ...]]:
    """Every stored event as the projection engine reads it from the events table."""
    return [
        (n.id, n.originator_id, n.originator_version, n.topic, n.state)
        for n in engine.store.recorder.select_notifications(start=1, limit=10_000)
    ]


def test_the_decoders_fast_path_reads_events_as_the_stores_mapper_does(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id = case_in(engine, "interviewed", person_name="Synthetic Qzxwv")
    send_referral(engine, case_id, agency="shelter-kyiv", service="shelter")
    store = engine.store
    assert isinstance(store, CaseStore)
    decoder = Decoder(engine.workflows, store.mapper.transcoder)
    fast = [decoder(row) for row in stored_rows(engine)]

    decoder.hot = False  # the mapper only
    assert [decoder(row) for row in stored_rows(engine)] == fast
    assert ("shelter-kyiv", "shelter") in {(e.agency, e.service) for e in fast if e is not None}
    assert "Qzxwv" not in repr(fast)  # personal values stay sealed, and are not copied
