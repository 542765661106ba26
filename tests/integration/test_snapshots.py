"""A replay as of a version starts from the last fold of the case kept at or below it (a
snapshot, adapters/snapshots.py) and reads only the events after it; every answer must be the
one a fold of all the events gives, and no kept fold may outlive the case's personal data."""

from __future__ import annotations

import logging
import threading
from copy import deepcopy
from dataclasses import replace
from typing import Any
from uuid import UUID

import psycopg
import pytest
from psycopg import sql

from referral_engine.adapters import snapshots
from referral_engine.application.engine import Engine
from referral_engine.application.reading import project
from referral_engine.bootstrap import Runtime
from referral_engine.domain.access import WHOLE, Scope
from referral_engine.domain.commands import Actor
from referral_engine.domain.errors import CaseNotFound, InvalidData
from referral_engine.domain.personal import ERASED
from referral_engine.domain.views import CaseView
from tests.factories import LSA, case_in, referral_step, send_referral, step
from tests.integration.test_held_cases import KHARKIV as KHARKIV_REGION
from tests.integration.test_held_cases import moved_to_kyiv
from tests.pg import WAIT_SECONDS, wait_while_held

ADMIN = Actor("operator", "admin", "it")
KYIV = Scope(frozenset({"UA-32"}), "lsa_official", "lsa-kyivska")
KHARKIV = Scope(frozenset({KHARKIV_REGION}), "lsa_official", "lsa-kharkivska")


def _long_case(runtime: Runtime) -> UUID:
    """A case granted its status, with referrals sent and answered: cases, referrals,
    agencies named, deadlines started and stopped."""
    engine = runtime.engine
    case_id = case_in(engine, "status_granted")
    for service in ("shelter", "medical"):
        referral = send_referral(engine, case_id, service=service)
        assert referral.referral_id is not None
        referral_step(engine, case_id, referral.referral_id, "accept")
    step(engine, case_id, "record_consent", actor=LSA)
    return case_id


def _kept(runtime: Runtime, case_id: UUID) -> dict[int, str]:
    """The folds kept of the case: version -> the code that made them."""
    with psycopg.connect(runtime.settings.database_url) as conn:
        rows = conn.execute(
            sql.SQL("select version, code from {} where case_id = %s").format(
                sql.Identifier(runtime.settings.database_schema, snapshots.TABLE)
            ),
            [case_id],
        ).fetchall()
    return dict(rows)


def _run(runtime: Runtime, statement: str, *params: Any) -> None:
    with psycopg.connect(runtime.settings.database_url, autocommit=True) as conn:
        conn.execute(f"set search_path to {runtime.settings.database_schema}")
        conn.execute(statement, list(params))  # type: ignore[arg-type]


