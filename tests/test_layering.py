"""One job per module: no import cycle inside tinynet/, and the core never reaches into tinynet.data.

The import graph is read from the source (every ``import`` statement, those
inside functions included: a lazy import is still a dependency), so a cycle
hidden behind a function-level import is found too.
"""
import ast
from pathlib import Path

import tinynet as tn
from tinynet import batching, fsutil
from tinynet.data import fsutil as data_fsutil

ROOT = Path(tn.__file__).resolve().parent          # .../tinynet
PACKAGE = "tinynet"


def _modules():
    """{module name: path} for every .py file under tinynet/."""
    found = {}
    for path in ROOT.rglob("*.py"):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _imports(name, path, modules):
    """The tinynet modules that module ``name`` imports (anywhere in its body)."""
    is_package = path.name == "__init__.py"
    package = name if is_package else name.rpartition(".")[0]
    targets = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module
            for alias in node.names:
                # "from pkg import mod" imports the module pkg.mod; "from pkg import name"
                # runs pkg/__init__.py
                sub = f"{source}.{alias.name}"
                targets.add(sub if sub in modules else source)
    return {t for t in targets if t in modules and t != name}


def import_graph():
    modules = _modules()
    return {name: _imports(name, path, modules) for name, path in modules.items()}


def find_cycle(graph):
    """One cycle as a list of modules [a, b, ..., a], or None (depth-first search)."""
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                cycle = visit(nxt)
                if cycle:
                    return cycle
        state[node] = "done"
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def test_the_graph_sees_the_edges_it_should():
    """Guard on the reader: known edges are found (relative, lazy and 'from . import x' forms)."""
    graph = import_graph()
    assert "tinynet.io" in graph["tinynet.model"]
    assert "tinynet.backend" in graph["tinynet.layers.conv"]
    assert "tinynet.kernels" in graph["tinynet.layers.conv"]
    assert "tinynet.layers.dense" in graph["tinynet.layers"]


def test_find_cycle_finds_a_planted_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle_in_tinynet():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_the_core_does_not_import_the_data_package():
    """Training and saving use tinynet.batching / tinynet.fsutil, not the data downloader."""
    graph = import_graph()
    core = [m for m in graph if not m.startswith("tinynet.data") and m != PACKAGE]
    offenders = {m: sorted(t for t in graph[m] if t.startswith("tinynet.data")) for m in core}
    assert not {m: t for m, t in offenders.items() if t}


def test_old_names_still_work():
    X, y = tn.data.regression_b4(5, seed=1)
    X2, y2 = tn.data.regression_bump(5, seed=1)
    assert (X == X2).all() and (y == y2).all()
    assert tn.data.batch_indices is batching.batch_indices
    assert data_fsutil.atomic_file is fsutil.atomic_file
