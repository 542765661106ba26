"""The workflows package reads as a tree: no module imports one that imports it back, and none
outgrows the size a reader takes in at once."""

from __future__ import annotations

import ast
from pathlib import Path

import referral_engine.workflows as package

PACKAGE = Path(package.__file__).parent
LIMIT = 400


def _imports(path: Path) -> set[str]:
    """The sibling modules a module imports (at run time or for type checking alike)."""
    prefix = f"{package.__name__}."
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(prefix):
            found.add(str(node.module).removeprefix(prefix))
    return found


def _cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import circle as the chain of its modules, or [] when there is none."""
    done: set[str] = set()

    def visit(name: str, chain: list[str]) -> list[str]:
        if name in chain:
            return [*chain[chain.index(name) :], name]
        if name in done:
            return []
        for imported in sorted(graph.get(name, set())):
            if found := visit(imported, [*chain, name]):
                return found
        done.add(name)
        return []

    return next(filter(None, (visit(name, []) for name in sorted(graph))), [])


def test_the_workflow_modules_import_each_other_without_a_circle() -> None:
    graph = {p.stem: _imports(p) for p in PACKAGE.glob("*.py")}

    assert _cycle(graph) == []


def test_every_workflow_module_stays_under_the_size_limit() -> None:
    sizes = {p.name: len(p.read_text(encoding="utf-8").splitlines()) for p in PACKAGE.glob("*.py")}

    assert {name: n for name, n in sizes.items() if n >= LIMIT} == {}
