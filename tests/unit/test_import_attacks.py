"""Attacks on the register import (in memory): mappings written carelessly or with hostile
intent, files that read wrong, rows that would crash the import or leak personal data. Each test
is a defect found by attacking the import; it failed before its fix."""

from __future__ import annotations

import time

import pytest

from referral_engine.application.importing import Imports
from referral_engine.bootstrap import build_in_memory
from referral_engine.config import PROJECT_ROOT
from referral_engine.domain.commands import Actor
from referral_engine.domain.errors import ImportMappingInvalid
from tests.factories import FixedClock

MAPPING = (PROJECT_ROOT / "docs" / "import" / "ministry-register.yaml").read_text()
ADMIN = Actor("admin.import", "admin", "mlsp")


def imports() -> Imports:
    engine = build_in_memory(clock=FixedClock())
    return Imports(engine.store, engine.workflows, engine.clock)


def spoiled(old: str, new: str) -> str:
    """The shipped mapping with one change (which must apply)."""
    assert old in MAPPING, old
    return MAPPING.replace(old, new, 1)


def refusal(mapping: str) -> list[str]:
    """The problems a mapping is refused with (it must be refused, not crash)."""
    with pytest.raises(ImportMappingInvalid) as refused:
        imports().mapping("ukraine-nrm", mapping)
    return list(refused.value.problems)


# -- the mapping as YAML ------------------------------------------------------------------------


def test_a_key_written_twice_is_refused_not_silently_the_last() -> None:
    twice = spoiled('  "ПІБ": person_name\n', '  "ПІБ": person_name\n  "ПІБ": person_name\n')
    assert any("'ПІБ' is written twice" in p for p in refusal(twice))


def test_deeply_nested_yaml_is_refused_not_a_recursion_error() -> None:
    deep = MAPPING + "extra: " + "[" * 20_000 + "]" * 20_000 + "\n"
    assert any("nested more than" in p for p in refusal(deep))


def test_an_alias_bomb_is_refused_before_any_row() -> None:
    levels = ["&l0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"&l{n} [{', '.join([f'*l{n - 1}'] * 10)}]" for n in range(1, 8)]
    bomb = spoiled("scope: [status_application, data_sharing]", f"scope: [{', '.join(levels)}]")
    started = time.perf_counter()
    assert any("expands to more than" in p for p in refusal(bomb))
    assert time.perf_counter() - started < 5


def test_anchors_and_aliases_of_a_small_mapping_still_work() -> None:
    shared = spoiled("data: {given_by: person,", "data: {given_by: &who person,")
    shared = shared.replace("data: {applicant: person,", "data: {applicant: *who,", 1)
    assert "*who," in shared
    _, checked, _ = imports().mapping("ukraine-nrm", shared)
    assert checked.paths["application_registered"][2].data["applicant"] == "person"
