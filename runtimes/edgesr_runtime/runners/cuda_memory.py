"""Device memory, copies and a stream for the TensorRT runner: pycuda, else cuda-python.

Both backends expose the same small interface: alloc(nbytes) -> int address, host_empty,
htod / dtoh (async on the stream), synchronize(), stream_handle, close().
"""

import importlib

import numpy as np

from ..errors import EdgesrError, MissingBackendError
from ._imports import INSTALL_HINTS, import_first, module_version
from .base import first_line

# cuda-python's runtime bindings: ``cuda.bindings.runtime`` since 12.x, ``cuda.cudart`` in 11.x (JetPack 5).
CUDA_RUNTIME_MODULES = ["cuda.bindings.runtime", "cuda.cudart"]


class PyCudaMemory(object):
    """pycuda on the device's primary context (the one TensorRT's runtime API uses)."""

    name = "pycuda"

    def __init__(self, device=0):
        cuda, _ = import_first(["pycuda.driver"], "pycuda", INSTALL_HINTS["cuda"])
        self._cuda = cuda
        self.version = "pycuda %s" % module_version(importlib.import_module("pycuda"))
        self._allocations = []
        cuda.init()
        self._context = cuda.Device(device).retain_primary_context()
        self._context.push()
        try:
            self._stream = cuda.Stream()
        except BaseException:
            self._context.pop()  # never leave the context pushed on this thread
            raise

    @property
    def stream_handle(self):
        return self._stream.handle

    def alloc(self, nbytes):
        allocation = self._cuda.mem_alloc(max(int(nbytes), 1))
        self._allocations.append(allocation)
        return int(allocation)

    def host_empty(self, shape, dtype):
        return self._cuda.pagelocked_empty(tuple(shape), dtype)

    def htod(self, address, host):
        self._cuda.memcpy_htod_async(address, host, self._stream)

    def dtoh(self, host, address):
        self._cuda.memcpy_dtoh_async(host, address, self._stream)

    def synchronize(self):
        self._stream.synchronize()

    def free_all(self):
        for allocation in self._allocations:
            allocation.free()
        self._allocations = []

    def close(self):
        """Free the buffers and pop the pushed context, even when freeing fails."""
        try:
            self.free_all()
        finally:
            self._context.pop()


class CudaPythonMemory(object):
    """cuda-python's runtime bindings (``cuda.bindings.runtime``, or ``cuda.cudart`` in 11.x/12.x)."""

    name = "cuda-python"

    def __init__(self, device=0):
        self._rt, _ = import_first(CUDA_RUNTIME_MODULES, "cuda-python", INSTALL_HINTS["cuda"])
        self.version = "cuda-python %s" % module_version(self._rt, "cuda-python")
        self._call("cudaSetDevice", device)
        self._stream = self._call("cudaStreamCreate")
        self._allocations = []
        kinds = self._rt.cudaMemcpyKind
        self._h2d, self._d2h = kinds.cudaMemcpyHostToDevice, kinds.cudaMemcpyDeviceToHost

    def _call(self, function, *args):
        result = getattr(self._rt, function)(*args)
        err, values = result[0], result[1:]
        if int(err) != 0:
            raise EdgesrError("CUDA %s failed: %s" % (function, err), "check the GPU with nvidia-smi / tegrastats")
        return values[0] if len(values) == 1 else None

    @property
    def stream_handle(self):
        return int(self._stream)

    def alloc(self, nbytes):
        address = int(self._call("cudaMalloc", max(int(nbytes), 1)))
        self._allocations.append(address)
        return address

    def host_empty(self, shape, dtype):
        return np.empty(tuple(shape), dtype)  # pageable: copies are synchronous in effect

    def htod(self, address, host):
        self._call("cudaMemcpyAsync", address, host.ctypes.data, host.nbytes, self._h2d, self._stream)

    def dtoh(self, host, address):
        self._call("cudaMemcpyAsync", host.ctypes.data, address, host.nbytes, self._d2h, self._stream)

    def synchronize(self):
        self._call("cudaStreamSynchronize", self._stream)

    def free_all(self):
        for address in self._allocations:
            self._call("cudaFree", address)
        self._allocations = []

    def close(self):
        self.free_all()
        self._call("cudaStreamDestroy", self._stream)


_BACKENDS = {"pycuda": PyCudaMemory, "cuda-python": CudaPythonMemory}


def open_memory(prefer=None, device=0):
    """The first working CUDA memory backend (pycuda, then cuda-python), or ``prefer`` only."""
    names = [prefer] if prefer else list(_BACKENDS)
    if prefer and prefer not in _BACKENDS:
        raise EdgesrError("unknown CUDA memory backend %r" % prefer, "use pycuda or cuda-python")
    errors = []
    for name in names:
        try:
            return _BACKENDS[name](device)
        except EdgesrError as err:
            errors.append(err)
        except Exception as err:  # noqa: BLE001 - driver errors come in many classes
            errors.append(EdgesrError("%s: %s" % (name, first_line(err))))
    if all(isinstance(err, MissingBackendError) for err in errors):
        raise errors[0] if prefer else MissingBackendError("pycuda or cuda-python", INSTALL_HINTS["cuda"])
    raise EdgesrError("no usable CUDA GPU (%s)" % "; ".join(str(e) for e in errors),
                      "run on the Jetson / a CUDA machine, or use --runtime onnxruntime")


def importable_backend():
    """Name of the first importable memory backend (no GPU touched), or MissingBackendError."""
    for name, modules in (("pycuda", ["pycuda.driver"]), ("cuda-python", CUDA_RUNTIME_MODULES)):
        try:
            import_first(modules, name, INSTALL_HINTS["cuda"])
            return name
        except MissingBackendError:
            continue
    raise MissingBackendError("pycuda or cuda-python", INSTALL_HINTS["cuda"])


def gpu_available():
    """(True, detail) when a CUDA device answers through pycuda or cuda-python, else (False, reason)."""
    try:
        memory = open_memory()
    except EdgesrError as err:
        return False, str(err)
    memory.close()
    return True, memory.version