def _decoded(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The versions of the case events decoded from now on."""
    mapper = runtime.engine.store.mapper  # type: ignore[attr-defined]
    versions: list[int] = []
    original = mapper.to_domain_event

    def counted(stored: Any) -> Any:
        versions.append(stored.originator_version)
        return original(stored)

    monkeypatch.setattr(mapper, "to_domain_event", counted)
    return versions


def _folds_of_every_event(engine: Engine, case_id: UUID) -> list[CaseView]:
    """The case at each version, each folded from its first event (as replays did before)."""
    events = list(engine.store.events.get(case_id))
    views = []
    for version in range(1, len(events) + 1):
        case = project(events[:version])
        views.append(engine._within(case, engine._view(case, None, case.modified_on), WHOLE))
    return views


def test_replays_from_kept_folds_answer_as_a_fold_of_every_event(pg_runtime: Runtime) -> None:
    engine = pg_runtime.engine
    case_id = _long_case(pg_runtime)
    last = engine.case(case_id).version
    assert last >= 12
    expected = _folds_of_every_event(engine, case_id)
    assert _kept(pg_runtime, case_id) == {}
    engine.keep_every = 4
    first = [engine.case_at_version(case_id, v) for v in range(1, last + 1)]
    assert set(_kept(pg_runtime, case_id)) == set(range(4, last + 1, 4))
    again = [engine.case_at_version(case_id, v) for v in range(last, 0, -1)][::-1]
    assert first == expected
    assert again == expected
    assert engine.case_at_version(case_id, last) == engine.case(case_id)


def test_a_replay_decodes_only_the_events_after_the_kept_fold(
    pg_runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = pg_runtime.engine
    case_id = _long_case(pg_runtime)
    engine.keep_every = 4
    engine.case_at_version(case_id, 8)  # keeps the folds at 4 and 8
    decoded = _decoded(pg_runtime, monkeypatch)
    engine.case_at_version(case_id, 10)
    assert decoded == [9, 10]
    decoded.clear()
    engine.case_at_version(case_id, 8)
    assert decoded == []
    with pytest.raises(InvalidData):
        engine.case_at_version(case_id, 999)
    with pytest.raises(CaseNotFound):
        engine.case_at_version(UUID(int=7), 1)


def test_an_erasure_deletes_the_kept_folds_and_replays_read_as_erased(
    pg_runtime: Runtime, second_runtime: Runtime
) -> None:
    """The second process still holds the case's key when the erasure commits elsewhere: its
    replay must not open the kept fold (which would show the personal data) but read as
    erased, from the events."""
    engine, other = pg_runtime.engine, second_runtime.engine
    case_id = _long_case(pg_runtime)
    engine.keep_every = other.keep_every = 4
    before = other.case_at_version(case_id, 8)
    assert before.data["person_name"] != ERASED  # the fold at 8 kept, the key now cached
    assert set(_kept(pg_runtime, case_id)) == {4, 8}
    engine.erase_personal_data(case_id, "a synthetic request", actor=ADMIN)
    assert _kept(pg_runtime, case_id) == {}
    after = other.case_at_version(case_id, 8)
    assert after.data["person_name"] == ERASED
    assert after.state == before.state
    assert _kept(pg_runtime, case_id) == {}  # nothing personal kept again


def test_a_fold_folded_before_an_erasure_elsewhere_is_not_kept_after_it(
    pg_runtime: Runtime, second_runtime: Runtime
) -> None:
    """The second process folded the case (its key cached) before the erasure committed, and
    keeps the fold after: nothing may be kept."""
    engine, other = pg_runtime.engine, second_runtime.engine
    case_id = _long_case(pg_runtime)
    folded = deepcopy(other._get(case_id))
    engine.erase_personal_data(case_id, "a synthetic request", actor=ADMIN)
    assert other.store.keys.key(case_id) is not None  # still cached there
    other.store.keep(folded)
    assert _kept(pg_runtime, case_id) == {}


def test_a_fold_being_kept_when_the_key_is_destroyed_is_deleted_with_it(
    pg_runtime: Runtime,
) -> None:
    """A fold whose keeping still holds the key's row (FOR SHARE) holds the key's destruction
    (`destroy_keys`: in the erasure's transaction, and again after it) back; once kept, the
    destruction deletes it too."""
    engine = pg_runtime.engine
    case_id = _long_case(pg_runtime)
    folded = deepcopy(engine._get(case_id))
    key = engine.store.keys.key(case_id)
    assert key is not None
    schema = pg_runtime.settings.database_schema
    erased: list[Any] = []
    with psycopg.connect(pg_runtime.database_url) as keeper:
        snapshots.keep(keeper, schema, case_id, folded.version, snapshots.seal(key, folded))
        erasure = threading.Thread(target=lambda: erased.append(engine.store.keys.destroy(case_id)))
        erasure.start()
        wait_while_held(
            pg_runtime.database_url,
            erasure,
            "select exists (select from pg_stat_activity where %s = any(pg_blocking_pids(pid)))",
            [keeper.info.backend_pid],
            what="the key's destruction to wait for the fold",
        )
        keeper.commit()
    erasure.join(WAIT_SECONDS)
    assert not erasure.is_alive() and erased == [True]
    assert _kept(pg_runtime, case_id) == {}


def test_a_fold_kept_by_other_code_or_tampered_with_is_ignored_and_replaced(
    pg_runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    engine = pg_runtime.engine
    case_id = _long_case(pg_runtime)
    engine.keep_every = 4
    expected = engine.case_at_version(case_id, 9)
    _run(pg_runtime, f"update {snapshots.TABLE} set code = 'older' where version = 4")
    _run(
        pg_runtime,
        f"update {snapshots.TABLE} set sealed = set_byte(sealed, 40, get_byte(sealed, 40) # 1) "
        "where version = 8",
    )
    with caplog.at_level(logging.WARNING, "referral_engine.snapshots"):
        assert engine.case_at_version(case_id, 9) == expected
    assert "does not open" in caplog.text
    assert _kept(pg_runtime, case_id) == {4: snapshots.CODE, 8: snapshots.CODE}
    assert engine.case_at_version(case_id, 9) == expected


def test_a_fold_that_cannot_be_kept_leaves_the_replay_answered(
    pg_runtime: Runtime, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    engine = pg_runtime.engine
    case_id = _long_case(pg_runtime)
    engine.keep_every = 4
    expected = engine.case(case_id)

    def broken(*args: Any) -> None:
        raise psycopg.OperationalError("the server closed the connection")

    monkeypatch.setattr(snapshots, "keep", broken)
    with caplog.at_level(logging.WARNING, "referral_engine.snapshots"):
        assert engine.case_at_version(case_id, expected.version) == expected
    assert "was not kept" in caplog.text
    assert _kept(pg_runtime, case_id) == {}


def test_a_replay_within_reach_is_judged_on_the_case_now(pg_runtime: Runtime) -> None:
    """Once the case moved to Kyiv, Kharkiv finds none of its versions (in range or not: an
    answer naming the range would tell that the case exists), and Kyiv finds all of them,
    whether the replay starts from a kept fold or not."""
    engine = pg_runtime.engine
    case_id = case_in(engine, "application_registered", region=KHARKIV_REGION)
    version = engine.case(case_id).version
    moved_to_kyiv(engine, case_id, version)
    step(engine, case_id, "record_consent", actor=replace(LSA, agency="lsa-kyivska"))
    engine.keep_every = 2
    last = engine.case(case_id).version
    for _ in range(2):  # the second time, from the folds the first kept
        for at in (1, version, last, last + 1, 0):
            with pytest.raises(CaseNotFound):
                engine.case_at_version(case_id, at, scope=KHARKIV)
        for at in range(1, last + 1):
            assert engine.case_at_version(case_id, at, scope=KYIV).version == at
    assert _kept(pg_runtime, case_id)
