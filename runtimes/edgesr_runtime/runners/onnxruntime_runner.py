"""ONNX Runtime backend: CPU by default, CUDA/TensorRT execution providers when present and asked for."""

import numpy as np

from ..errors import EdgesrError
from ._imports import INSTALL_HINTS, import_first, module_version
from .base import Runner, TensorMeta, corrupt_model_error, first_line, normalize_dims

PROVIDER_ALIASES = {
    "cpu": "CPUExecutionProvider",
    "cuda": "CUDAExecutionProvider",
    "tensorrt": "TensorrtExecutionProvider",
    "trt": "TensorrtExecutionProvider",
}

# ``optimization`` names ORT's graph optimisation levels; "all" (ORT's default) adds the CPU layout transform.
OPTIMIZATION_LEVELS = {"basic": "ORT_ENABLE_BASIC", "extended": "ORT_ENABLE_EXTENDED", "all": "ORT_ENABLE_ALL"}

_DTYPES = {"tensor(float)": np.float32, "tensor(float16)": np.float16, "tensor(double)": np.float64}


def import_backend():
    """(onnxruntime module, "onnxruntime 1.x") or MissingBackendError."""
    ort, _ = import_first(["onnxruntime"], "onnxruntime", INSTALL_HINTS["onnxruntime"])
    return ort, "onnxruntime %s" % module_version(ort)


def resolve_providers(requested, available):
    """Full provider names for ``requested`` (aliases allowed); EdgesrError for one not in ``available``."""
    names = [PROVIDER_ALIASES.get(p.lower(), p) for p in (requested or ["cpu"])]
    missing = [p for p in names if p not in available]
    if missing:
        raise EdgesrError(
            "%s not available in this onnxruntime (available: %s)" % (", ".join(missing), ", ".join(available)),
            "install the matching onnxruntime build (e.g. onnxruntime-gpu) or use --provider cpu",
        )
    if "CPUExecutionProvider" not in names:
        names.append("CPUExecutionProvider")  # fallback for nodes the accelerator cannot take
    return names


class OnnxRuntimeRunner(Runner):
    """An onnxruntime.InferenceSession. ``threads`` sets intra_op_num_threads; ``providers`` e.g. ["cuda"];
    ``optimization`` the graph optimisation level ("basic", "extended", "all"; default "all")."""

    runtime = "onnxruntime"
    default_layout = "NCHW"
    options = ("providers", "optimization")
    manifest_options = ("optimization",)

    def __init__(self, path, providers=None, optimization=None, **kwargs):
        super(OnnxRuntimeRunner, self).__init__(path, **kwargs)
        if optimization is not None and optimization not in OPTIMIZATION_LEVELS:
            raise EdgesrError("unknown ONNX Runtime optimisation level %r" % (optimization,),
                              "use one of %s" % ", ".join(sorted(OPTIMIZATION_LEVELS)))
        self.requested_providers = providers
        self.optimization = optimization or "all"
        self._session = None

    def _load(self):
        ort, self._version = import_backend()
        options = ort.SessionOptions()
        options.graph_optimization_level = getattr(ort.GraphOptimizationLevel, OPTIMIZATION_LEVELS[self.optimization])
        if self.threads:
            options.intra_op_num_threads = int(self.threads)
            options.inter_op_num_threads = 1
        providers = resolve_providers(self.requested_providers, ort.get_available_providers())
        try:
            self._session = ort.InferenceSession(self.path, sess_options=options, providers=providers)
        except Exception as err:  # noqa: BLE001 - ORT raises its own exception classes
            text = str(err)
            if "INVALID_PROTOBUF" in text or "Protobuf parsing failed" in text:
                raise corrupt_model_error(self.path, "ONNX", err)
            raise EdgesrError(
                "onnxruntime cannot load %s: %s" % (self.name, first_line(err)),
                "re-export the bundle (opset <= 17) or update onnxruntime",
            )
        self._input = self._session.get_inputs()[0]
        self._output = self._session.get_outputs()[0]
        self._metas = (_meta(self._input), _meta(self._output))
        self._in_dtype = _DTYPES.get(self._input.type, np.float32)
        if self._in_dtype == np.float16 and self.precision == "fp32":
            self.precision = "fp16"

    def _infer(self, native):
        feed = {self._input.name: native.astype(self._in_dtype, copy=False)}
        return self._session.run([self._output.name], feed)[0].astype(np.float32, copy=False)

    def _close(self):
        self._session = None

    def _describe(self):
        return {"version": self._version, "providers": self._session.get_providers() if self._session else None,
                "optimization": self.optimization}


def _meta(node):
    return TensorMeta(node.name, normalize_dims(node.shape), node.type.replace("tensor(", "").rstrip(")"), None)
