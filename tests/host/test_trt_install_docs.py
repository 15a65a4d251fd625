"""The JetPack pycuda install line is the same working line everywhere a user reads it.

pycuda's setup finds CUDA only through nvcc on PATH or CUDA_ROOT; JetPack keeps nvcc off PATH,
so a bare `pip3 install pycuda` fails there. The line must set both before pip runs.
"""

from pathlib import Path

import pytest

from edgesr_runtime.runners._imports import PYCUDA_INSTALL

REPO = Path(__file__).resolve().parents[2]
CUDA_ENV = "export CUDA_ROOT=/usr/local/cuda PATH=/usr/local/cuda/bin:$PATH"


@pytest.mark.parametrize("readme", ["runtimes/README.md", "export/README.md", "docker/README.md"])
def test_readmes_put_nvcc_on_path_before_pip_installs_pycuda(readme):
    text = (REPO / readme).read_text()
    assert CUDA_ENV in text
    assert "pip3 install pycuda" not in text and "pip install pycuda" not in text  # the bare line that fails


def test_missing_backend_hint_and_jetson_bundle_install_set_the_cuda_path():
    from edgesr_export.targets import JETSON

    assert PYCUDA_INSTALL.startswith(CUDA_ENV + " && pip3 install")
    install = " && ".join(JETSON.install)
    assert install.index(CUDA_ENV) < install.index("pycuda")
