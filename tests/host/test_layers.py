"""The three layers import in one direction only: runtimes <- export <- edgesr (docs/architecture.md)."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LAYERS = {  # package -> (source folder, packages it must never import)
    "edgesr_runtime": (REPO / "runtimes" / "edgesr_runtime", ("edgesr", "edgesr_export")),
    "edgesr_export": (REPO / "export" / "edgesr_export", ("edgesr",)),
}


def _imported_packages(path):
    """Top-level package names of every import in ``path``, function-level ones included."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module.split(".")[0]


@pytest.mark.parametrize("package", sorted(LAYERS))
def test_no_source_file_imports_a_higher_layer(package):
    folder, forbidden = LAYERS[package]
    offenders = {str(p.relative_to(REPO)): sorted(set(_imported_packages(p)) & set(forbidden))
                 for p in folder.rglob("*.py")}
    assert {k: v for k, v in offenders.items() if v} == {}


@pytest.mark.parametrize("package", sorted(LAYERS))
def test_importing_every_module_loads_no_higher_layer(package):
    """What `python -c` sees over the installed distributions: import all modules, then look at sys.modules."""
    forbidden = LAYERS[package][1]
    code = ("import importlib, pkgutil, sys\n"
            "import {p}\n"
            "for info in pkgutil.walk_packages({p}.__path__, '{p}.'):\n"
            "    if not info.name.endswith('__main__'): importlib.import_module(info.name)\n"
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in {f!r})\n"
            "print('LOADED', bad)\n").format(p=package, f=forbidden)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "LOADED []" in result.stdout, result.stdout
