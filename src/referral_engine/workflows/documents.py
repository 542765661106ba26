"""Workflow files as decoded documents, a version written as changes (`extends:`) resolved into
the full document the loader validates, as if it had been written out in full."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import TypeAdapter, ValidationError

from referral_engine.domain.errors import InvalidWorkflow
from referral_engine.workflows.merge import parse_reference, resolve

SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader when PyYAML has it (about eight times faster), else the pure one."""


def read_document(path: Path) -> Any:
    """The decoded YAML of one file; InvalidWorkflow when it cannot be read or decoded."""
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    except OSError as exc:
        raise InvalidWorkflow(str(path), [f"cannot read: {exc.strerror}"]) from None
    except yaml.YAMLError as exc:
        raise InvalidWorkflow(str(path), [f"not valid YAML: {exc}"]) from None


class _WrittenOut(yaml.SafeDumper):
    """Writes every list where it is used: a reader of a resolved document sees no anchors."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def dump_document(document: Any) -> str:
    """A document as YAML, in its own order and in its own script (Ukrainian stays readable)."""
    text: str = yaml.dump(
        document, Dumper=_WrittenOut, sort_keys=False, allow_unicode=True, width=100
    )
    return text


def workflow_files(path: Path) -> list[Path]:
    """The workflow files at `path`: the file itself, or the YAML files in the directory."""
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml"))
    return [path]


class Documents:
    """The workflow files of one folder, each read once and resolvable into its full document;
    the version a file extends is looked for among them."""

    def __init__(self, paths: Iterable[Path], read: Mapping[Path, Any] | None = None) -> None:
        self.paths = list(dict.fromkeys(paths))
        self._raw: dict[Path, Any] = dict(read or {})
        self._resolved: dict[Path, Any] = {}
        self._index: dict[tuple[str, int], Path] | None = None

    @classmethod
    def around(cls, path: Path, read: Mapping[Path, Any] | None = None) -> Documents:
        """The file and the workflow files beside it (where the version it extends is)."""
        beside = workflow_files(path.parent) if path.parent.is_dir() else []
        return cls([path, *beside], read)

    def raw(self, path: Path) -> Any:
        """The file's document as written."""
        if path not in self._raw:
            self._raw[path] = read_document(path)
        return self._raw[path]

    def find(self, workflow_id: str, version: int) -> Path | None:
        """The file that declares this version of this workflow (the first, if several do)."""
        if self._index is None:
            self._index = {}
            for path in self.paths:
                ref = _declared(self._readable(path))
                if ref is not None:
                    self._index.setdefault(ref, path)
        return self._index.get((workflow_id, version))

    def resolved(self, path: Path) -> Any:
        """The file's full document: as written, or, with `extends:`, merged onto its parent's."""
        if path not in self._resolved:
            raw = self.raw(path)
            extends = isinstance(raw, dict) and "extends" in raw
            self._resolved[path] = self._resolve(path, raw) if extends else raw
        return self._resolved[path]

    def _resolve(self, path: Path, raw: dict[str, Any]) -> dict[str, Any]:
        name = str(path)
        ref = str(raw["extends"])
        parent_path = self._parent(path, raw)
        declared, extended = _declared(raw), parse_reference(raw["extends"])
        if declared is not None and extended is not None and declared[1] <= extended[1]:
            # judged before the chain: a file naming its own version is found as its own
            # parent, and would otherwise be reported as a circle
            problem = f"version: {declared[1]} must be greater than {ref}'s version"
            raise InvalidWorkflow(name, [problem])
        problems = self._chain_problems(path)
        if problems:
            raise InvalidWorkflow(name, problems)
        try:
            return resolve(self.resolved(parent_path), raw, ref)
        except ValueError as exc:
            raise InvalidWorkflow(name, list(exc.args[0])) from None

    def _parent(self, path: Path, raw: dict[str, Any]) -> Path:
        """The file of the version `raw` extends; InvalidWorkflow when there is none to use."""
        ref = parse_reference(raw["extends"])
        if ref is None:
            problem = "must name the version extended as ID@VERSION, e.g. ukraine-nrm@1"
            raise InvalidWorkflow(str(path), [f"extends: {problem}"])
        text = f"{ref[0]}@{ref[1]}"
        if "id" in raw and ref[0] != raw["id"]:
            problem = f"{text} is a version of another workflow than this file's id"
            raise InvalidWorkflow(str(path), [f"extends: {problem} ({raw.get('id')!r})"])
        parent = self.find(*ref)
        if parent is None:
            folder = path.parent
            problem = f"no workflow file in {folder} is {text} (id {ref[0]}, version {ref[1]})"
            raise InvalidWorkflow(str(path), [f"extends: {problem}"])
        return parent

    def _chain_problems(self, path: Path) -> list[str]:
        """A circle of versions extending each other, named, starting from this file."""
        chain = [path]
        while isinstance(raw := self._readable(chain[-1]), dict) and "extends" in raw:
            ref = parse_reference(raw["extends"])
            parent = self.find(*ref) if ref is not None else None
            if parent is None:
                return []
            if parent in chain:
                circle = [*chain[chain.index(parent) :], parent]
                names = " -> ".join(_text(self._readable(p)) for p in circle)
                return [f"extends: the versions extend each other in a circle: {names}"]
            chain.append(parent)
        return []

    def _readable(self, path: Path) -> Any:
        """The file's document, or None when it cannot be read (it is then no one's parent)."""
        try:
            return self.raw(path)
        except InvalidWorkflow:
            return None


def _declared(raw: Any) -> tuple[str, int] | None:
    """The (id, version) a document declares, when it declares both: the version read as the
    file's structure check reads it (`"2"` or `2.0` is version 2 there, so it is here too)."""
    if isinstance(raw, dict) and isinstance(raw.get("id"), str):
        try:
            return raw["id"], _VERSION.validate_python(raw.get("version"))
        except ValidationError:
            return None
    return None


_VERSION: TypeAdapter[int] = TypeAdapter(int)  # the structure check's `version: int`, lax as there


def _text(raw: Any) -> str:
    ref = _declared(raw)
    return f"{ref[0]}@{ref[1]}" if ref else "?"
