"""Load workflow files (YAML) and validate them into domain WorkflowDefinitions.

Structure is checked by pydantic models (unknown keys refused); meaning is checked afterwards
(unknown states and roles, unreachable states, dead ends, duplicate triggers, unknown events).
Every problem is reported as `file: path: problem`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from referral_engine.domain.errors import InvalidWorkflow, WorkflowNotFound
from referral_engine.domain.workflow import PREVIOUS, WorkflowDefinition
from referral_engine.workflows.build import build
from referral_engine.workflows.checks import semantic_problems
from referral_engine.workflows.documents import SAFE_LOADER, Documents, workflow_files
from referral_engine.workflows.entries import text_problems
from referral_engine.workflows.labels import label_gaps
from referral_engine.workflows.lint import lint
from referral_engine.workflows.mermaid import mermaid, referral_mermaid
from referral_engine.workflows.model import WorkflowModel
from referral_engine.workflows.papers import papers_of
from referral_engine.workflows.rules import repeated_triggers, service_targets


def load_file(path: Path) -> WorkflowDefinition:
    """Read, resolve (a version written as changes, from the files beside it), validate and
    build one workflow file; raise InvalidWorkflow naming every problem."""
    return _load(Documents.around(path), path)


def lint_file(path: Path, labels: bool = False) -> list[str]:
    """Authoring findings of one file (see workflows.lint), resolved like `load_file`, with
    `labels` also what its languages do not label yet; InvalidWorkflow when its structure cannot
    even be read."""
    model = _structure(path)
    return lint(model) + (label_gaps(model) if labels else [])


def file_notes(path: Path) -> tuple[list[str], list[str]]:
    """What a reader of one file is told beside its findings: the triggers it declares more
    than once as meant (once per source state), and its deadlines that are service targets."""
    model = _structure(path)
    return repeated_triggers(model), service_targets(model)


def _structure(path: Path) -> WorkflowModel:
    """The file resolved like `load_file`, its structure checked (not yet its meaning)."""
    name = str(path)
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    except (OSError, yaml.YAMLError) as exc:
        raise InvalidWorkflow(name, [f"cannot read: {exc}"]) from None
    resolved = Documents.around(path, {path: raw}).resolved(path)
    if problems := text_problems(resolved):
        raise InvalidWorkflow(name, problems)
    try:
        return WorkflowModel.model_validate(resolved)
    except ValidationError as exc:
        raise InvalidWorkflow(name, [_pydantic_problem(e) for e in exc.errors()]) from None


def resolved_document(directory: Path, workflow_id: str, version: int) -> dict[str, Any]:
    """The full document of one workflow version in `directory`, every `extends:` resolved (what
    `workflows show --resolved` prints)."""
    documents = Documents(workflow_files(directory))
    path = documents.find(workflow_id, version)
    if path is None:
        raise WorkflowNotFound(workflow_id, version)
    resolved: dict[str, Any] = documents.resolved(path)
    return resolved


def _load(documents: Documents, path: Path) -> WorkflowDefinition:
    return parse(documents.resolved(path), str(path), path.parent)


def parse(raw: Any, name: str = "<workflow>", base: Path | None = None) -> WorkflowDefinition:
    """Validate a decoded workflow document and build its definition (its papers' templates
    read from the folder `base`)."""
    if not isinstance(raw, dict):
        raise InvalidWorkflow(name, ["the file must hold a mapping at the top level"])
    if problems := text_problems(raw):
        raise InvalidWorkflow(name, problems)
    try:
        model = WorkflowModel.model_validate(raw)
    except ValidationError as exc:
        raise InvalidWorkflow(name, [_pydantic_problem(e) for e in exc.errors()]) from None
    papers, paper_problems = papers_of(model, base)
    problems = semantic_problems(model) + paper_problems
    if problems:
        raise InvalidWorkflow(name, problems)
    return build(model, papers)


def _pydantic_problem(error: Any) -> str:
    path = ""
    for part in error["loc"]:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "unknown key"
    return f"{path or '(top)'}: {message}"


class WorkflowRegistry:
    """Every loaded workflow version, looked up by id and version (the newest by default)."""

    def __init__(self, definitions: list[WorkflowDefinition]) -> None:
        self._by_ref: dict[tuple[str, int], WorkflowDefinition] = {}
        for d in definitions:
            if (d.id, d.version) in self._by_ref:
                raise InvalidWorkflow(d.id, [f"version {d.version} is defined twice"])
            self._by_ref[(d.id, d.version)] = d

    @classmethod
    def from_directory(cls, directory: Path) -> WorkflowRegistry:
        """Load every `*.yaml` file in `directory`; any invalid file stops the load."""
        documents = Documents(workflow_files(directory))
        return cls([_load(documents, p) for p in documents.paths])

    def get(self, workflow_id: str, version: int | None = None) -> WorkflowDefinition:
        if version is None:
            versions = [v for (i, v) in self._by_ref if i == workflow_id]
            if not versions:
                raise WorkflowNotFound(workflow_id)
            version = max(versions)
        try:
            return self._by_ref[(workflow_id, version)]
        except KeyError:
            raise WorkflowNotFound(workflow_id, version) from None

    def __iter__(self) -> Iterator[WorkflowDefinition]:
        return iter(sorted(self._by_ref.values(), key=lambda d: (d.id, d.version)))


__all__ = [
    "PREVIOUS",
    "WorkflowModel",
    "WorkflowRegistry",
    "build",
    "file_notes",
    "lint_file",
    "load_file",
    "mermaid",
    "parse",
    "referral_mermaid",
    "resolved_document",
    "workflow_files",
]
