"""Dependencies flow one way: plans, communication → reports → surveys → campaigns → units (DESIGN.md §3,
docs/architecture.md).

Apps on the top level (communication and plans) may import every layer below, never each other."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ["units", "campaigns", "surveys", "reports"]
TOP = ["communication", "plans"]  # side by side above reports: neither imports the other


def imported_apps(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names & (set(LAYERS) | set(TOP))


@pytest.mark.parametrize("app", LAYERS + TOP)
def test_no_app_imports_an_app_above_it(app):
    above = set(LAYERS[LAYERS.index(app) + 1 :]) | set(TOP) if app in LAYERS else {name for name in TOP if name != app}
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_apps(path) & above)
        for path in (ROOT / app).rglob("*.py")
        if "tests" not in path.parts and "migrations" not in path.parts and imported_apps(path) & above
    }
    assert offenders == {}
