"""A workflow version written as its changes on the version before it (`extends: ID@VERSION`):
resolved at load time into the full document, exactly as if it had been written out, with clear
errors naming the file and the place in it."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from referral_engine.domain.errors import InvalidWorkflow
from referral_engine.workflows.loader import (
    WorkflowRegistry,
    lint_file,
    load_file,
    resolved_document,
)
from referral_engine.workflows.merge import resolve
from tests.factories import PROJECT_ROOT, UKRAINE, WORKFLOWS, with_papers

WRITTEN_OUT_V2 = PROJECT_ROOT / "tests" / "fixtures" / "ukraine-nrm-v2-written-out.yaml"
"""Version 2 as it was shipped before it was written as changes: the full copy it must equal."""


def ordered(value: Any) -> Any:
    """A document with every mapping's order made part of what is compared."""
    if isinstance(value, dict):
        return [(k, ordered(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [ordered(v) for v in value]
    return value


def folder_with(tmp_path: Path, **documents: dict[str, Any]) -> Path:
    """A workflow folder holding the shipped version 1 and these files (name: document)."""
    shutil.copy(WORKFLOWS / "ukraine-nrm.yaml", tmp_path / "ukraine-nrm.yaml")
    with_papers(tmp_path)
    for name, document in documents.items():
        text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
        (tmp_path / f"{name}.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def change(**entries: Any) -> dict[str, Any]:
    """A version 2 of the Ukraine workflow written as these changes on version 1."""
    return {"extends": f"{UKRAINE}@1", "id": UKRAINE, "version": 2, **entries}


def refused(folder: Path, name: str) -> list[str]:
    """The problems the loader names when it refuses the file, as `file: path: problem`."""
    with pytest.raises(InvalidWorkflow) as error:
        WorkflowRegistry.from_directory(folder)
    assert error.value.source == str(folder / f"{name}.yaml")
    return str(error.value).splitlines()


# -- the shipped version 2 ---------------------------------------------------------------------


def test_the_shipped_version_2_resolves_to_the_full_copy_it_replaced() -> None:
    written_out = yaml.safe_load(WRITTEN_OUT_V2.read_text(encoding="utf-8"))
    resolved = resolved_document(WORKFLOWS, UKRAINE, 2)
    assert resolved.pop("papers")  # declared since, by version 1, and so inherited
    assert resolved.pop("htcds")  # likewise (the HTCDS mapping)

    shipped = WorkflowRegistry.from_directory(WORKFLOWS).get(UKRAINE, 2)
    assert replace(shipped, papers=(), htcds=None) == load_file(WRITTEN_OUT_V2)
    assert resolved == written_out
    # in the same order too, but for labels, which are looked up by name only
    assert ordered({**resolved, "labels": None}) == ordered({**written_out, "labels": None})


def test_the_shipped_version_2_is_much_shorter_than_the_copy_it_replaced() -> None:
    lines = len((WORKFLOWS / "ukraine-nrm-v2.yaml").read_text(encoding="utf-8").splitlines())
    assert lines < len(WRITTEN_OUT_V2.read_text(encoding="utf-8").splitlines()) / 3


def test_a_version_written_as_changes_lints_as_its_resolved_whole() -> None:
    assert lint_file(WORKFLOWS / "ukraine-nrm-v2.yaml", labels=True) == []


# -- the merge rules ---------------------------------------------------------------------------

PARENT: dict[str, Any] = {
    "id": "w",
    "version": 1,
    "title": "First",
    "states": {"a": {"title": "A"}, "b": {"title": "B", "terminal": True}},
    "opening": {"roles": ["x"], "fields": {"name": {"type": "string", "pii": True}}},
    "transitions": [
        {"trigger": "go", "source": "a", "dest": "b", "roles": ["x"]},
        {"trigger": "stay", "source": "a", "roles": ["x"]},
        {"trigger": "go", "source": "c", "dest": "b", "roles": ["x"]},
    ],
    "deadlines": [{"name": "d1", "days": 3}, {"name": "d2", "days": 5}],
    "migration": {"from_version": 0},
}


def merged(**changes: Any) -> dict[str, Any]:
    return resolve(PARENT, {"extends": "w@1", "id": "w", "version": 2, **changes}, "w@1")


def test_mappings_merge_key_by_key_and_scalars_and_plain_lists_are_replaced() -> None:
    doc = merged(
        title="Second",
        states={"a": {"title": "A, renamed"}},
        opening={"roles": ["y"], "fields": {"name": {"title": "Full name"}}},
    )
    assert doc["title"] == "Second"
    assert doc["states"] == {"a": {"title": "A, renamed"}, "b": {"title": "B", "terminal": True}}
    assert doc["opening"] == {
        "roles": ["y"],
        "fields": {"name": {"type": "string", "pii": True, "title": "Full name"}},
    }


def test_a_named_item_given_in_full_replaces_every_declaration_of_its_key_in_place() -> None:
    doc = merged(transitions=[{"trigger": "go", "source": "a", "dest": "b", "roles": ["z"]}])
    assert doc["transitions"] == [
        {"trigger": "go", "source": "a", "dest": "b", "roles": ["z"]},
        {"trigger": "stay", "source": "a", "roles": ["x"]},
    ]


def test_new_entries_follow_the_entry_written_before_them_else_go_last() -> None:
    doc = merged(
        states={"c": {"title": "C"}, "a": {}, "a2": {"title": "After A"}},
        deadlines=[{"name": "d1"}, {"name": "d1b", "days": 4}],
    )
    assert list(doc["states"]) == ["a", "a2", "b", "c"]
    assert doc["states"]["a"] == {"title": "A"}  # `a: {}` changed nothing
    assert [d["name"] for d in doc["deadlines"]] == ["d1", "d1b", "d2"]
    assert doc["deadlines"][0] == {"name": "d1", "days": 3}  # named by its key only: kept


def test_a_key_given_again_adds_another_declaration_after_the_entry_before_it() -> None:
    doc = merged(
        transitions=[
            {"trigger": "stay"},
            {"trigger": "stay", "source": "b", "roles": ["x"]},
        ]
    )
    assert [(t["trigger"], t["source"]) for t in doc["transitions"]] == [
        ("go", "a"),
        ("stay", "a"),
        ("stay", "b"),
        ("go", "c"),
    ]


def test_remove_deletes_by_key_before_the_changes_merge() -> None:
    doc = merged(
        remove={
            "states": ["b"],
            "transitions": ["go"],
            "opening": {"fields": ["name"]},
            "deadlines": ["d2"],
            "title": True,
        },
        states={"b": {"title": "B again, now last"}},
    )
    assert "title" not in doc
    assert list(doc["states"]) == ["a", "b"]
    assert doc["transitions"] == [{"trigger": "stay", "source": "a", "roles": ["x"]}]
    assert doc["opening"]["fields"] == {}
    assert doc["deadlines"] == [{"name": "d1", "days": 3}]


def test_the_migration_is_never_inherited_and_the_merge_keys_are_gone() -> None:
    doc = merged()
    assert "migration" not in doc and "extends" not in doc and "remove" not in doc
    assert doc["version"] == 2


# -- errors, each naming the file and the place in it ------------------------------------------


def test_a_parent_no_file_declares_is_refused(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, v2=change(extends=f"{UKRAINE}@7"))
    assert refused(folder, "v2") == [
        f"{folder / 'v2.yaml'}: extends: no workflow file in {folder} is {UKRAINE}@7 "
        f"(id {UKRAINE}, version 7)"
    ]


def test_a_parent_of_another_workflow_is_refused(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, v2=change(id="other-nrm"))
    assert refused(folder, "v2") == [
        f"{folder / 'v2.yaml'}: extends: {UKRAINE}@1 is a version of another workflow than this "
        "file's id ('other-nrm')"
    ]


def test_versions_extending_each_other_in_a_circle_are_refused(tmp_path: Path) -> None:
    """A circle always has a version extending a later one, and is refused there."""
    folder = folder_with(
        tmp_path,
        v2=change(extends=f"{UKRAINE}@3"),
        v3=change(extends=f"{UKRAINE}@2", version=3),
    )
    assert refused(folder, "v2") == [
        f"{folder / 'v2.yaml'}: version: 2 must be greater than {UKRAINE}@3's version"
    ]


def test_a_version_extending_itself_is_refused_as_not_greater(tmp_path: Path) -> None:
    """Not found as its own parent and called a circle (the reason was wrong)."""
    folder = folder_with(tmp_path, v2=change(extends=f"{UKRAINE}@2"))
    assert refused(folder, "v2") == [
        f"{folder / 'v2.yaml'}: version: 2 must be greater than {UKRAINE}@2's version"
    ]


@pytest.mark.parametrize("written", ["2", 2.0])
def test_a_version_written_as_text_or_a_float_is_read_as_the_structure_check_reads_it(
    tmp_path: Path, written: object
) -> None:
    """`version: "2"` loaded as version 2 but could not be extended, and `version: "1"`
    extending @1 was let through by `workflows validate`."""
    folder = folder_with(
        tmp_path, v2=change(version=written), v3=change(extends=f"{UKRAINE}@2", version=3)
    )
    assert load_file(folder / "v3.yaml").version == 3
    (folder / "v2.yaml").write_text(yaml.safe_dump(change(version="1")), encoding="utf-8")
    with pytest.raises(InvalidWorkflow) as error:
        load_file(folder / "v2.yaml")
    assert f"version: 1 must be greater than {UKRAINE}@1's version" in str(error.value)


def test_removing_what_the_parent_does_not_have_is_refused(tmp_path: Path) -> None:
    removals = {"states": ["screned"], "transitions": ["grant_status", "grant"]}
    folder = folder_with(tmp_path, v2=change(remove=removals))
    assert refused(folder, "v2") == [
        f"{folder / 'v2.yaml'}: remove.states: {UKRAINE}@1 has no 'screned' to remove",
        f"{folder / 'v2.yaml'}: remove.transitions: {UKRAINE}@1 has no 'grant' to remove",
    ]


def test_a_version_not_greater_than_its_parents_is_refused(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, v2=change(version=1))
    assert refused(folder, "v2") == [
        f"{folder / 'v2.yaml'}: version: 1 must be greater than {UKRAINE}@1's version"
    ]


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"extends": "ukraine-nrm"}, "extends: must name the version extended as ID@VERSION"),
        ({"extends": "ukraine-nrm@1\x00"}, "extends: must name the version extended as ID@VERSION"),
        ({"transitions": [{"event": "X"}]}, "transitions[0]: needs a `trigger` to be merged by"),
        (
            {"deadlines": [{"name": "nope"}]},
            "deadlines[0]: ukraine-nrm@1 has no name 'nope'",
        ),
        ({"remove": ["states"]}, "remove: a mapping of what to remove"),
        ({"remove": {"title": ["x"]}}, "remove.title: 'title' has no named entries to remove"),
    ],
)
def test_a_change_that_cannot_be_merged_is_refused_naming_its_place(
    tmp_path: Path, changes: dict[str, Any], problem: str
) -> None:
    folder = folder_with(tmp_path, v2=change(**changes))
    assert any(p.startswith(f"{folder / 'v2.yaml'}: {problem}") for p in refused(folder, "v2"))


def test_a_version_written_as_changes_states_its_own_id_and_version(tmp_path: Path) -> None:
    document = change()
    del document["id"], document["version"]
    folder = folder_with(tmp_path, v2=document)
    assert refused(folder, "v2") == [
        f"{folder / 'v2.yaml'}: id: a version written as changes states its own id",
        f"{folder / 'v2.yaml'}: version: a version written as changes states its own version",
    ]


def test_the_resolved_version_is_validated_like_a_file_written_out(tmp_path: Path) -> None:
    steps = [{"trigger": "close_case", "event": "CaseClosed", "source": "nowhere",
              "dest": "closed", "roles": ["supervisor"]}]  # fmt: skip
    folder = folder_with(tmp_path, v2=change(transitions=steps))
    assert f"{folder / 'v2.yaml'}: transitions[20].source: unknown state 'nowhere'" in refused(
        folder, "v2"
    )


def test_a_file_alone_finds_the_version_it_extends_beside_it(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, v2=change(title="Second"))
    assert load_file(folder / "v2.yaml").title == "Second"
