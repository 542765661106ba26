"""Reading an import's mapping file: YAML, with the traps of YAML closed, since an administrator
may upload a mapping written in haste or by someone hostile (docs/import.md).

- A key written twice is refused: plain YAML keeps the last silently, so a column mapped twice
  lost its first meaning without a word.
- Nesting deeper than any mapping needs is refused before it is built (a 20,000-deep list made
  the parser overflow Python's stack: a RecursionError, not a refusal).
- Anchors and aliases stay allowed (a value map shared by two columns), but the mapping as they
  expand it must stay small: eight levels of ten aliases each are 10^8 values in a 600-byte file,
  which every row's step digest then walked (86 s for five rows).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node

from referral_engine.domain.errors import ImportMappingInvalid
from referral_engine.domain.text import text_problem

DEPTH_MAX = 32
"""No mapping needs more than a handful of levels (paths -> state -> steps -> step -> data)."""
MAPPING_BYTES = 1024 * 1024
"""The largest mapping file read (the importer then refuses more than 200,000 characters)."""
EXPANDED_MAX = 50_000
"""Values in the mapping once its aliases expand; the shipped example has about 400."""


class MappingTooLarge(yaml.YAMLError):
    """The mapping expands (through its aliases) to more values than any mapping needs."""


class MappingLoader(yaml.SafeLoader):
    """The safe loader, refusing repeated keys and deep nesting."""

    depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        self.depth += 1
        try:
            if self.depth > DEPTH_MAX:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise ComposerError(None, None, f"nested more than {DEPTH_MAX} levels", mark)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        seen: set[object] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, Hashable) and key in seen:
                problem = f"the key {key!r} is written twice"
                raise ConstructorError(None, None, problem, key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep)


def load_mapping(text: str) -> object:
    """The mapping's YAML as plain values; yaml.YAMLError (with a mark when it has a place)."""
    raw = yaml.load(text, Loader=MappingLoader)
    _count(raw, [EXPANDED_MAX])
    return raw


def _count(value: object, budget: list[int]) -> None:
    """Walk the expanded value, refusing it once it holds more than the budget's values."""
    budget[0] -= 1
    if budget[0] < 0:
        raise MappingTooLarge(f"the mapping expands to more than {EXPANDED_MAX} values")
    if isinstance(value, Mapping):
        for key, item in value.items():
            _count(key, budget)
            _count(item, budget)
    elif isinstance(value, list):
        for item in value:
            _count(item, budget)


def mapping_text(data: bytes) -> str:
    """A mapping file's bytes as text: UTF-8, within MAPPING_BYTES, no character a text may not
    hold (the CLI and HTTP both read it so)."""
    if len(data) > MAPPING_BYTES:
        raise ImportMappingInvalid([f"the mapping is larger than {MAPPING_BYTES:,} bytes"])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportMappingInvalid(["the mapping is not UTF-8 text"]) from None
    if not text.strip():
        raise ImportMappingInvalid(["the mapping is empty"])
    if (found := text_problem(text, free_text=True)) is not None:
        raise ImportMappingInvalid([f"the mapping {found.message}"])
    return text
