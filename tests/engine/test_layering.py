"""Imports point one way: the engine knows the models, the clock and the database, and nothing above it —
no service-task function (tasks/ registers into the engine), no route, no service of the web app."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Below the engine, or plain data it reads: the models, the session, the clock, the labels of codes, and the
# registry of form keys the deploy checks compare diagrams against.
ALLOWED = ("webapp.models", "webapp.extensions", "webapp.clock", "webapp.labels", "webapp.engine", "forms")


def _imports(path: Path, package: str) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the module's package
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                names.add(".".join(base + ([node.module] if node.module else [])))
            elif node.module in ("webapp", "tasks"):  # `from webapp import labels`: the module is webapp.labels
                names.update(f"{node.module}.{alias.name}" for alias in node.names)
            else:
                names.add(node.module)
    return names


def _first_party(name: str) -> bool:
    return name.split(".")[0] in ("webapp", "tasks", "forms")


def test_the_engine_imports_nothing_above_it():
    wrong = {}
    for path in (ROOT / "webapp" / "engine").rglob("*.py"):
        package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
        bad = sorted(n for n in _imports(path, package)
                     if _first_party(n) and not any(n == a or n.startswith(a + ".") for a in ALLOWED))
        if bad:
            wrong[str(path.relative_to(ROOT))] = bad
    assert wrong == {}


def test_the_models_and_the_clock_import_no_engine():
    for path in [*(ROOT / "webapp" / "models").rglob("*.py"), ROOT / "webapp" / "clock.py"]:
        package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
        assert not [n for n in _imports(path, package) if n.startswith(("webapp.engine", "tasks"))], path
