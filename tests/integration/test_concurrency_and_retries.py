"""Many writers on one case: exactly one wins each version; retries write nothing twice."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from eventsourcing.persistence import IntegrityError
from psycopg import sql

from referral_engine.application.engine import Engine
from referral_engine.bootstrap import Runtime, build
from referral_engine.config import Settings
from referral_engine.domain.commands import Actor, fingerprint
from referral_engine.domain.errors import IdempotencyKeyReused, PersonalDataErased, VersionConflict
from referral_engine.domain.views import StepResult
from tests.factories import LSA, FixedClock, case_in, data_for, open_case, ukraine

ADMIN = Actor("operator", "admin", "it")


def race(calls: list[Callable[[], StepResult]]) -> list[StepResult | Exception]:
    """Run the calls in threads released together; collect each result or error."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = calls[i]()
        except Exception as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_two_writers_on_one_version_one_wins_the_other_conflicts(
    pg_runtime: Runtime, second_runtime: Runtime
) -> None:
    engines = [pg_runtime.engine, second_runtime.engine]
    spec = ukraine().guard.step("screened", "record_consent")
    for _ in range(10):
        case_id = open_case(engines[0]).case_id
        results = race(
            [
                lambda e=e, case_id=case_id: e.take_step(
                    case_id, "record_consent", data_for(spec), actor=LSA, expected_version=1
                )
                for e in engines
            ]
        )
        wins = [r for r in results if isinstance(r, StepResult)]
        conflicts = [r for r in results if isinstance(r, VersionConflict)]
        assert len(wins) == 1, results
        assert len(conflicts) == 1, results
        assert conflicts[0].current == 2
        assert [h.version for h in engines[1].history(case_id)] == [1, 2]


def test_many_writers_leave_a_gapless_stream_with_no_lost_step(pg_runtime: Runtime) -> None:
    engine = pg_runtime.engine
    case_id = case_in(engine, "screened")
    spec = ukraine().guard.step("screened", "record_consent")
    acknowledged = 0
    for _ in range(8):
        version = engine.case(case_id).version
        results = race(
            [
                lambda version=version: engine.take_step(
                    case_id,
                    "record_consent",
                    data_for(spec),
                    actor=LSA,
                    expected_version=version,
                )
                for _ in range(4)
            ]
        )
        acknowledged += sum(isinstance(r, StepResult) for r in results)
        assert all(isinstance(r, StepResult | VersionConflict) for r in results), results
    history = engine.history(case_id)
    assert acknowledged == 8
    assert [h.version for h in history] == list(range(1, len(history) + 1))
    assert len(history) == 2 + acknowledged  # opening, first consent, then one per round


def test_a_retried_step_with_the_same_key_writes_one_event(pg_runtime: Runtime) -> None:
    engine = pg_runtime.engine
    case_id = case_in(engine, "screened")
    data = data_for(ukraine().guard.step("screened", "register_application"))

    def register() -> StepResult:
        return engine.take_step(
            case_id,
            "register_application",
            data,
            actor=LSA,
            expected_version=2,
            idempotency_key="req-1",
        )

    first = register()
    again = register()
    assert again.replayed and (again.version, again.state) == (first.version, first.state)
    assert len(engine.history(case_id)) == first.version


def test_concurrent_retries_with_the_same_key_all_get_the_first_answer(
    pg_runtime: Runtime, second_runtime: Runtime
) -> None:
    case_id = case_in(pg_runtime.engine, "screened")
    spec = ukraine().guard.step("screened", "register_application")
    data = data_for(spec)
    results = race(
        [
            lambda e=e: e.take_step(
                case_id,
                "register_application",
                data,
                actor=LSA,
                expected_version=2,
                idempotency_key="retry-me",
            )
            for e in (pg_runtime.engine, second_runtime.engine, pg_runtime.engine)
        ]
    )
    assert all(isinstance(r, StepResult) for r in results), results
    assert {(r.version, r.state) for r in results} == {(3, "application_registered")}  # type: ignore[union-attr]
    assert len(pg_runtime.engine.history(case_id)) == 3


def test_a_retried_open_with_the_same_key_opens_one_case(pg_runtime: Runtime) -> None:
    engine = pg_runtime.engine
    data = data_for(ukraine().opening)
    first = engine.open_case("ukraine-nrm", "UA-46", data, actor=LSA, idempotency_key="open-1")
    again = engine.open_case("ukraine-nrm", "UA-46", data, actor=LSA, idempotency_key="open-1")
    assert again.case_id == first.case_id and again.replayed
    assert len(engine.history(first.case_id)) == 1


