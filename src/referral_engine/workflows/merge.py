"""A workflow version written as its changes on the version before it (`extends: ID@VERSION`).

The merge works on the decoded documents, before any validation, so the resolved document is
checked exactly like a file written out in full. The rules (docs/workflows.md, "A version
written as changes"):

- mappings merge key by key, recursively; a scalar or a plain list given replaces the parent's;
- the lists of named steps, deadlines, regions and papers (`transitions`,
  `referrals.transitions` by `trigger`, `deadlines` by `name`, `regions` by `code`, `papers` by
  `id`) merge by that key: an item given in
  full replaces every item of the parent with its key, in the place of the first; an item giving
  only its key keeps the parent's unchanged; a key given again in the same file adds another
  declaration;
- entries keep the parent's order; a new one follows the entry written before it in the file
  (so `status_granted: {}` or `{trigger: extend_status}` says where the next new entry goes),
  and one written before any known entry goes at the end;
- `remove:` deletes by key first: a list names entries of that section, a mapping goes one
  level deeper, `true` deletes the key itself;
- `migration` is never inherited: it says how cases move to the version that states it.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

NAMED_LISTS: dict[tuple[str, ...], str] = {
    ("transitions",): "trigger",
    ("referrals", "transitions"): "trigger",
    ("deadlines",): "name",
    ("regions",): "code",
    ("papers",): "id",
}
"""The lists merged by a key of their items, by their place in the document."""
META = ("extends", "remove")
"""Keys of a change file that say how to merge it; the resolved document has neither."""
NOT_INHERITED = ("migration",)
REFERENCE = re.compile(r"^([a-z][a-z0-9-]*)@([1-9][0-9]{0,8})$")


def parse_reference(value: object) -> tuple[str, int] | None:
    """`ukraine-nrm@1` as (id, version); None when the value is not of that form."""
    found = REFERENCE.match(value) if isinstance(value, str) else None
    return (found.group(1), int(found.group(2))) if found else None


def resolve(parent: Mapping[str, Any], child: Mapping[str, Any], parent_ref: str) -> dict[str, Any]:
    """The child's full document: the parent's, less `remove:`, with the child's entries merged
    in; raise ValueError listing every problem as `path: problem`."""
    base = {k: copy.deepcopy(v) for k, v in parent.items() if k not in NOT_INHERITED}
    problems = [f"{key}: a version written as changes states its own {key}" for key in
                ("id", "version") if key not in child]  # fmt: skip
    if "remove" in child:
        problems += _remove(base, child["remove"], ("remove",), parent_ref)
    changes = {k: copy.deepcopy(v) for k, v in child.items() if k not in META}
    merge = _Merge(parent_ref, problems)
    merged = merge.mapping(base, changes, ())
    if problems:
        raise ValueError(problems)
    return merged


@dataclass
class _Merge:
    """One merge of a child onto its parent, collecting the problems it meets."""

    parent_ref: str
    problems: list[str]

    def value(self, parent: Any, child: Any, path: tuple[str, ...]) -> Any:
        if path in NAMED_LISTS and isinstance(parent, list) and isinstance(child, list):
            return self.named(parent, child, path)
        if isinstance(parent, dict) and isinstance(child, dict):
            return self.mapping(parent, child, path)
        return child

    def mapping(
        self, parent: dict[str, Any], child: dict[str, Any], path: tuple[str, ...]
    ) -> dict[str, Any]:
        entries = list(parent.items())
        cursor: int | None = None
        for key, value in child.items():
            known = next((i for i, (k, _) in enumerate(entries) if k == key), None)
            if known is not None:
                entries[known] = (key, self.value(entries[known][1], value, (*path, key)))
                cursor = known
            else:
                cursor = _insert(entries, cursor, (key, value))
        return dict(entries)

    def named(self, parent: list[Any], child: list[Any], path: tuple[str, ...]) -> list[Any]:
        key, where = NAMED_LISTS[path], ".".join(path)
        items, given = list(parent), set()
        cursor: int | None = None
        for i, item in enumerate(child):
            name = _key(item, key)
            if not isinstance(name, str):
                self.problems.append(f"{where}[{i}]: needs a `{key}` to be merged by")
                continue
            places = [j for j, old in enumerate(items) if _key(old, key) == name]
            if set(item) == {key}:  # only the key: the parent's stays; the next new one follows
                if not places:
                    found = f"{self.parent_ref} has no {key} '{_shown(name)}'"
                    self.problems.append(f"{where}[{i}]: {found}")
                cursor = places[-1] if places else cursor
            elif places and name not in given:
                items[places[0]] = item
                items = [old for j, old in enumerate(items) if j not in places[1:]]
                cursor = places[0]
            else:
                cursor = _insert(items, cursor, item)
            given.add(name)
        return items


def _key(item: Any, key: str) -> Any:
    return item.get(key) if isinstance(item, dict) else None


def _insert(entries: list[Any], cursor: int | None, entry: Any) -> int:
    """Put a new entry after the one at `cursor` (at the end without one); its index."""
    at = len(entries) if cursor is None else cursor + 1
    entries.insert(at, entry)
    return at


def _remove(doc: Any, removals: Any, path: tuple[str, ...], parent_ref: str) -> list[str]:
    """Delete what `removals` names from `doc` (in place); the problems, as `path: problem`."""
    where = ".".join(path)
    if not isinstance(removals, dict):
        return [f"{where}: a mapping of what to remove (a list of names, a mapping or true)"]
    problems: list[str] = []
    for name, what in removals.items():
        at, section = f"{where}.{_shown(name)}", (*path[1:], name)
        if not isinstance(doc, dict) or name not in doc:
            problems.append(f"{at}: {parent_ref} has no '{_shown(name)}' to remove")
        elif what is True:
            del doc[name]
        elif isinstance(what, dict):
            problems += _remove(doc[name], what, (*path, name), parent_ref)
        elif isinstance(what, list):
            problems += _remove_names(doc, name, what, section, at, parent_ref)
        else:
            problems.append(f"{at}: a list of names, a mapping or true")
    return problems


def _remove_names(
    doc: dict[str, Any],
    name: str,
    names: list[Any],
    section: tuple[str, ...],
    at: str,
    parent_ref: str,
) -> list[str]:
    target = doc[name]
    key = NAMED_LISTS.get(section)
    problems: list[str] = []
    for entry in names:
        if key is not None and isinstance(target, list):
            kept = [item for item in target if _key(item, key) != entry]
            found = len(kept) < len(target)
            doc[name] = target = kept
        elif isinstance(target, dict):
            found = isinstance(entry, str) and entry in target
            if found:
                del target[entry]
        else:
            return [f"{at}: '{name}' has no named entries to remove"]
        if not found:
            problems.append(f"{at}: {parent_ref} has no '{_shown(entry)}' to remove")
    return problems


def _shown(value: object) -> str:
    """A name as the problem quotes it: as written when printable, escaped otherwise."""
    text = str(value)
    return text if text.isprintable() else ascii(text)[1:-1]
