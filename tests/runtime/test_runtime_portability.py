"""The device runtime must run on Python 3.8 (JetPack 5) with numpy + one runtime, never torch."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

RUNTIME = Path(__file__).resolve().parents[2] / "runtimes" / "edgesr_runtime"
# Imports allowed at module top level; runtimes/backends are imported lazily inside functions.
TOP_LEVEL_ALLOWED = {"numpy", "edgesr_runtime"}


def test_vermin_says_python_3_8_is_enough():
    pytest.importorskip("vermin", reason="vermin is in the [dev] extra")
    result = subprocess.run(
        [str(Path(sys.executable).with_name("vermin")), "-t=3.8-", "--no-tips", "--violations", "--eval-annotations",
         "--backport", "dataclasses", "--backport", "typing", str(RUNTIME)],
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _top_level_imports(path):
    tree = ast.parse(path.read_text())
    for node in tree.body:
        if isinstance(node, ast.Import):
            yield from (alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            yield node.module.split(".")[0]


@pytest.mark.skipif(sys.version_info < (3, 10), reason="needs sys.stdlib_module_names (Python 3.10+); this static "
                    "check of the source runs on the host's Python")
def test_runtime_modules_import_only_stdlib_and_numpy_at_top_level():
    stdlib = set(sys.stdlib_module_names)
    offenders = {
        str(path.relative_to(RUNTIME)): sorted(set(_top_level_imports(path)) - stdlib - TOP_LEVEL_ALLOWED)
        for path in RUNTIME.rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_no_runtime_module_imports_torch_anywhere():
    for path in RUNTIME.rglob("*.py"):
        names = {n.names[0].name for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.Import)}
        names |= {n.module or "" for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.ImportFrom)}
        assert not any(name.split(".")[0] == "torch" for name in names), path