def test_a_refused_insert_leaves_the_only_pooled_connection_usable(
    pg_settings: Settings, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    """The insert and its commit go in one round trip: a refused insert aborts the transaction
    mid-pipeline; it must be rolled back before the connection goes back to the pool (which
    would otherwise warn and roll it back itself), and the next command must succeed."""
    settings = pg_settings.model_copy(update={"pool_size": 1})
    with build(settings, clock=clock) as runtime:
        case_id = open_case(runtime.engine).case_id
        recorder = runtime.engine.store.recorder
        (first,) = recorder.select_events(case_id)
        with pytest.raises(IntegrityError):
            recorder.insert_events([first])  # version 1 again: the unique key refuses it
        spec = ukraine().guard.step("screened", "record_consent")
        runtime.engine.take_step(
            case_id, "record_consent", data_for(spec), actor=LSA, expected_version=1
        )
        assert [h.version for h in runtime.engine.history(case_id)] == [1, 2]
    assert not [r for r in caplog.records if "returned connection" in r.getMessage()]


def test_a_personal_retry_is_told_apart_by_a_sealed_digest_across_restarts(
    pg_settings: Settings, clock: FixedClock
) -> None:
    data = data_for(ukraine().opening, person_name="Synthetic Retry Person")
    guessed = {**data, "person_name": "Synthetic Guessed Person"}
    spec = ukraine().guard.step("screened", "register_application")
    number = data_for(spec, application_number="KV-SYNTH-0042")  # a personal document number

    def open_(engine: Engine, given: dict[str, Any]) -> StepResult:
        return engine.open_case("ukraine-nrm", "UA-32", given, actor=LSA, idempotency_key="o-7")

    def register(engine: Engine, given: dict[str, Any]) -> StepResult:
        return engine.take_step(
            first.case_id, "register_application", given, actor=LSA, expected_version=2,
            idempotency_key="r-7",
        )  # fmt: skip

    def consent(engine: Engine) -> StepResult:
        given = data_for(ukraine().guard.step("screened", "record_consent"))
        return engine.take_step(
            first.case_id, "record_consent", given, actor=LSA, expected_version=1,
            idempotency_key="c-7",
        )  # fmt: skip

    with build(pg_settings, clock=clock) as runtime:
        first = open_(runtime.engine, data)
        consent(runtime.engine)
        registered = register(runtime.engine, number)
    for digest in (
        fingerprint("open", "ukraine-nrm", "UA-32", data, None),
        fingerprint("step", str(first.case_id), "register_application", number, None),
    ):
        assert stored_events_hold(pg_settings, digest) is False  # sealed with the case key
    plain = data_for(ukraine().guard.step("screened", "record_consent"))
    control = fingerprint("step", str(first.case_id), "record_consent", plain, None)
    assert stored_events_hold(pg_settings, control)  # nothing personal: the digest stays plain

    with build(pg_settings, clock=clock) as restarted:  # new process: no cached case or key
        again = open_(restarted.engine, data)
        assert again.replayed and again.case_id == first.case_id
        assert register(restarted.engine, number).version == registered.version
        with pytest.raises(IdempotencyKeyReused):
            open_(restarted.engine, guessed)  # another personal value under the same key
        with pytest.raises(IdempotencyKeyReused):
            register(restarted.engine, {**number, "application_number": "KV-SYNTH-0043"})
        restarted.engine.erase_personal_data(first.case_id, "Art. 17 request 3", actor=ADMIN)
        with pytest.raises(PersonalDataErased):
            open_(restarted.engine, data)  # can no longer be matched: refused, not replayed
    with build(pg_settings, clock=clock) as later:
        with pytest.raises(PersonalDataErased, match="retried request"):
            open_(later.engine, data)
        with pytest.raises(PersonalDataErased, match="application_number"):
            register(later.engine, number)
        assert consent(later.engine).replayed  # nothing personal in it: still its first answer
        assert len(later.engine.history(first.case_id)) == 4  # nothing written by the retries


def stored_events_hold(settings: Settings, text: str) -> bool:
    with psycopg.connect(str(settings.database_url)) as conn:
        table = sql.Identifier(settings.database_schema, "cases_events")
        query = sql.SQL("select count(*) from {} where position(%s in state) > 0").format(table)
        (count,) = conn.execute(query, [text.encode()]).fetchone()  # type: ignore[misc]
    assert count is not None
    return bool(count)
