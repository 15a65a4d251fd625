"""Lazy imports of optional runtimes: a missing one becomes MissingBackendError, never a raw ImportError."""

import importlib

import numpy as np

from ..errors import EdgesrError, MissingBackendError
from .base import first_line


def import_first(modules, name, install_hint):
    """Import the first importable module of ``modules``; return ``(module, module_name)``.

    MissingBackendError (with ``install_hint``) when none is installed. A module that is installed
    but fails to import (tflite-runtime built for NumPy 1.x under NumPy 2, a missing libnvinfer.so
    or dependency) raises EdgesrError with the import error instead of pretending it is missing.
    """
    broken = None
    for module_name in modules:
        try:
            return importlib.import_module(module_name), module_name
        except (ImportError, AttributeError) as err:  # "_ARRAY_API not found" is an AttributeError
            if not _is_absent(module_name, err):
                broken = broken or (module_name, err)
    if broken is not None:
        raise import_failure(broken[0], broken[1])
    raise MissingBackendError(name, install_hint)


def _is_absent(module_name, err):
    """True when ``err`` says the module itself (or its package) is not installed."""
    missing = getattr(err, "name", None) if isinstance(err, ModuleNotFoundError) else None
    return bool(missing) and (module_name == missing or module_name.startswith(missing + "."))


def import_failure(module_name, err):
    """The error for a runtime that is installed but cannot be imported."""
    text = str(err)
    if "_ARRAY_API" in text or "compiled using NumPy" in text or "numpy.core.multiarray" in text:
        return EdgesrError(
            "%s cannot be used with NumPy %s (%s)" % (module_name, np.__version__, first_line(err)),
            'pip install "numpy<2"' if np.__version__.startswith("2") else "reinstall %s" % module_name,
        )
    return EdgesrError("%s is installed but cannot be imported: %s" % (module_name, first_line(err)),
                       "reinstall it, or check its shared libraries (ldd) and dependencies")


def module_version(module, dist_name=None):
    """``module.__version__``, else the installed distribution's version, else "unknown"."""
    version = getattr(module, "__version__", None)
    if version:
        return str(version)
    try:
        from importlib.metadata import version as dist_version

        return dist_version(dist_name or module.__name__.split(".")[0])
    except Exception:  # noqa: BLE001 - metadata is best effort
        return "unknown"


# pycuda's setup finds CUDA only through nvcc on PATH or CUDA_ROOT, and JetPack keeps nvcc off PATH.
# 2024.1.x are the last pycuda releases for Python 3.8 (JetPack 5).
PYCUDA_INSTALL = ('export CUDA_ROOT=/usr/local/cuda PATH=/usr/local/cuda/bin:$PATH && '
                  'pip3 install "pycuda<2024.2"')

INSTALL_HINTS = {
    "onnxruntime": "pip install onnxruntime (Jetson GPU: NVIDIA's onnxruntime-gpu wheel for JetPack)",
    "litert": 'pip install ai-edge-litert (Python 3.8 / older boards: pip install tflite-runtime "numpy<2")',
    "tensorrt": "on JetPack: sudo apt install python3-libnvinfer, then " + PYCUDA_INSTALL,
    "cuda": PYCUDA_INSTALL + " (or pip install cuda-python matching the CUDA version)",
}
