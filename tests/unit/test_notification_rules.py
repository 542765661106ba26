"""Who is told what (application/notifications.py), on cases walked through the shipped Ukraine
workflow in the in-memory store and replayed as the notification worker replays them."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import StoredEvent

from referral_engine.adapters.notifications.cases import Fold
from referral_engine.adapters.readmodels.decoding import Decoder
from referral_engine.application.engine import Engine
from referral_engine.application.notifications import (
    CaseNow,
    Notice,
    Recipient,
    deadline_notices,
    event_notices,
    may_notify,
)
from referral_engine.domain.commands import Actor
from referral_engine.domain.workflow import WorkflowDefinition
from tests.factories import (
    LSA,
    POLICE,
    SHELTER,
    case_in,
    referral_step,
    send_referral,
    step,
)

SINCE = date(2026, 1, 1)


def person(name: str, role: str, agency: str, region: str = "UA-32") -> Recipient:
    return Recipient(uuid4(), name, role, agency, (region,), f"{name}@example.org")


PEOPLE = [
    person("petro.lsa", "lsa_official", "lsa-kyivska"),
    person("halyna.lsa", "lsa_official", "lsa-kyivska"),
    person("taras.lsa", "lsa_official", "lsa-lvivska", "UA-46"),
    person("anna.shelter", "service_provider", "shelter-kyiv"),
    person("bohdan.shelter", "service_provider", "shelter-kyiv"),
    person("oleh.clinic", "service_provider", "clinic-kyiv"),
    person("sofia.supervisor", "supervisor", "lsa-kyivska"),
    person("yurii.supervisor", "supervisor", "lsa-lvivska", "UA-46"),
    person("analyst", "analyst", "lsa-kyivska"),
    person("maria.msp", "decision_maker", "msp-kyivska"),
    person("ivan.police", "police", "police-kyivska"),
]
HALYNA = Actor("halyna.lsa", "lsa_official", "lsa-kyivska")


class Directory:
    """The users of the test, some of them gone (disabled)."""

    def __init__(self, gone: frozenset[str] = frozenset()) -> None:
        self.people = [p for p in PEOPLE if p.name not in gone]

    def in_region(self, region: str) -> list[Recipient]:
        return [p for p in self.people if region in p.regions]

    def named(self, name: str) -> Recipient | None:
        return next((p for p in self.people if p.name == name), None)


class Worker:
    """Replays the in-memory event log as the notification worker does."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.decode = Decoder(engine.workflows, engine.store.mapper.transcoder)
        self.folds: dict[UUID, Fold] = {}
        self.position = 0

    def new_notices(self, directory: Directory | None = None) -> list[Notice]:
        """The notices of the events recorded since the last call."""
        found: list[Notice] = []
        for n in self.engine.store.recorder.select_notifications(self.position + 1, 1000):
            self.position = n.id
            row = (n.id, n.originator_id, n.originator_version, n.topic, n.state)
            now = self._apply(n.originator_id, n.originator_version, n.topic, n.state)
            event = self.decode(row)
            if event is not None and may_notify(event, now.workflow):
                found += event_notices(event, now, directory or Directory())
        return found

    def events(self, case_id: UUID) -> list[Any]:
        """The case's events as the worker decodes them."""
        found = []
        for n in self.engine.store.recorder.select_notifications(1, 1000):
            if n.originator_id == case_id:
                row = (n.id, n.originator_id, n.originator_version, n.topic, n.state)
                found.append(self.decode(row))
        return [e for e in found if e is not None]

    def deadline(self, case_id: UUID, name: str, today: date) -> list[Notice]:
        """The notices of a case's running deadline on `today` (after the events so far)."""
        return self.told_of(self.row(case_id, name), today)

    def told_of(self, row: dict[str, Any], today: date) -> list[Notice]:
        """The notices of a deadline the read model lists, on `today` (after the events so far)."""
        self.new_notices()
        return deadline_notices(row, today, SINCE, self._now(row["case_id"]), Directory())

    def row(self, case_id: UUID, name: str) -> dict[str, Any]:
        """A running deadline of the case as the deadlines read model lists it."""
        self.new_notices()
        now = self._now(case_id)
        (clock,) = [c for c in now.case.deadlines.values() if c["name"] == name]  # type: ignore[attr-defined]
        row = {**clock, "case_id": case_id, "region": "UA-32"}
        row["due_on"] = date.fromisoformat(clock["due_on"])
        return row

    def _apply(self, case_id: UUID, version: int, topic: str, state: bytes) -> CaseNow:
        stored = StoredEvent(
            originator_id=case_id, originator_version=version, topic=topic, state=state
        )
        fold = self.folds.setdefault(case_id, Fold())
        fold.apply(self.decode.mapper.to_domain_event(stored))
        return self._now(case_id)

    def _now(self, case_id: UUID) -> CaseNow:
        fold = self.folds[case_id]
        case: Any = fold.case
        workflow: WorkflowDefinition = self.engine.workflows.get(
            case.workflow_id, case.workflow_version
        )
        return CaseNow(case, workflow, fold.actor, fold.senders, fold.stopped, fold.imported)


def told(notices: list[Notice]) -> set[tuple[str, str]]:
    return {(n.kind, n.recipient.name) for n in notices}


