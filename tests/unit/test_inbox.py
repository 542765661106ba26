"""The inbox: its read model's handler (pure: events in, row changes out, no personal data), the
workflow's word on who answers what, and the application's order and role filter."""

from __future__ import annotations

import re
from datetime import date
from typing import Any
from uuid import UUID, uuid4

from referral_engine.application.inbox import inbox
from referral_engine.application.readmodel import Changes, Event
from referral_engine.domain.access import Scope
from referral_engine.domain.rules import answers_case, answers_referral, receiving_roles
from referral_engine.workflows.loader import WorkflowRegistry
from tests.factories import WORKFLOWS
from tests.unit.test_read_model_handlers import CASE, MODELS, event

REGISTRY = WorkflowRegistry.from_directory(WORKFLOWS)
UKRAINE = REGISTRY.get("ukraine-nrm", 1)
TODAY = date(2026, 3, 10)
REFERRAL_DUE = {"name": "referral_response", "referral_id": "r1", "agency": "shelter-kyiv"}
VERIFICATION_DUE = {"name": "police_verification", "referral_id": None, "agency": "lsa-kyivska"}


def changes(*events: Event) -> dict[str, dict[tuple[Any, ...], Any]]:
    """Each table's folded rows: their columns, or "deleted"."""
    found = Changes()
    for e in events:
        MODELS["inbox"].handle(e, found)
    return {
        table: {
            p.key: "deleted" if p.delete else {c: v for c, (_, v) in p.columns.items()}
            for p in rows
        }
        for table, _, rows in found.tables()
    }


def sent(**extra: Any) -> Event:
    started = ({**REFERRAL_DUE, "started_on": "2026-03-02", "due_on": "2026-03-05"},)
    return event(
        "ReferralSent",
        ("referral_sent",),
        referral_id="r1",
        agency="shelter-kyiv",
        service="shelter",
        from_state=None,
        to_state="sent",
        deadlines_started=started,
        **extra,
    )


def test_a_referral_waits_in_its_agencys_inbox_until_its_end() -> None:
    accepted = event(
        "ReferralAccepted",
        ("referral_accepted",),
        referral_id="r1",
        from_state="sent",
        to_state="accepted",
        on=date(2026, 3, 4),
        position=2,
    )
    rows = changes(sent(), accepted)["inbox_referrals"][(CASE, "r1")]
    assert rows == {
        "agency": "shelter-kyiv",
        "service": "shelter",
        "state": "accepted",
        "sent_on": date(2026, 3, 2),
        "due_on": "2026-03-05",
        "answered_on": date(2026, 3, 4),
    }
    done = event(
        "ReferralCompleted",
        ("referral_done",),
        referral_id="r1",
        from_state="accepted",
        to_state="done",
        on=date(2026, 3, 9),
        position=3,
    )
    ended = changes(done)["inbox_referrals"][(CASE, "r1")]
    assert ended == {"state": "done", "ended_on": date(2026, 3, 9)}


def test_a_step_naming_an_agency_puts_the_case_in_its_inbox_while_the_case_stays_put() -> None:
    started = ({**VERIFICATION_DUE, "started_on": "2026-03-02", "due_on": "2026-03-12"},)
    requested = event(
        "PoliceVerificationRequested",
        trigger="request_verification",
        from_state="interviewed",
        to_state="awaiting_verification",
        agency="police-kyivska",
        deadlines_started=started,
    )
    assert changes(requested)["inbox_cases"][(CASE,)] == {
        "region": "UA-32",
        "workflow_id": "ukraine-nrm",
        "workflow_version": 1,
        "state": "awaiting_verification",
        "entered_as": "awaiting_verification",
        "agency": "police-kyivska",
        "trigger": "request_verification",
        "requested_state": "awaiting_verification",
        "deadline": "police_verification",
        "sent_on": date(2026, 3, 2),
        "due_on": "2026-03-12",
    }
    answered = event(
        "PoliceVerificationReceived", from_state="awaiting_verification", to_state="verified"
    )
    assert changes(answered)["inbox_cases"][(CASE,)]["state"] == "verified"  # no longer a request
    assert changes(event("NoteRecorded", from_state="verified", to_state="verified")) == {}


