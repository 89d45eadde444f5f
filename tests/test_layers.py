"""The code's layers run one way, and no modules import each other in a circle.

The layers are the import-linter contract in pyproject.toml (highest first: app, api,
evaluate, pipeline, answering, llm, retrieve, indexing, stores, embeddings, ingest, text,
records/config, the leaves).  Circles inside one layer are not a layering error, so they
are checked here on grimp's import graph (the one import-linter reads), imports inside
functions included.
"""

from __future__ import annotations

import subprocess
import sys

import grimp

from tests.conftest import ROOT


def test_every_layer_imports_only_the_layers_below_it() -> None:
    # In a child process: import-linter reconfigures logging, which would silence the
    # loggers of every test that runs after this one.
    check = ("import sys; from importlinter import cli; "
             f"sys.exit(cli.lint_imports(config_filename={str(ROOT / 'pyproject.toml')!r}, no_cache=True, no_logo=True))")
    result = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def circles(graph: grimp.ImportGraph) -> list[frozenset[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for other in graph.find_modules_directly_imported_by(module):
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in on_stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == module:
                    break
            if len(group) > 1:
                found.append(frozenset(group))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def test_no_modules_import_each_other_in_a_circle() -> None:
    graph = grimp.build_graph("rag")
    assert circles(graph) == []


def test_the_circle_finder_finds_a_circle() -> None:
    graph = grimp.ImportGraph()
    for a, b in (("p.a", "p.b"), ("p.b", "p.c"), ("p.c", "p.a"), ("p.c", "p.d")):
        graph.add_import(importer=a, imported=b)
    assert circles(graph) == [frozenset({"p.a", "p.b", "p.c"})]
