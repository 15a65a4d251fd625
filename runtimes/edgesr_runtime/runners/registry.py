"""Which runtime runs which file, opening runners by name, and what is installed here."""

import collections
import importlib
import os

from ..errors import EdgesrError, MissingBackendError

Backend = collections.namedtuple("Backend", "name module cls suffixes aliases")

BACKENDS = (
    Backend("onnxruntime", "onnxruntime_runner", "OnnxRuntimeRunner", (".onnx",), ("ort", "onnx")),
    Backend("litert", "litert_runner", "LiteRTRunner", (".tflite",), ("tflite", "tflite-runtime", "ai-edge-litert")),
    Backend("tensorrt", "tensorrt_runner", "TensorRTRunner", (".engine", ".plan", ".trt"), ("trt",)),
    Backend("opencv", "opencv_runner", "OpenCVRunner", (".filters.npz",), ("cv2", "filterbank")),
)

RUNTIMES = tuple(b.name for b in BACKENDS)


def backend(name):
    """The Backend for a runtime name or alias; EdgesrError for an unknown one."""
    key = str(name).lower()
    for entry in BACKENDS:
        if key == entry.name or key in entry.aliases:
            return entry
    raise EdgesrError("unknown runtime %r" % (name,), "use one of: %s" % ", ".join(RUNTIMES))


def runtime_for_path(path):
    """The runtime that runs a model file, from its suffix (.onnx, .tflite, .engine, .filters.npz)."""
    name = os.path.basename(str(path)).lower()
    for entry in BACKENDS:
        if name.endswith(entry.suffixes):
            return entry.name
    known = ", ".join(s for b in BACKENDS for s in b.suffixes)
    raise EdgesrError("cannot tell the runtime of %s from its suffix" % os.path.basename(str(path)),
                      "pass --runtime, or use a file ending in %s" % known)


def _module(entry):
    return importlib.import_module("%s.%s" % (__package__, entry.module))


def open_runner(runtime, path, layout=None, threads=None, **opts):
    """A loaded Runner for ``path`` (runtime None: from the suffix). Use it in a ``with`` block or close() it.

    ``opts`` go to the backend: name, precision, providers (onnxruntime), xnnpack (litert),
    api / memory / device (tensorrt).
    """
    entry = backend(runtime or runtime_for_path(path))
    runner = getattr(_module(entry), entry.cls)(path, layout=layout, threads=threads, **opts)
    return runner.load()


def _runner_class(runtime):
    entry = backend(runtime)
    return getattr(_module(entry), entry.cls)


def artifact_options(artifact):
    """The runner options recorded in a manifest artifact (``runner_options``) that its runtime's runner takes."""
    known = _runner_class(artifact["runtime"]).manifest_options
    recorded = artifact.get("runner_options") or {}
    return {key: value for key, value in recorded.items() if key in known} if isinstance(recorded, dict) else {}


def options_for(runtime, options, strict=False):
    """The runtime-specific ``options`` (e.g. providers, xnnpack, api) that ``runtime``'s runner takes.

    The others are left out (``runtime auto`` hands one request's options to every candidate), or, with
    ``strict`` (the user named this runtime), refused with the runtime they belong to.
    """
    takes = _runner_class(runtime).options
    foreign = sorted(key for key in options if key not in takes)
    if strict and foreign:
        owners = ["%s (%s)" % (key, ", ".join(b.name for b in BACKENDS if key in _runner_class(b.name).options)
                               or "no runtime") for key in foreign]
        raise EdgesrError("runner option %s does not apply to %s" % (", ".join(owners), backend(runtime).name),
                          "drop it, or measure with the runtime it belongs to (--runtime)")
    return {key: value for key, value in options.items() if key in takes}


def available_runtimes():
    """[(name, ok, detail)]: detail is the version when importable, else the install hint."""
    rows = []
    for entry in BACKENDS:
        try:
            _, detail = _module(entry).import_backend()
            ok = True
        except MissingBackendError as err:
            ok, detail = False, err.fix
        except EdgesrError as err:
            ok, detail = False, str(err)
        rows.append((entry.name, ok, detail))
    return rows
