"""Folders are floors: a module imports only floors below it, and nothing imports in a cycle.

Every import statement of every module counts, the lazy ones inside functions too (read with
`ast`, so a deferred import cannot hide an upward dependency).
"""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "gradcli"

# Lowest first. A module may import its own floor (its siblings) and any floor below it.
FLOORS = [
    "gradcli.source",     # positions in text
    "gradcli.codes",      # the one table of diagnostic codes and exit statuses
    "gradcli.errors",     # Diagnostic, GradcliError, fail
    "gradcli.engine",     # dtypes, registry, graph, ops, gradients, evaluate
    "gradcli.language",   # ast, parse, the interpreter
    "gradcli.results",    # plain records the renderers read
    "gradcli.learn",      # check, explain, formulas: compute only
    "gradcli.model",      # the Python API
    "gradcli.render",     # text and JSON
    "gradcli.cli",        # Click
    "gradcli.__main__",
]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def floor_of(module: str) -> int | None:
    """The floor index, or None for the package root (it only holds __version__ and lazy names)."""
    for i, floor in enumerate(FLOORS):
        if module == floor or module.startswith(floor + "."):
            return i
    return None


def imports_of(path: Path) -> set[str]:
    """The gradcli modules `path` imports (absolute names), lazy imports included."""
    this = module_name(path)
    package = this if path.name == "__init__.py" else this.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("gradcli")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("gradcli"):
                continue
            for alias in node.names:  # `from . import registry` imports a module
                sub = f"{target}.{alias.name}"
                found.add(sub if module_exists(sub) else target)
    found.discard(this)
    return found


def module_exists(name: str) -> bool:
    path = PACKAGE.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}
GRAPH = {name: imports_of(path) for name, path in MODULES.items()}


def test_every_module_has_a_floor():
    assert [m for m in MODULES if m != "gradcli" and floor_of(m) is None] == []


def test_no_module_imports_a_floor_above_its_own():
    upward = []
    for module, targets in GRAPH.items():
        mine = floor_of(module)
        for target in targets:
            theirs = floor_of(target)
            if mine is not None and theirs is not None and theirs > mine:
                upward.append(f"{module} -> {target}")
    assert upward == []


def test_no_import_cycles():
    # Iterative depth-first search with colours (no recursion, as everywhere in gradcli).
    colour, cycles = {}, []
    for root in GRAPH:
        if colour.get(root):
            continue
        stack = [(root, iter(sorted(GRAPH[root])))]
        path = [root]
        colour[root] = "grey"
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                colour[node] = "black"
                stack.pop()
                path.pop()
            elif child not in GRAPH:
                continue
            elif colour.get(child) == "grey":
                cycles.append(" -> ".join(path[path.index(child):] + [child]))
            elif not colour.get(child):
                colour[child] = "grey"
                stack.append((child, iter(sorted(GRAPH[child]))))
                path.append(child)
    assert cycles == []


def test_the_checker_sees_lazy_and_relative_imports(tmp_path):
    sample = PACKAGE / "learn" / "check.py"
    assert "gradcli.engine.evaluate" in imports_of(sample)
