"""Kept folds (adapters/snapshots.py): sealed with the case's key, opened only as the case they
were kept as, and never able to name anything but the domain's classes."""

from __future__ import annotations

import os
import pickle
import shutil
from pathlib import Path
from uuid import UUID, uuid4

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from referral_engine.adapters import snapshots
from referral_engine.adapters.crypto import NONCE
from referral_engine.application.demo import seed_demo
from referral_engine.application.engine import Engine
from referral_engine.bootstrap import build_in_memory
from referral_engine.domain.case import Case
from tests.factories import case_in, with_synthetic_agencies

KEY = AESGCM.generate_key(bit_length=256)


def _case() -> Case:
    engine = with_synthetic_agencies(build_in_memory())
    return engine._get(case_in(engine, "status_granted"))


def _sealed_as(case_id: UUID, version: int, plain: bytes) -> bytes:
    """Any bytes, sealed as the fold of `case_id` at `version` would be."""
    nonce = os.urandom(NONCE)
    return nonce + AESGCM(KEY).encrypt(nonce, plain, snapshots._aad(case_id, version))


class _Remove:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (shutil.rmtree, ("/nonexistent-snapshot-target",))


def test_a_kept_fold_opens_as_the_same_case() -> None:
    case = _case()
    kept = snapshots.opened(KEY, case.id, case.version, snapshots.seal(KEY, case))
    assert kept is not None and kept is not case
    assert vars(kept) == vars(case)


def test_a_kept_fold_opens_only_with_its_key_case_and_version() -> None:
    case = _case()
    sealed = snapshots.seal(KEY, case)
    assert (
        snapshots.opened(AESGCM.generate_key(bit_length=256), case.id, case.version, sealed) is None
    )
    assert snapshots.opened(KEY, uuid4(), case.version, sealed) is None
    assert snapshots.opened(KEY, case.id, case.version - 1, sealed) is None
    flipped = sealed[:-1] + bytes([sealed[-1] ^ 1])
    assert snapshots.opened(KEY, case.id, case.version, flipped) is None


def _text(text: str) -> bytes:
    raw = text.encode()
    return b"\x8c" + bytes([len(raw)]) + raw  # SHORT_BINUNICODE


def _global(module: str, name: str) -> bytes:
    return _text(module) + _text(name) + b"\x93"  # STACK_GLOBAL


def _reaching_exec(marker: Path) -> bytes:
    """A pickle that walks from domain modules' attributes (dotted names) to `exec` and writes
    `marker`: every name it finds starts in the domain."""
    mapping = "referral_engine.domain.htcds_mapping"
    getter = _global(mapping, "dataclasses.inspect.collections._itemgetter")
    return (
        b"\x80\x04"
        + _global(mapping, "dataclasses.inspect.attrgetter")
        + _text("__init__.__globals__")
        + b"\x85R"
        + _global("referral_engine.domain.case", "Case")
        + b"\x85R\x940"
        + getter
        + _text("__builtins__")
        + b"\x85Rh\x00\x85R\x940"
        + getter
        + _text("exec")
        + b"\x85Rh\x01\x85R"
        + _text(f"open({str(marker)!r}, 'w').write('ran')")
        + b"\x85R."
    )


def test_a_kept_fold_names_no_global_but_the_domains_classes(tmp_path: Path) -> None:
    case_id = uuid4()
    marker = tmp_path / "ran"
    for plain in (
        _reaching_exec(marker),
        b"\x80\x04" + _global("referral_engine.domain.case", "Case.__class__") + b".",
        pickle.dumps(_Remove()),
        b"not a pickle",
        pickle.dumps({"state": "identified"}),
    ):
        assert snapshots.opened(KEY, case_id, 3, _sealed_as(case_id, 3, plain)) is None
    assert not marker.exists()


def test_a_kept_fold_of_another_case_or_version_is_not_taken() -> None:
    case, other = _case(), _case()
    plain = pickle.dumps(other, protocol=5)
    assert (
        snapshots.opened(KEY, case.id, other.version, _sealed_as(case.id, other.version, plain))
        is None
    )
    later = other.version + 1
    assert snapshots.opened(KEY, other.id, later, _sealed_as(other.id, later, plain)) is None
    assert snapshots.opened(
        KEY, other.id, other.version, _sealed_as(other.id, other.version, plain)
    )


def _replays(engine: Engine, case_ids: list[UUID]) -> dict[UUID, list[object]]:
    return {
        c: [engine.case_at_version(c, v) for v in range(1, engine.case(c).version + 1)]
        for c in case_ids
    }


def test_replays_from_kept_folds_equal_folds_of_every_event_across_the_demo() -> None:
    engine = build_in_memory()
    seed_demo(engine, cases=40)
    notifications = engine.store.recorder.select_notifications(start=1, limit=100_000)
    case_ids = sorted({UUID(str(n.originator_id)) for n in notifications})
    engine.keep_every = 10**9
    expected = _replays(engine, case_ids)
    assert not engine.store.kept  # type: ignore[attr-defined]
    engine.keep_every = 2
    assert _replays(engine, case_ids) == expected  # keeping folds on the way
    assert engine.store.kept  # type: ignore[attr-defined]
    assert _replays(engine, case_ids) == expected  # starting from them
