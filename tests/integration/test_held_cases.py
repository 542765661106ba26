"""A command on a case this process holds at the version the caller saw is judged on that copy,
without reading the case's stream (application/commanding.py `_command`): each answer must be
the one a read of the stream would have given, whatever another process wrote meanwhile."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from uuid import UUID

import pytest

from referral_engine.application.engine import Engine
from referral_engine.bootstrap import Runtime
from referral_engine.domain.access import Scope
from referral_engine.domain.commands import Actor
from referral_engine.domain.errors import (
    CaseNotFound,
    IdempotencyKeyReused,
    IllegalTransition,
    PersonalDataErased,
    VersionConflict,
)
from referral_engine.domain.transfer_errors import TransferNotPossible
from tests.factories import LSA, case_in, data_for, open_case, step, ukraine

KHARKIV, KYIV = "UA-63", "UA-32"
OLD_LSA = replace(LSA, user_id="oksana.lsa", agency="lsa-kharkivska")
NEW_LSA = replace(LSA, user_id="taras.lsa", agency="lsa-kyivska")
OLD = Scope(frozenset({KHARKIV}), "lsa_official", "lsa-kharkivska")
NEW = Scope(frozenset({KYIV}), "lsa_official", "lsa-kyivska")
ADMIN = Actor("operator", "admin", "it")
CONSENT = ukraine().guard.step("screened", "record_consent")
REGISTER = ukraine().guard.step("screened", "register_application")


def _reads(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every read of a case's stream through the store's recorder, from now on."""
    recorder = runtime.engine.store.recorder
    calls: list[Any] = []
    original = recorder.select_events

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(recorder, "select_events", counted)
    return calls


def moved_to_kyiv(engine: Engine, case_id: UUID, version: int) -> None:
    """The Kharkiv case at `version` transferred to Kyiv, asked and accepted."""
    engine.request_transfer(
        case_id, KYIV, "person_moved", actor=OLD_LSA, scope=OLD, expected_version=version
    )
    engine.answer_transfer(case_id, True, actor=NEW_LSA, scope=NEW, expected_version=version + 1)


def _interview(engine: Engine, case_id: UUID, version: int) -> None:
    """Kharkiv's official interviews the person, having seen the case at `version`."""
    interview = data_for(ukraine().guard.step("application_registered", "conduct_interview"))
    engine.take_step(
        case_id, "conduct_interview", interview, actor=OLD_LSA, scope=OLD, expected_version=version
    )


def _held(runtime: Runtime, case_id: UUID) -> int:
    """Read the case in `runtime`'s process, which then holds it; its version."""
    return runtime.engine.case(case_id).version


