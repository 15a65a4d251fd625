"""Fixtures of the device tests: numpy only (they run where only numpy + one runtime is installed).

The bundles under fixtures/bundles/ come from tests/make_runtime_fixtures.py (the exporter, on the
host); tests/host/test_runtime_fixtures.py shows they still are what the exporter makes.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
BUNDLES = HERE / "fixtures" / "bundles"


# Run as a device would: only the runtimes/ package on the path and torch/PIL/edgesr made unimportable.
BLOCK_HOST_PACKAGES = (
    "import sys\n"
    "class _Block:\n"
    "    def find_spec(self, name, path=None, target=None):\n"
    "        if name.split('.')[0] in ('torch', 'PIL', 'edgesr', 'edgesr_export'):\n"
    "            raise ImportError('blocked on the device: ' + name)\n"
    "sys.meta_path.insert(0, _Block())\n"
)
RUN_DEVICE_CLI = (
    "import runpy\n"
    "sys.argv = ['edgesr_runtime'] + sys.argv[1:]\n"
    "runpy.run_module('edgesr_runtime', run_name='__main__', alter_sys=True)\n"
)


@pytest.fixture(scope="session")
def fixture_bundles():
    """The folder holding the committed fixture bundles (read-only: copy before writing)."""
    return BUNDLES


@pytest.fixture
def bundle_copy(tmp_path):
    """``bundle_copy(name)``: a writable copy of one fixture bundle."""
    def copy(name):
        target = tmp_path / name
        shutil.copytree(str(BUNDLES / name), str(target))
        return target
    return copy


@pytest.fixture(scope="session")
def device_python():
    """``device_python(code, *args, cwd=None)``: run ``code`` in a subprocess with torch, PIL and edgesr blocked."""
    def run(code, *args, cwd=None):
        env = dict(os.environ, PYTHONPATH=str(REPO / "runtimes"))
        return subprocess.run([sys.executable, "-c", BLOCK_HOST_PACKAGES + code] + [str(a) for a in args],
                              cwd=str(cwd or REPO), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              universal_newlines=True, timeout=300)
    return run


@pytest.fixture(scope="session")
def device_cli(device_python):
    """``device_cli(*args, cwd=None)``: ``python -m edgesr_runtime ARGS`` as on a device."""
    return lambda *args, cwd=None: device_python(RUN_DEVICE_CLI, *args, cwd=cwd)


@pytest.fixture(scope="session")
def installed():
    """{runtime: (ok, detail)} on this machine."""
    from edgesr_runtime.runners import available_runtimes

    return {name: (ok, detail) for name, ok, detail in available_runtimes()}


@pytest.fixture
def need(installed):
    """``need(runtime)``: skip (with the install hint) unless the runtime is installed here."""
    def check(runtime):
        ok, detail = installed[runtime]
        if not ok:
            pytest.skip("%s is not installed here (%s)" % (runtime, detail))
    return check
