"""The package layout docs/ARCHITECTURE.md describes: clickar/ holds only the app, imports go one way."""
from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOOLING = ("bench", "tests", "e2e", "screenshots", "scripts", "tools")


def app_modules() -> dict[str, tuple[Path, bool]]:
    """clickar's modules by dotted name → (file, is a package)."""
    modules = {}
    for path in sorted((ROOT / "clickar").rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        modules[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return modules


def import_time_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    """The import statements that run when the module is imported (not those inside functions)."""
    found = []

    def walk(nodes):
        for node in nodes:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                found.append(node)
            elif isinstance(node, ast.ClassDef):
                walk(node.body)
            elif isinstance(node, (ast.If, ast.Try, ast.With)):
                walk(node.body)
                walk(getattr(node, "orelse", []))
                walk(getattr(node, "finalbody", []))
                for handler in getattr(node, "handlers", []):
                    walk(handler.body)

    walk(tree.body)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = app_modules()
    graph = {}
    for name, (path, is_package) in modules.items():
        package = name if is_package else name.rpartition(".")[0]
        edges = set()
        for node in import_time_imports(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                edges.update(alias.name for alias in node.names if alias.name in modules)
                continue
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                submodule = f"{target}.{alias.name}"
                if submodule in modules:
                    edges.add(submodule)
                elif target in modules:
                    edges.add(target)
        edges.discard(name)
        graph[name] = edges
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycle_among_the_apps_modules():
    graph = import_graph()
    assert "clickar.models.accounts" in graph and graph["clickar.models.accounts"]  # the reader works
    assert cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_every_app_module_imports_alone_and_none_pulls_in_bench_tests_or_e2e():
    """A fresh interpreter imports each module of clickar/; the tooling packages (TOOLING) stay out."""
    script = """
import importlib, json, sys
names = json.loads(sys.argv[1])
for name in names:
    importlib.import_module(name)
tooling = sorted(m for m in sys.modules if m.split(".")[0] in json.loads(sys.argv[2]))
print(json.dumps(tooling))
"""
    names = sorted(app_modules())
    done = subprocess.run([sys.executable, "-c", script, json.dumps(names), json.dumps(TOOLING)], cwd=ROOT,
                          capture_output=True,
                          text=True, timeout=120, env={"PATH": "/usr/bin:/bin", "CLICKAR_ENV": "testing"})
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
    assert len(names) > 60  # every module was there to import


def test_every_module_the_makefile_runs_exists():
    """`make bench` once ran `python -m clickar.bench` after the bench had moved to bench/."""
    import importlib.util
    import re

    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    modules = set(re.findall(r"\$\(PY\) -m ([A-Za-z_][\w.]*)", makefile))
    assert {"bench", "bench.chat_eval"} <= modules, modules
    missing = [m for m in sorted(modules) if importlib.util.find_spec(m) is None]
    assert not missing, f"the Makefile runs modules that do not exist: {missing}"


def test_no_e2e_module_or_screenshot_script_imports_a_test_module():
    """What several e2e modules share (page objects, journeys, the staff account, run_kit) lives
    in e2e/pages/, e2e/kit.py or e2e/conftest.py, never inside a test module."""
    found = []
    for path in sorted([*(ROOT / "e2e").rglob("*.py"), *(ROOT / "screenshots").rglob("*.py")]):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[-1].startswith("test_"):
                found.append(f"{path.relative_to(ROOT)}: from {'.' * node.level}{node.module}")
    assert not found, found


def test_every_app_package_and_tooling_folder_is_on_the_architecture_map():
    """docs/ARCHITECTURE.md's table names each package under clickar/ and each top-level tooling
    folder; a new package that is not on the map fails here."""
    table = [line for line in (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8").splitlines()
             if line.startswith("| ")]
    first_cells = " ".join(line.split("|")[1] for line in table)
    packages = sorted(path.parent.name for path in (ROOT / "clickar").glob("*/__init__.py"))
    assert len(packages) > 10, packages
    missing = [f"{p}/" for p in [*packages, *TOOLING] if f"`{p}/`" not in first_cells]
    assert not missing, f"not on docs/ARCHITECTURE.md's map: {missing}"
