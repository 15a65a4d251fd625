"""LiteRT backend: ai_edge_litert's Interpreter, falling back to tflite_runtime's.

Handles int8/uint8/int16 models with quantized I/O (scale / zero point from the tensor),
dynamic input shapes (resize + re-allocate on a new shape) and XNNPACK on/off.
"""

import importlib

import numpy as np

from ..errors import EdgesrError
from ._imports import INSTALL_HINTS, import_first, module_version
from .base import Runner, TensorMeta, corrupt_model_error, first_line, normalize_dims

_MODULES = ["ai_edge_litert.interpreter", "tflite_runtime.interpreter"]
_DISTS = {"ai_edge_litert.interpreter": "ai-edge-litert", "tflite_runtime.interpreter": "tflite-runtime"}


def import_backend():
    """(interpreter module, "ai-edge-litert 2.3.0") or MissingBackendError."""
    module, name = import_first(_MODULES, "LiteRT", INSTALL_HINTS["litert"])
    package = importlib.import_module(name.split(".")[0])
    return module, "%s %s" % (_DISTS[name], module_version(package, _DISTS[name]))


def quant_params(detail):
    """(scale, zero_point) of a per-tensor quantized I/O tensor, or None for a float tensor."""
    if not np.issubdtype(np.dtype(detail["dtype"]), np.integer):
        return None
    scale, zero_point = detail.get("quantization", (0.0, 0))
    if not scale:
        raise EdgesrError(
            "tensor %r is %s but has no quantization scale" % (detail["name"], np.dtype(detail["dtype"]).name),
            "re-export with float or per-tensor quantized I/O",
        )
    return float(scale), int(zero_point)


def quantize(x, scale, zero_point, dtype):
    """float -> integer with the tensor's scale and zero point (round half to even, saturating)."""
    info = np.iinfo(dtype)
    q = np.rint(x / np.float32(scale)) + zero_point
    return np.clip(q, info.min, info.max).astype(dtype)


def dequantize(q, scale, zero_point):
    """integer -> float32."""
    return (q.astype(np.float32) - np.float32(zero_point)) * np.float32(scale)


class LiteRTRunner(Runner):
    """A LiteRT/TFLite interpreter. ``threads`` sets num_threads; ``xnnpack=False`` turns the default delegate off."""

    runtime = "litert"
    default_layout = "NHWC"

    options = ("xnnpack",)

    def __init__(self, path, xnnpack=True, **kwargs):
        super(LiteRTRunner, self).__init__(path, **kwargs)
        self.xnnpack = xnnpack
        self._interpreter = None

    def _load(self):
        module, self._version = import_backend()
        kwargs = {"model_path": self.path}
        if self.threads:
            kwargs["num_threads"] = int(self.threads)
        if not self.xnnpack:
            kwargs["experimental_op_resolver_type"] = module.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES
        try:
            self._interpreter = module.Interpreter(**kwargs)
        except (ValueError, RuntimeError) as err:
            raise corrupt_model_error(self.path, "TFLite", err)
        self._allocate()
        self._in = self._interpreter.get_input_details()[0]
        out = self._interpreter.get_output_details()[0]
        self._metas = (_meta(self._in), _meta(out))
        self._in_quant = quant_params(self._in)
        self._out_quant, self._out_index = quant_params(out), out["index"]
        if self._in_quant is not None and self.precision == "fp32":
            self.precision = "int8"

    def _allocate(self):
        try:
            self._interpreter.allocate_tensors()
        except (ValueError, RuntimeError) as err:
            raise EdgesrError(
                "LiteRT cannot prepare %s: %s" % (self.name, first_line(err)),
                "re-export the model with builtin ops only, or try --no-xnnpack",
            )

    def _resize(self, shape):
        """Give a dynamic input a concrete shape (and re-allocate) when it changes."""
        if tuple(self._in["shape"]) != tuple(shape):
            self._interpreter.resize_tensor_input(self._in["index"], list(shape), strict=True)
            self._allocate()
            self._in = self._interpreter.get_input_details()[0]

    def _infer(self, native):
        self._resize(native.shape)
        x = native if self._in_quant is None else quantize(native, *self._in_quant, dtype=self._in["dtype"])
        self._interpreter.set_tensor(self._in["index"], x.astype(self._in["dtype"], copy=False))
        self._interpreter.invoke()
        y = self._interpreter.get_tensor(self._out_index)
        return y.astype(np.float32) if self._out_quant is None else dequantize(y, *self._out_quant)

    def _close(self):
        self._interpreter = None

    def _describe(self):
        return {"version": self._version, "xnnpack": self.xnnpack,
                "quantized_io": self._in_quant is not None if self.loaded else None}


def _meta(detail):
    signature = detail.get("shape_signature")
    shape = signature if signature is not None and len(signature) else detail["shape"]
    return TensorMeta(detail["name"], normalize_dims(shape), np.dtype(detail["dtype"]).name, None)
