"""The demo shows the product (#19, item 9): hundreds of synthetic cases over both workflows,
several regions and months, each dated as a register would date it, and its users described
by their jobs in words."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime

from referral_engine.application import demo
from referral_engine.application.engine import Engine
from tests.factories import FixedClock

LASTING = ("_until",)
"""Date fields saying how long something lasts: after the step that records them."""
BEFORE = ("date_of_birth", "exploitation", "earlier_")
"""Date fields about the time before the case: before its opening."""


def test_the_demo_seeds_cases_over_both_workflows_regions_and_months(
    engine: Engine, clock: FixedClock
) -> None:
    seeded = demo.seed_demo(engine, cases=200)
    assert seeded == {"ukraine-nrm": 140, "uk-nrm": 60}
    opened = [
        e
        for e in engine.store.recorder.select_notifications(1, 100_000)
        if e.originator_version == 1
    ]
    assert len(opened) == 200
    cases = [engine.case(n.originator_id) for n in opened]
    regions = Counter((c.workflow_id, c.region) for c in cases)
    assert {r for _, r in regions} >= {"UA-32", "UA-46", "UA-51", "GB-ENG", "GB-WLS"}
    assert regions[("ukraine-nrm", "UA-32")] > regions[("ukraine-nrm", "UA-12")]  # by weight
    states = Counter(c.state for c in cases)
    assert len(states) >= 8  # walked on: decisions, referrals, closures, not only openings
    histories = [engine.history(c.id) for c in cases]
    months = {h[0].occurred_at.strftime("%Y-%m") for h in histories}
    assert len(months) >= 4
    events = Counter(e.event for h in histories for e in h)
    for kind in ("StatusGranted", "AssistanceDelivered", "SupportDelivered", "ReferralAccepted"):
        assert events[kind] >= 5, (kind, events)


def test_the_demo_seeds_late_in_the_utc_evening_when_kyiv_is_a_day_ahead(
    engine: Engine, clock: FixedClock
) -> None:
    """At 21:30 UTC in summer it is already the next day in Kyiv, the day the workflow's rules
    date the openings by: the walk drew its dates from the UTC day before, and every demo
    (the command, the benchmarks' seed, the tests' data) failed from 21:00 to midnight UTC."""
    clock.now = datetime(2026, 9, 30, 21, 30, tzinfo=UTC)
    seeded = demo.seed_demo(engine, cases=60)
    assert sum(seeded.values()) == 60


def test_every_date_the_demo_states_is_one_a_register_could_hold(
    engine: Engine, clock: FixedClock
) -> None:
    demo.seed_demo(engine, cases=120, seed_=5)
    now = clock()
    for n in engine.store.recorder.select_notifications(1, 100_000):
        if n.originator_version != 1:
            continue
        history = engine.history(n.originator_id)
        case = engine.case(n.originator_id)
        local = engine.workflows.get(case.workflow_id, case.workflow_version).calendar.day
        opening = history[0].occurred_at
        for entry in history:
            assert opening <= entry.occurred_at <= now and entry.recorded_at <= now
            for name, value in entry.data.items():
                day = _day(value)
                if day is None or name.startswith(BEFORE):
                    continue
                if name.endswith(LASTING):
                    assert day > local(entry.occurred_at), (name, value)
                else:  # the workflow's local days (a Kyiv evening is the next day there)
                    assert local(opening) <= day <= local(entry.occurred_at), (name, value)
        data = history[0].data
        if "date_of_birth" in data:
            born = date.fromisoformat(str(data["date_of_birth"]))
            age = (opening.date() - born).days / 365.25
            assert (age < 18) == data["is_child"], (age, data["is_child"])


def _day(value: object) -> date | None:
    if not isinstance(value, str) or len(value) != 10:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def test_the_demo_users_are_described_by_their_jobs_in_words() -> None:
    for role in ("lsa_official", "police", "service_provider", "supervisor", "analyst"):
        said = demo.job(role)
        assert "_" not in said and len(said.split()) >= 3, said  # words, not the role's code
    assert "regional social protection department" in demo.job("lsa_official")
    assert "police unit" in demo.job("police") and "shelter" in demo.job("service_provider")


def test_the_demo_is_walked_in_memory_and_written_in_batches(engine: Engine) -> None:
    written: list[int] = []
    append = engine.store.append

    def counted(events: list[object]) -> None:
        written.append(len({e.originator_id for e in events}))  # type: ignore[attr-defined]
        append(events)

    engine.store.append = counted  # type: ignore[method-assign]
    demo.seed(engine, "ukraine-nrm", 250, seed=3)
    assert written == [demo.BATCH, demo.BATCH, 50]