@pytest.fixture
def worker(engine: Engine) -> Worker:
    return Worker(engine)


def test_a_referral_is_announced_to_the_receiving_agency_and_its_answer_to_the_sender(
    engine: Engine, worker: Worker
) -> None:
    case_id = case_in(engine, "awaiting_verification")
    worker.new_notices()
    send_referral(engine, case_id, agency="shelter-kyiv")
    arrived = worker.new_notices()
    assert told(arrived) == {
        ("referral_arrived", "anna.shelter"),
        ("referral_arrived", "bohdan.shelter"),
    }
    assert {n.source for n in arrived} == {f"event:{case_id}:{engine.case(case_id).version}"}
    referral_step(engine, case_id, "r1", "accept", actor=SHELTER)
    (answered,) = worker.new_notices()
    assert (answered.kind, answered.recipient.name, answered.subject) == (
        "referral_answered",
        LSA.user_id,
        "accepted",
    )


def test_when_the_sender_has_gone_their_agency_is_told(engine: Engine, worker: Worker) -> None:
    case_id = case_in(engine, "awaiting_verification")
    send_referral(engine, case_id, agency="shelter-kyiv")
    worker.new_notices()
    referral_step(engine, case_id, "r1", "reject", actor=SHELTER)
    notices = worker.new_notices(Directory(gone=frozenset({LSA.user_id})))
    assert told(notices) == {
        ("referral_answered", "halyna.lsa"),
        ("referral_answered", "sofia.supervisor"),
    }


def test_a_verification_answer_tells_who_asked_not_the_police_who_answered(
    engine: Engine, worker: Worker
) -> None:
    case_id = case_in(engine, "awaiting_verification")
    worker.new_notices()
    step(engine, case_id, "record_verification", actor=POLICE)  # only the unit asked answers
    assert told(worker.new_notices()) == {("request_answered", LSA.user_id)}


def test_a_deadline_reminds_who_answers_it_then_escalates_once_passed(
    engine: Engine, worker: Worker
) -> None:
    case_id = case_in(engine, "awaiting_verification")  # asked on Monday 2 March, due on 12 March
    worker.new_notices()
    assert worker.deadline(case_id, "police_verification", date(2026, 3, 9)) == []
    due = worker.deadline(case_id, "police_verification", date(2026, 3, 10))  # 2 working days
    assert told(due) == {("deadline_due", "ivan.police")}  # the unit asked answers it (v5)
    assert {(n.subject, n.due_on) for n in due} == {("police_verification", date(2026, 3, 12))}
    passed = worker.deadline(case_id, "police_verification", date(2026, 3, 13))
    assert told(passed) == {
        ("deadline_passed", "ivan.police"),
        ("deadline_escalated", "sofia.supervisor"),
    }


def test_a_referral_deadline_reminds_only_the_receiving_agency(
    engine: Engine, worker: Worker
) -> None:
    case_id = case_in(engine, "awaiting_verification")
    send_referral(engine, case_id, agency="shelter-kyiv")  # due in 3 working days: Thursday
    due = worker.deadline(case_id, "referral_response", date(2026, 3, 4))
    assert told(due) == {("deadline_due", "anna.shelter"), ("deadline_due", "bohdan.shelter")}


def test_a_deadline_stopped_before_the_read_model_folded_the_stop_tells_nobody(
    engine: Engine, worker: Worker
) -> None:
    case_id = case_in(engine, "awaiting_verification")
    police = worker.row(case_id, "police_verification")  # due on 12 March
    send_referral(engine, case_id, agency="shelter-kyiv")
    referral = worker.row(case_id, "referral_response")  # due on Thursday 5 March
    step(engine, case_id, "record_verification", actor=POLICE)  # answered
    referral_step(engine, case_id, "r1", "accept", actor=SHELTER)
    for today in (date(2026, 3, 5), date(2026, 3, 11), date(2026, 3, 13)):  # due, then passed
        assert worker.told_of(police, today) == worker.told_of(referral, today) == []


def test_a_deadline_that_passed_before_notifications_began_tells_nobody(
    engine: Engine, worker: Worker
) -> None:
    case_id = case_in(engine, "awaiting_verification")
    assert worker.deadline(case_id, "police_verification", date(2026, 5, 1))  # began 1 January
    late = CaseNow(worker._now(case_id).case, engine.workflow_of(case_id), "", {}, {})
    row = {"case_id": case_id, "name": "police_verification", "referral_id": None}
    row |= {"region": "UA-32", "agency": "lsa-kyivska", "due_on": date(2026, 3, 12)}
    assert deadline_notices(row, date(2026, 5, 1), date(2026, 4, 1), late, Directory()) == []


def test_a_step_imported_from_a_past_register_tells_nobody(engine: Engine, worker: Worker) -> None:
    case_id = case_in(engine, "awaiting_verification")
    worker.new_notices()
    send_referral(engine, case_id, agency="shelter-kyiv")
    worker.new_notices()
    fold = worker.folds[case_id]
    assert not fold.imported
    fold.imported = True  # as a step of an import, correlated `import:<file digest>`, marks it
    (event,) = [e for e in worker.events(case_id) if e.referral_id and e.from_state is None]
    assert event_notices(event, worker._now(case_id), Directory()) == []
