"""TensorRT version shim: one I/O interface over the 8.5 bindings API and the 10.x tensor API.

The choice of API and the shape logic are plain functions (unit-tested without TensorRT);
the two adapters only forward to the engine / execution context they wrap.
"""

import collections
import re

from ..errors import EdgesrError
from .base import format_shape

IOTensor = collections.namedtuple("IOTensor", "name is_input shape dtype")

_NUMPY_DTYPES = {"FLOAT": "float32", "HALF": "float16", "INT8": "int8", "INT32": "int32",
                 "INT64": "int64", "UINT8": "uint8", "BOOL": "bool"}
# TensorRT tensor types numpy has no dtype for (the runner's host buffers are numpy arrays).
_NO_NUMPY_TYPE = ("BF16", "FP8", "INT4", "FP4")


def parse_version(text):
    """"8.5.2.2" -> (8, 5, 2); EdgesrError for text without a major.minor."""
    match = re.match(r"\s*(\d+)\.(\d+)(?:\.(\d+))?", str(text))
    if not match:
        raise EdgesrError("cannot read TensorRT version %r" % (text,), "reinstall TensorRT")
    return tuple(int(part or 0) for part in match.groups())


def probe_features(engine, context):
    """(has_bindings_api, has_tensor_api) of a live engine and execution context."""
    has_bindings = hasattr(engine, "get_binding_index") and hasattr(context, "execute_async_v2")
    has_tensors = hasattr(engine, "get_tensor_name") and hasattr(context, "execute_async_v3")
    return has_bindings, has_tensors


def choose_api(version, has_bindings, has_tensors, prefer=None):
    """"bindings" (TensorRT < 10, e.g. 8.5 on JetPack 5) or "tensors" (TensorRT >= 10, or no bindings API).

    ``prefer`` forces one API when the installed TensorRT has it (8.5/8.6 have both).
    """
    available = [name for name, ok in (("bindings", has_bindings), ("tensors", has_tensors)) if ok]
    if prefer is not None:
        if prefer not in available:
            raise EdgesrError("TensorRT %s has no %s API" % (version, prefer),
                              "use one of: %s" % (", ".join(available) or "none"))
        return prefer
    if parse_version(version)[0] < 10 and has_bindings:
        return "bindings"
    if has_tensors:
        return "tensors"
    raise EdgesrError("TensorRT %s exposes neither the bindings nor the tensor API" % version,
                      "use TensorRT 8.5 or newer")


def numpy_dtype_name(trt_dtype):
    """"DataType.HALF" (or the enum itself) -> "float16"."""
    key = str(trt_dtype).rsplit(".", 1)[-1].upper()
    if key in _NO_NUMPY_TYPE:
        raise EdgesrError("the engine has %s inputs/outputs, which numpy cannot hold" % key,
                          "rebuild the engine with float32 or float16 I/O (build-engine does; trtexec: "
                          "--inputIOFormats=fp16:chw --outputIOFormats=fp16:chw)")
    if key not in _NUMPY_DTYPES:
        raise EdgesrError("unsupported TensorRT tensor type %s" % key, "build the engine with float I/O")
    return _NUMPY_DTYPES[key]


def resolve_input_shape(engine_shape, requested, name="model.engine"):
    """The concrete input shape: engine dims of -1 take the requested size, fixed dims must match."""
    engine_shape, requested = tuple(int(d) for d in engine_shape), tuple(int(d) for d in requested)
    if len(engine_shape) != len(requested) or any(
        want >= 0 and want != got for want, got in zip(engine_shape, requested)
    ):
        shown = tuple(None if d < 0 else d for d in engine_shape)
        raise EdgesrError(
            "%s expects input %s, got %s" % (name, format_shape(shown), format_shape(requested)),
            "feed frames of the engine's size or rebuild it with a dynamic optimization profile",
        )
    return requested


def is_dynamic(shape):
    return any(int(d) < 0 for d in shape)


class BindingsAPI(object):
    """TensorRT 8.x: binding indices, set_binding_shape, execute_async_v2.

    The name -> index map is read once here: ``get_binding_index`` is deprecated in 8.5 and warns
    on every call, which must not happen inside the timed loop.
    """

    name = "bindings"

    def __init__(self, trt, engine, context):
        self.engine, self.context = engine, context
        self._index = {engine.get_binding_name(i): i for i in range(engine.num_bindings)}

    def io_tensors(self):
        return [IOTensor(name, bool(self.engine.binding_is_input(i)), tuple(self.engine.get_binding_shape(i)),
                         numpy_dtype_name(self.engine.get_binding_dtype(i)))
                for name, i in sorted(self._index.items(), key=lambda item: item[1])]

    def set_input_shape(self, name, shape):
        if not self.context.set_binding_shape(self._index[name], tuple(shape)):
            raise EdgesrError("TensorRT rejected input shape %s" % format_shape(shape),
                              "use a size inside the engine's optimization profile")

    def tensor_shape(self, name):
        return tuple(self.context.get_binding_shape(self._index[name]))

    def execute(self, addresses, stream_handle):
        bindings = [0] * len(self._index)
        for name, address in addresses.items():
            bindings[self._index[name]] = int(address)
        return bool(self.context.execute_async_v2(bindings=bindings, stream_handle=stream_handle))


class TensorAPI(object):
    """TensorRT 10.x (and 8.5+): tensor names, set_input_shape, set_tensor_address, execute_async_v3."""

    name = "tensors"

    def __init__(self, trt, engine, context):
        self.engine, self.context = engine, context
        self._input_mode = trt.TensorIOMode.INPUT

    def io_tensors(self):
        names = [self.engine.get_tensor_name(i) for i in range(self.engine.num_io_tensors)]
        return [IOTensor(n, self.engine.get_tensor_mode(n) == self._input_mode,
                         tuple(self.engine.get_tensor_shape(n)), numpy_dtype_name(self.engine.get_tensor_dtype(n)))
                for n in names]

    def set_input_shape(self, name, shape):
        if not self.context.set_input_shape(name, tuple(shape)):
            raise EdgesrError("TensorRT rejected input shape %s" % format_shape(shape),
                              "use a size inside the engine's optimization profile")

    def tensor_shape(self, name):
        return tuple(self.context.get_tensor_shape(name))

    def execute(self, addresses, stream_handle):
        for name, address in addresses.items():
            self.context.set_tensor_address(name, int(address))
        return bool(self.context.execute_async_v3(stream_handle))


def make_api(trt, engine, context, prefer=None):
    """The adapter for this TensorRT version (``trt.__version__``) and engine."""
    api = choose_api(trt.__version__, *probe_features(engine, context), prefer=prefer)
    return (BindingsAPI if api == "bindings" else TensorAPI)(trt, engine, context)