def test_steps_on_a_held_case_read_no_events_and_replay_the_same(
    pg_runtime: Runtime, second_runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = pg_runtime.engine
    case_id = open_case(engine).case_id
    step(engine, case_id, "record_consent", actor=LSA)
    reads = _reads(pg_runtime, monkeypatch)
    result = engine.take_step(
        case_id, "register_application", data_for(REGISTER), actor=LSA, expected_version=2
    )
    assert result.version == 3
    assert reads == []  # the case was held at version 2: judged on it, its stream not read
    held, replayed = engine.case(case_id), second_runtime.engine.case(case_id)
    assert held == replayed  # the copy kept is the case its events replay to
    assert [h.version for h in second_runtime.engine.history(case_id)] == [1, 2, 3]


def test_a_case_written_elsewhere_since_conflicts_and_keeps_the_stream_s_state(
    pg_runtime: Runtime, second_runtime: Runtime
) -> None:
    here, there = pg_runtime.engine, second_runtime.engine
    case_id = open_case(here).case_id
    assert _held(pg_runtime, case_id) == 1
    there.take_step(
        case_id, "record_consent", data_for(CONSENT, given_by="person"), actor=LSA,
        expected_version=1,
    )  # fmt: skip
    other = data_for(CONSENT, given_by="legal_representative")
    with pytest.raises(VersionConflict) as conflict:
        here.take_step(case_id, "record_consent", other, actor=LSA, expected_version=1)
    assert conflict.value.current == 2
    # the refused decision was made on a copy: what this process shows is the stream's
    assert here.case(case_id) == there.case(case_id)
    assert here.case(case_id).data["given_by"] == "person"
    with pytest.raises(IllegalTransition):
        here.take_step(case_id, "grant_status", {}, actor=LSA, expected_version=2)
    register = data_for(REGISTER)
    assert (
        here.take_step(
            case_id, "register_application", register, actor=LSA, expected_version=2
        ).version
        == 3
    )
    assert [h.version for h in there.history(case_id)] == [1, 2, 3]


def test_a_retry_of_a_step_taken_elsewhere_gets_its_first_answer(
    pg_runtime: Runtime, second_runtime: Runtime
) -> None:
    here, there = pg_runtime.engine, second_runtime.engine
    case_id = open_case(here).case_id
    assert _held(pg_runtime, case_id) == 1
    consent = data_for(CONSENT, given_by="person")
    first = there.take_step(
        case_id, "record_consent", consent, actor=LSA, expected_version=1, idempotency_key="k-1"
    )
    again = here.take_step(
        case_id, "record_consent", consent, actor=LSA, expected_version=1, idempotency_key="k-1"
    )
    assert again.replayed and again.version == first.version == 2
    assert _held(pg_runtime, case_id) == 2
    other = data_for(CONSENT, given_by="legal_representative")
    case_2 = open_case(here).case_id
    assert _held(pg_runtime, case_2) == 1
    there.take_step(
        case_2, "record_consent", consent, actor=LSA, expected_version=1, idempotency_key="k-2"
    )
    with pytest.raises(IdempotencyKeyReused):
        here.take_step(
            case_2, "record_consent", other, actor=LSA, expected_version=1, idempotency_key="k-2"
        )
    assert [h.version for h in there.history(case_id)] == [1, 2]
    assert [h.version for h in there.history(case_2)] == [1, 2]


def test_a_case_erased_elsewhere_is_refused_as_erased(
    pg_runtime: Runtime, second_runtime: Runtime
) -> None:
    """Held here with its key: the step seals its value with that key, its insert is refused
    (the erasure took the version) and the stream refuses the step as erased."""
    here, there = pg_runtime.engine, second_runtime.engine
    case_id = open_case(here).case_id
    step(here, case_id, "record_consent", actor=LSA)
    assert _held(pg_runtime, case_id) == 2
    there.erase_personal_data(case_id, "Art. 17 request 9", actor=ADMIN)
    register = data_for(REGISTER)
    for engine in (there, here):  # the stream's answer, then the one this process gives
        with pytest.raises(VersionConflict):
            engine.take_step(
                case_id, "register_application", register, actor=LSA, expected_version=2
            )
    for engine in (there, here):
        with pytest.raises(PersonalDataErased):
            engine.take_step(
                case_id, "register_application", register, actor=LSA, expected_version=3
            )
    assert [h.version for h in there.history(case_id)] == [1, 2, 3]


def test_a_case_moved_out_of_reach_elsewhere_is_not_found_rather_than_in_conflict(
    pg_runtime: Runtime, second_runtime: Runtime
) -> None:
    """Held here in Kharkiv, moved to Kyiv by the other process: Kharkiv's official is told
    the case is not found (as a read of the stream tells), not its version in Kyiv."""
    here, there = pg_runtime.engine, second_runtime.engine
    case_id = case_in(here, "application_registered", region=KHARKIV)
    version = _held(pg_runtime, case_id)
    moved_to_kyiv(there, case_id, version)
    with pytest.raises(CaseNotFound):  # legal on the copy held here; its insert is refused
        _interview(here, case_id, version)
    with pytest.raises(CaseNotFound):  # refused on the copy held here, then not found
        here.take_step(
            case_id, "record_consent", data_for(CONSENT), actor=OLD_LSA, scope=OLD,
            expected_version=version,
        )  # fmt: skip
    assert [h.version for h in there.history(case_id)][-1] == version + 2  # nothing written


def test_a_case_moved_away_between_its_read_and_its_insert_is_not_found(
    pg_runtime: Runtime, second_runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race of every command, held or not: the stream read, then another process moves the
    case out of the reader's reach before the insert. The refused insert's re-read is within
    the reader's reach, so the case is not found (not in conflict at a version in Kyiv)."""
    here, there = pg_runtime.engine, second_runtime.engine
    case_id = case_in(here, "application_registered", region=KHARKIV)
    version = _held(pg_runtime, case_id)
    cache = here.store.repository.cache
    assert cache is not None
    cache.get(case_id, evict=True)  # not held: read from the stream
    store, save = here.store, here.store.save

    def moved_first(*args: Any, **kwargs: Any) -> Any:
        monkeypatch.setattr(store, "save", save)
        moved_to_kyiv(there, case_id, version)
        return save(*args, **kwargs)

    monkeypatch.setattr(store, "save", moved_first)
    with pytest.raises(CaseNotFound):
        _interview(here, case_id, version)
    assert [h.version for h in there.history(case_id)][-1] == version + 2


def test_a_case_moved_away_and_asked_back_is_answered_as_the_stream_answers(
    pg_runtime: Runtime, second_runtime: Runtime
) -> None:
    """Held here in Kharkiv; meanwhile moved to Kyiv, which asks Kharkiv to take it back:
    Kharkiv's official now sees it only to answer that transfer, which the stream says."""
    here, there = pg_runtime.engine, second_runtime.engine
    case_id = case_in(here, "application_registered", region=KHARKIV)
    version = _held(pg_runtime, case_id)
    moved_to_kyiv(there, case_id, version)
    there.request_transfer(
        case_id, KHARKIV, "person_moved", actor=NEW_LSA, scope=NEW, expected_version=version + 2
    )
    with pytest.raises(TransferNotPossible):
        _interview(here, case_id, version)
    assert [h.version for h in there.history(case_id)][-1] == version + 3
