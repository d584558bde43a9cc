"""The house's layers (docs/architecture.md): imports only run downwards, and the service's
classifier loads nothing of the training lab."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# package -> the project packages it may import (docs/architecture.md, "The layers")
ALLOWED = {
    "core": set(),
    "models": {"core"},
    "classifier": {"core"},
    "services": {"core", "models"},
    "analytics": {"core", "models"},
    "crawlers": {"core", "models", "services"},
    "desk": {"core", "models", "services"},
    "training": {"core", "classifier"},
    "workers": {"core", "models", "classifier", "services", "crawlers", "desk", "analytics"},
    "api": {
        "core",
        "models",
        "classifier",
        "services",
        "crawlers",
        "desk",
        "analytics",
        "workers",
    },
    "svetofor": {
        "core",
        "models",
        "classifier",
        "services",
        "crawlers",
        "desk",
        "analytics",
        "training",
        "workers",
        "api",
    },
}


def imported_packages(package: str) -> dict[str, set[str]]:
    """Project packages each module of `package` imports (at any depth: lazy imports count)."""
    found: dict[str, set[str]] = {}
    for path in (REPO / package).rglob("*.py"):
        if "migrations" in path.parts:
            continue
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
        found[str(path.relative_to(REPO))] = (names & set(ALLOWED)) - {package}
    return found


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_imports_only_run_downwards(package: str) -> None:
    wrong = {
        module: sorted(uses - ALLOWED[package])
        for module, uses in imported_packages(package).items()
        if uses - ALLOWED[package]
    }
    assert wrong == {}, f"{package} may import only {sorted(ALLOWED[package])}"


def test_the_allowed_graph_has_no_circle() -> None:
    done: set[str] = set()

    def visit(package: str, path: tuple[str, ...]) -> None:
        assert package not in path, " -> ".join((*path, package))
        if package not in done:
            for lower in ALLOWED[package]:
                visit(lower, (*path, package))
            done.add(package)

    for package in ALLOWED:
        visit(package, ())


def test_importing_the_classifier_loads_no_training_code_and_no_torch() -> None:
    script = (
        "import sys, classifier; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'training', 'torch', 'transformers', 'models', 'services', 'desk', 'api'}))"
    )
    shown = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert shown.stdout.strip() == "[]"


def test_the_command_line_starts_without_torch() -> None:
    # every `svetofor crawl` and `svetofor cases check` pays for what the CLI imports
    script = "import sys, svetofor.main; print('torch' in sys.modules)"
    shown = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert shown.stdout.strip() == "False"
