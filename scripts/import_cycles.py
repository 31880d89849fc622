#!/usr/bin/env python3
"""Print the import cycles between the packages of `webapp` (and `scanner`).

Reads the source with `ast`, so imports inside functions and at the bottom of a module count
as much as those at the top: a cycle hidden in a function is still a cycle. A node is a
top-level package or module under `webapp/` (`webapp.counting`, `webapp.errors`); `webapp`
itself stands for `webapp/__init__.py` (create_app). `--edges` also prints, for every pair that
imports each other, the lines that do it.

    .venv/bin/python scripts/import_cycles.py [--edges]

Exits 1 when there is a cycle, 0 when there is none.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("webapp", "scanner")


def node_of(module: str) -> str | None:
    """The graph node a dotted module name belongs to: `webapp.x.y` -> `webapp.x`."""
    parts = module.split(".")
    if parts[0] not in PACKAGES:
        return None
    if parts[0] == "scanner" or len(parts) == 1:
        return parts[0]
    return ".".join(parts[:2])


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path) -> list[tuple[str, int]]:
    """Every module `path` imports, absolute, with the line; `from a import b` gives `a.b` too."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    here = module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    found: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            found.append((base, node.lineno))
            # `from webapp import counting` imports the package webapp.counting.
            found.extend((f"{base}.{alias.name}", node.lineno) for alias in node.names)
    return found


def build_graph() -> dict[str, dict[str, list[str]]]:
    """node -> imported node -> ["path:line", ...]."""
    graph: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            source = node_of(module_name(path))
            graph[source]  # a node with no imports still shows
            for target_module, line in imported_modules(path):
                target = node_of(target_module)
                if target is None or target == source:
                    continue
                # `from webapp import x` names the package `webapp` only as the way to reach x.
                if target == "webapp" and target_module == "webapp" and source != "webapp":
                    continue
                where = f"{path.relative_to(ROOT)}:{line}"
                if where not in graph[source][target]:
                    graph[source][target].append(where)
    return graph


def strongly_connected(graph: dict[str, dict[str, list[str]]]) -> list[list[str]]:
    """Tarjan's algorithm; the components of more than one node are the cycles."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(components)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edges", action="store_true", help="show the import lines of each pair")
    args = parser.parse_args(argv)
    graph = build_graph()
    pairs = sorted(
        (a, b) for a in graph for b in graph[a] if a < b and a in graph.get(b, {})
    )
    print(f"Pairs that import each other: {len(pairs)}")
    for a, b in pairs:
        print(f"  {a} <-> {b}")
        if args.edges:
            for where in graph[a][b]:
                print(f"      {a} -> {b}  {where}")
            for where in graph[b][a]:
                print(f"      {b} -> {a}  {where}")
    components = strongly_connected(graph)
    print(f"Cycles (groups of packages that reach each other): {len(components)}")
    for component in components:
        print("  " + ", ".join(component))
    return 1 if components else 0


if __name__ == "__main__":
    sys.exit(main())
