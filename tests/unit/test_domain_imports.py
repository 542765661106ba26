"""The domain's modules import one another as a tree: no circle, not even one closed only
under TYPE_CHECKING (a circle there still ties the modules into one unit to read)."""

from __future__ import annotations

import ast
from pathlib import Path

import referral_engine.domain

DOMAIN = Path(referral_engine.domain.__file__).parent
PACKAGE = "referral_engine.domain"


def imports_of(path: Path) -> set[str]:
    """The domain modules `path` imports, anywhere in it (TYPE_CHECKING blocks included)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == PACKAGE:
                found |= {alias.name for alias in node.names}
            elif node.module.startswith(PACKAGE + "."):
                found.add(node.module.split(".")[2])
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[2] for a in node.names if a.name.startswith(PACKAGE + ".")}
    return found - {path.stem}


def circle(graph: dict[str, set[str]]) -> list[str] | None:
    """One circle of the graph, if it has any."""
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> list[str] | None:
        if module in path:
            return [*path[path.index(module) :], module]
        if module in done:
            return None
        for imported in sorted(graph.get(module, ())):
            if (found := visit(imported, [*path, module])) is not None:
                return found
        done.add(module)
        return None

    for module in sorted(graph):
        if (found := visit(module, [])) is not None:
            return found
    return None


def test_the_domain_imports_form_no_circle() -> None:
    graph = {p.stem: imports_of(p) for p in DOMAIN.glob("*.py") if p.stem != "__init__"}
    assert "case" in graph and graph["rules"], graph  # the graph was read
    assert circle(graph) is None


def test_no_domain_module_is_over_400_lines() -> None:
    lengths = {p.name: len(p.read_text("utf-8").splitlines()) for p in DOMAIN.glob("*.py")}
    assert {name: n for name, n in lengths.items() if n > 400} == {}
