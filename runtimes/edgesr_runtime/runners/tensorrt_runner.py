"""TensorRT backend: deserialize a .engine built on this device and run it (TensorRT 8.5 or 10.x).

The version differences live in tensorrt_api; device memory comes from cuda_memory (pycuda,
else cuda-python). Timings include the host<->device copies, like trtexec's host latency.
"""

import os

import numpy as np

from ..errors import EdgesrError
from ._imports import INSTALL_HINTS, import_first, module_version
from .base import Runner, TensorMeta, first_line
from .cuda_memory import importable_backend, open_memory
from .tensorrt_api import is_dynamic, make_api, resolve_input_shape


def import_backend():
    """(tensorrt module, "tensorrt 8.5.2.2 + pycuda") or MissingBackendError (TensorRT or CUDA bindings)."""
    trt, _ = import_first(["tensorrt"], "TensorRT", INSTALL_HINTS["tensorrt"])
    return trt, "tensorrt %s + %s" % (module_version(trt), importable_backend())


class TensorRTRunner(Runner):
    """A deserialized TensorRT engine. ``api`` forces "bindings" or "tensors"; ``memory`` "pycuda"/"cuda-python"."""

    runtime = "tensorrt"
    default_layout = "NCHW"

    options = ("api", "memory", "device")

    def __init__(self, path, api=None, memory=None, device=0, **kwargs):
        super(TensorRTRunner, self).__init__(path, **kwargs)
        self._prefer_api, self._prefer_memory, self._device = api, memory, device
        self._memory = self._engine = self._context = self._api = None
        self._shape = None

    def _load(self):
        trt, self._version = import_backend()
        blob = self._read_engine()
        self._memory = open_memory(self._prefer_memory, self._device)
        try:
            self._open_engine(trt, blob)
        except BaseException:
            self._close()  # frees the buffers and pops the CUDA context pushed by open_memory
            raise

    def _open_engine(self, trt, blob):
        """Deserialize the engine and read its I/O tensors (the CUDA context is current)."""
        logger = trt.Logger(trt.Logger.WARNING)
        try:
            self._engine = trt.Runtime(logger).deserialize_cuda_engine(blob)
        except Exception as err:  # noqa: BLE001 - some versions raise instead of returning None
            self._engine, reason = None, first_line(err)
        else:
            reason = "see the TensorRT log above"
        if self._engine is None:
            raise EdgesrError(
                "%s is not a valid TensorRT engine for %s on this GPU (truncated, corrupt, or built with another "
                "TensorRT/GPU?): %s" % (self.name, "tensorrt %s" % trt.__version__, reason),
                "rebuild it on this device: python3 -m edgesr_runtime build-engine BUNDLE "
                "(or trtexec --onnx=model.onnx --saveEngine=model.engine)",
            )
        self._context = self._engine.create_execution_context()
        self._api = make_api(trt, self._engine, self._context, prefer=self._prefer_api)
        tensors = self._api.io_tensors()
        self._in = next(t for t in tensors if t.is_input)
        self._out = next(t for t in tensors if not t.is_input)
        if self._in.dtype == "float16" and self.precision == "fp32":
            self.precision = "fp16"

    def _read_engine(self):
        """The engine bytes; with a build sidecar (model.engine.json) its TensorRT/GPU/sha256 are checked first."""
        from ..tensorrt_engine import load_engine_bytes, sidecar_path

        if os.path.isfile(sidecar_path(self.path)):
            return load_engine_bytes(self.path)
        with open(self.path, "rb") as handle:  # e.g. built by trtexec: TensorRT itself will judge it
            return handle.read()

    def _prepare(self, shape):
        """Set the input shape and (re)allocate host and device buffers for it."""
        shape = resolve_input_shape(self._in.shape, shape, self.name)
        if is_dynamic(self._in.shape):
            self._api.set_input_shape(self._in.name, shape)
        out_shape = self._api.tensor_shape(self._out.name)
        self._memory.free_all()
        self._host_in = self._memory.host_empty(shape, self._in.dtype)
        self._host_out = self._memory.host_empty(out_shape, self._out.dtype)
        self._addresses = {self._in.name: self._memory.alloc(self._host_in.nbytes),
                           self._out.name: self._memory.alloc(self._host_out.nbytes)}
        self._shape = tuple(shape)

    def _infer(self, native):
        if native.shape != self._shape:
            self._prepare(native.shape)
        np.copyto(self._host_in, native, casting="same_kind")
        self._memory.htod(self._addresses[self._in.name], self._host_in)
        if not self._api.execute(self._addresses, self._memory.stream_handle):
            raise EdgesrError("TensorRT execution of %s failed" % self.name, "see the TensorRT log above")
        self._memory.dtoh(self._host_out, self._addresses[self._out.name])
        self._memory.synchronize()
        return self._host_out.astype(np.float32)

    def _close(self):
        self._context = self._engine = self._api = None
        if self._memory is not None:
            self._memory.close()
            self._memory = None
        self._shape = None

    def _input_meta(self):
        return _meta(self._in)

    def _output_meta(self):
        return _meta(self._out)

    def _describe(self):
        return {"version": self._version, "api": self._api.name if self._api else None,
                "memory": self._memory.version if self._memory else None}


def _meta(tensor):
    return TensorMeta(tensor.name, tuple(None if d < 0 else int(d) for d in tensor.shape), tensor.dtype, None)
