"""The folders show the data flow: no cycle between packages, and dependencies point down the flow.

Every ``import edge...`` in ``edge/`` counts, including those inside functions (lazy imports are still
dependencies) and under ``TYPE_CHECKING``. A package is ``edge.<name>`` (a top-level module such as
``edge.daemon`` is its own node); the configuration sections (``edge.config`` and every stage's
``config`` module) form one shared layer, as the loader assembles them.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

EDGE = Path(__file__).resolve().parents[2] / "edge"

ANALYSIS = {"capture", "face", "motion", "spotting", "engine", "inference"}
OUTPUT_SIDE = {"daemon", "service", "sinks", "dashboard"}
OFFLINE = {"train", "datasets", "evaluation", "synth"}
#: The daemon path: what `glimpse run` imports. The synthetic source (the demo's clip) renders through synth.
DAEMON_PATH = ANALYSIS | OUTPUT_SIDE | {"pipeline", "stages", "eventfactory", "events", "metrics", "control"}
ALLOWED_OFFLINE = {("capture", "synth")}
SHARED = {"errors", "closing", "registry", "paths", "lazy", "facs", "config"}


def node(module: str) -> str:
    parts = module.split(".")
    if parts[1] == "config" or (parts[-1] == "config" and parts[1] != "commands"):
        return "config"
    return parts[1]


def module_name(path: Path) -> str:
    parts = path.relative_to(EDGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> Iterable[str]:
    for n in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(n, ast.Import):
            yield from (a.name for a in n.names)
        elif isinstance(n, ast.ImportFrom) and n.level == 0 and n.module:
            yield n.module


def graph() -> dict[tuple[str, str], list[str]]:
    """(from node, to node) -> the modules that import across that edge."""
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    for path in sorted(EDGE.rglob("*.py")):
        source = module_name(path)
        if source == "edge":
            continue
        for target in imports(path):
            if target.startswith("edge.") and node(target) != node(source):
                edges[(node(source), node(target))].append(source)
    return edges


def cycles(edges: Iterable[tuple[str, str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan)."""
    succ: dict[str, set[str]] = defaultdict(set)
    for a, b in edges:
        succ[a].add(b)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(succ[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(set(succ) | {b for _, b in edges}):
        if v not in index:
            visit(v)
    return found


def test_cycle_detection_finds_a_planted_cycle() -> None:
    assert cycles([("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")]) == [["a", "b", "c"]]
    assert cycles([("a", "b"), ("b", "c")]) == []
    edges = graph()  # and the parser sees real edges, lazy ones included
    assert ("face", "inference") in edges and ("engine", "inference") in edges
    assert "edge.stages" in edges[("stages", "engine")]  # a function-level import


def test_no_cycle_between_packages() -> None:
    edges = graph()
    found = cycles(edges)
    detail = {
        c: sorted({(a, b, m) for (a, b), ms in edges.items() if a in c and b in c for m in ms})
        for c in map(tuple, found)
    }
    assert found == [], f"package cycles (from, to, importing module): {detail}"


def test_analysis_stages_do_not_import_the_output_side() -> None:
    bad = {e: m for e, m in graph().items() if e[0] in ANALYSIS and e[1] in OUTPUT_SIDE}
    assert bad == {}


def test_shared_layers_import_no_stage() -> None:
    """Inference runtimes, events (model and store) and the config sections sit below every stage."""
    edges = graph()
    for layer in ("inference", "events", "errors", "closing", "registry"):
        bad = {e: m for e, m in edges.items() if e[0] == layer and e[1] not in SHARED | {"events"}}
        assert bad == {}, f"{layer} imports {bad}"
    bad = {e: m for e, m in edges.items() if e[0] == "config" and e[1] not in SHARED}
    assert bad == {}, f"config sections import {bad}"


def test_the_daemon_path_imports_no_offline_tool() -> None:
    bad = {e: m for e, m in graph().items() if e[0] in DAEMON_PATH and e[1] in OFFLINE and e not in ALLOWED_OFFLINE}
    assert bad == {}
