"""The shape of the code: no import circle between modules, no oversized module, and the
import-linter contracts of `make lint` catching an import the layers forbid."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from referral_engine.config import PROJECT_ROOT

PACKAGE = "referral_engine"
SOURCE = PROJECT_ROOT / "src"
MAX_LINES = 400


def modules(root: Path = SOURCE) -> dict[str, Path]:
    """Every module of the package by dotted name; a package's __init__ under the package's."""
    found = {}
    for path in sorted((root / PACKAGE).rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imported(name: str, path: Path, known: set[str]) -> Iterator[str]:
    """The package's modules `name` imports anywhere in its text: in functions, under
    TYPE_CHECKING, relative or absolute; `from pkg import module` imports the module."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield from _known_prefix(alias.name, known)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, package)
            for alias in node.names:  # the submodule if it is one, else the package
                yield from _known_prefix(f"{base}.{alias.name}", known)


def _known_prefix(name: str, known: set[str]) -> Iterator[str]:
    """The longest leading part of `name` that is a module of the package, if any."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        if ".".join(parts[:end]) in known:
            yield ".".join(parts[:end])
            return


def _absolute(node: ast.ImportFrom, package: str) -> str:
    if not node.level:
        return node.module or ""
    base = package.split(".")[: len(package.split(".")) - node.level + 1]
    return ".".join([*base, *([node.module] if node.module else [])])


def import_graph(root: Path = SOURCE) -> dict[str, set[str]]:
    """Module -> the package's modules it imports (itself left out)."""
    found = modules(root)
    known = set(found)
    return {
        name: {m for m in imported(name, path, known) if m != name} for name, path in found.items()
    }


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while (member := stack.pop()) != node:
                on_stack.discard(member)
                component.append(member)
            on_stack.discard(node)
            if component:
                found.append(sorted([node, *component]))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def test_the_import_graph_reads_every_kind_of_import(tmp_path: Path) -> None:
    package = tmp_path / PACKAGE
    (package / "sub").mkdir(parents=True)
    for name in ("__init__", "a", "b", "c", "d", "sub/__init__", "sub/e", "sub/f"):
        (package / f"{name}.py").write_text("")
    (package / "a.py").write_text("from . import b\nfrom .sub import e\nimport os\n")
    (package / "b.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from referral_engine.c import X\n"
    )
    (package / "c.py").write_text("def late():\n    import referral_engine.sub.f\n")
    (package / "sub/__init__.py").write_text("from ..d import Y\n")
    (package / "sub/f.py").write_text("from .. import sub\nfrom referral_engine.sub import Z\n")

    graph = import_graph(tmp_path)

    assert graph["referral_engine.a"] == {"referral_engine.b", "referral_engine.sub.e"}
    assert graph["referral_engine.b"] == {"referral_engine.c"}
    assert graph["referral_engine.c"] == {"referral_engine.sub.f"}
    assert graph["referral_engine.sub"] == {"referral_engine.d"}
    assert graph["referral_engine.sub.f"] == {"referral_engine.sub"}
    assert circles(graph) == []
    graph["referral_engine.sub"].add("referral_engine.c")
    assert circles(graph) == [["referral_engine.c", "referral_engine.sub", "referral_engine.sub.f"]]


def test_no_module_of_the_package_imports_itself_through_others() -> None:
    found = circles(import_graph())
    assert found == [], "import circles:\n" + "\n".join(" <-> ".join(c) for c in found)


def test_no_module_is_over_400_lines() -> None:
    sources = [SOURCE, PROJECT_ROOT / "projections", PROJECT_ROOT / "bench"]
    sizes = {
        str(path.relative_to(PROJECT_ROOT)): len(path.read_text(encoding="utf-8").splitlines())
        for folder in sources
        for path in sorted(folder.rglob("*.py"))
    }
    over = {path: lines for path, lines in sizes.items() if lines > MAX_LINES}
    assert over == {}, f"modules over {MAX_LINES} lines: {over}"


def test_the_import_contracts_refuse_the_pages_importing_the_api(tmp_path: Path) -> None:
    shutil.copytree(SOURCE / PACKAGE, tmp_path / "src" / PACKAGE)
    shutil.copy(PROJECT_ROOT / "pyproject.toml", tmp_path)
    forbidden = tmp_path / "src" / PACKAGE / "entrypoints" / "web" / "reaches_across.py"
    forbidden.write_text("from referral_engine.entrypoints.api import models\n")
    lint_imports = Path(sys.executable).parent / "lint-imports"

    result = subprocess.run(
        [str(lint_imports), "--no-cache"],
        cwd=tmp_path,
        env={"PYTHONPATH": str(tmp_path / "src"), "PATH": str(lint_imports.parent)},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode != 0, result.stdout
    assert "BROKEN" in result.stdout
    assert "referral_engine.entrypoints.web.reaches_across" in result.stdout
