"""A command on a case this process holds at the version the caller saw is judged on that copy,
without reading the case's stream (application/commanding.py `_command`): each answer must be
the one a read of the stream would have given, whatever another process wrote meanwhile."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from referral_engine.bootstrap import Runtime
from referral_engine.domain.access import Scope
from referral_engine.domain.errors import CaseNotFound, IllegalTransition, VersionConflict
from tests.factories import LSA, case_in, data_for, open_case, step, ukraine

KHARKIV, KYIV = "UA-63", "UA-32"
OLD_LSA = replace(LSA, user_id="oksana.lsa", agency="lsa-kharkivska")
NEW_LSA = replace(LSA, user_id="taras.lsa", agency="lsa-kyivska")
OLD = Scope(frozenset({KHARKIV}), "lsa_official", "lsa-kharkivska")
NEW = Scope(frozenset({KYIV}), "lsa_official", "lsa-kyivska")


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


def test_steps_on_a_held_case_read_no_events_and_replay_the_same(
    pg_runtime: Runtime, second_runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = pg_runtime.engine
    case_id = open_case(engine).case_id
    step(engine, case_id, "record_consent", actor=LSA)
    reads = _reads(pg_runtime, monkeypatch)
    register = ukraine().guard.step("screened", "register_application")
    result = engine.take_step(
        case_id, "register_application", data_for(register), actor=LSA, expected_version=2
    )
    assert result.version == 3
    assert reads == []  # the case was held at version 2: judged on it, its stream not read
    held, replayed = engine.case(case_id), second_runtime.engine.case(case_id)
    assert held == replayed  # the copy kept is the case its events replay to
    assert [h.version for h in second_runtime.engine.history(case_id)] == [1, 2, 3]


def test_a_case_written_elsewhere_since_conflicts_as_it_did(
    pg_runtime: Runtime, second_runtime: Runtime
) -> None:
    here, there = pg_runtime.engine, second_runtime.engine
    case_id = open_case(here).case_id  # held here at version 1
    consent = data_for(ukraine().guard.step("screened", "record_consent"))
    there.take_step(case_id, "record_consent", consent, actor=LSA, expected_version=1)
    with pytest.raises(VersionConflict) as conflict:
        here.take_step(case_id, "record_consent", consent, actor=LSA, expected_version=1)
    assert conflict.value.current == 2
    with pytest.raises(IllegalTransition):  # refused on the stream too (not held at 2 here)
        here.take_step(case_id, "grant_status", {}, actor=LSA, expected_version=2)
    register = data_for(ukraine().guard.step("screened", "register_application"))
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
    consent = data_for(ukraine().guard.step("screened", "record_consent"))
    first = there.take_step(
        case_id, "record_consent", consent, actor=LSA, expected_version=1, idempotency_key="k-1"
    )
    again = here.take_step(
        case_id, "record_consent", consent, actor=LSA, expected_version=1, idempotency_key="k-1"
    )
    assert again.replayed and again.version == first.version == 2
    assert [h.version for h in there.history(case_id)] == [1, 2]


def test_a_case_moved_out_of_reach_elsewhere_is_not_found_rather_than_in_conflict(
    pg_runtime: Runtime, second_runtime: Runtime
) -> None:
    """Held here in Kharkiv, moved to Kyiv by the other process: Kharkiv's official is told
    the case is not found (as a read of the stream tells), not its version in Kyiv."""
    here, there = pg_runtime.engine, second_runtime.engine
    case_id = case_in(here, "application_registered", region=KHARKIV)
    version = here.case(case_id).version  # held here
    there.request_transfer(
        case_id, KYIV, "person_moved", actor=OLD_LSA, scope=OLD, expected_version=version
    )
    there.answer_transfer(case_id, True, actor=NEW_LSA, scope=NEW, expected_version=version + 1)
    interview = data_for(ukraine().guard.step("application_registered", "conduct_interview"))
    with pytest.raises(CaseNotFound):  # legal on the copy held here; its insert is refused
        here.take_step(
            case_id, "conduct_interview", interview, actor=OLD_LSA, scope=OLD,
            expected_version=version,
        )  # fmt: skip
    consent = data_for(ukraine().guard.step("screened", "record_consent"))
    with pytest.raises(CaseNotFound):  # refused on the copy held here, then not found
        here.take_step(
            case_id, "record_consent", consent, actor=OLD_LSA, scope=OLD, expected_version=version
        )
    with pytest.raises(CaseNotFound):  # a command without a version the caller saw: read first
        here.request_transfer(
            case_id, KYIV, "person_moved", actor=OLD_LSA, scope=OLD, expected_version=version
        )
    assert [h.version for h in there.history(case_id)][-1] == version + 2  # nothing written