def test_the_inbox_holds_no_personal_data() -> None:
    columns = set(re.findall(r"^\s+(\w+) (?:uuid|text|date|int)", MODELS["inbox"].schema_sql, re.M))
    assert {"agency", "service", "due_on", "requested_state"} <= columns
    assert not columns & {name for w in REGISTRY for name in w.personal}
    folded = changes(sent(report={"rejection_reason": "other"}))
    assert {c for rows in folded.values() for row in rows.values() for c in row} <= columns


def test_the_workflow_says_who_answers_what() -> None:
    assert receiving_roles(UKRAINE) == {"service_provider", "police"}
    assert receiving_roles(REGISTRY.get("uk-nrm")) == {"support_provider"}
    assert answers_referral(UKRAINE, "interviewed", "sent", "service_provider")
    assert not answers_referral(UKRAINE, "interviewed", "sent", "lsa_official")  # may only revoke
    assert not answers_referral(UKRAINE, "closed", "sent", "service_provider")  # case closed
    assert not answers_referral(UKRAINE, "interviewed", "rejected", "service_provider")
    assert answers_case(UKRAINE, "awaiting_verification", "police")
    assert not answers_case(UKRAINE, "verified", "police")


class Rows:
    """The ReadModels port with fixed rows per query."""

    def __init__(self, **rows: list[dict[str, Any]]) -> None:
        self.rows = rows
        self.asked: list[dict[str, Any]] = []

    def query(self, name: str, query: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        self.asked.append(params)
        return [dict(r) for r in self.rows[query]]

    def dashboards(self) -> dict[str, Any]:
        return {}


def referral_row(case_id: UUID, due: date | None, answered: date | None = None) -> dict[str, Any]:
    return {
        "case_id": case_id,
        "referral_id": "r1",
        "region": "UA-32",
        "workflow_id": "ukraine-nrm",
        "workflow_version": 1,
        "case_state": "interviewed",
        "service": "shelter",
        "state": "accepted" if answered else "sent",
        "sent_on": date(2026, 3, 2),
        "due_on": due,
        "answered_on": answered,
    }


def test_overdue_items_come_first_then_by_due_date_and_only_what_the_role_answers() -> None:
    later, overdue, late, undated, accepted, closed = (uuid4() for _ in range(6))
    rows = Rows(
        referrals=[
            referral_row(later, date(2026, 3, 20)),
            referral_row(undated, None),
            referral_row(late, date(2026, 3, 5)),
            referral_row(accepted, date(2026, 3, 5), answered=date(2026, 3, 4)),
            {**referral_row(closed, date(2026, 3, 1)), "case_state": "closed"},
        ],
        requests=[
            {
                "case_id": overdue,
                "region": "UA-32",
                "workflow_id": "ukraine-nrm",
                "workflow_version": 1,
                "case_state": "awaiting_verification",
                "trigger": "request_verification",
                "deadline": "police_verification",
                "sent_on": date(2026, 2, 20),
                "due_on": date(2026, 3, 2),
            },
        ],
    )
    scope = Scope(frozenset({"UA-32"}), "service_provider", "shelter-kyiv")
    found = inbox(rows, REGISTRY, scope, TODAY)
    assert [i.case_id for i in found.waiting] == [late, later, undated]  # requests: police work
    assert [(i.overdue, i.days_left) for i in found.waiting] == [
        (True, -5),
        (False, 10),
        (False, None),
    ]
    assert [i.case_id for i in found.in_progress] == [accepted]
    asked = rows.asked[0]
    assert (asked["agency"], asked["regions"], asked["limit"]) == ("shelter-kyiv", ["UA-32"], 500)
    assert "ukraine-nrm|1|sent" in asked["answered"]
    assert "ukraine-nrm|1|closed" not in asked["moving"]
    police = inbox(rows, REGISTRY, Scope(None, "police", "police-kyivska"), TODAY)
    assert [(i.kind, i.overdue, i.days_left) for i in police.waiting] == [("request", True, -8)]
    assert police.waiting[0].reference == str(overdue)[:8]
    assert inbox(rows, REGISTRY, Scope(None, "decision_maker", "x"), TODAY).waiting == []
