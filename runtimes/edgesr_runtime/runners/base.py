"""The one Runner interface: load() / infer(x) / close(), NCHW float32 in and out, whatever the file."""

import abc
import collections
import os

import numpy as np

from ..errors import EdgesrError, first_line  # noqa: F401 (first_line: re-exported for the runners)

LAYOUTS = ("NCHW", "NHWC")

TensorMeta = collections.namedtuple("TensorMeta", "name shape dtype layout")
TensorMeta.__doc__ = """One model input or output: ``shape`` in the file's own layout, None for a dynamic dim."""


def normalize_dims(dims):
    """A shape with every unknown dim (-1, 0-less symbols, None, "H") as None."""
    return tuple(int(d) if isinstance(d, (int, np.integer)) and d >= 0 else None for d in dims)


def guess_layout(shape, default):
    """NCHW or NHWC from a 4-D shape whose channel axis is the fixed 1; ``default`` when ambiguous."""
    shape = normalize_dims(shape)
    if len(shape) == 4:
        c_first, c_last = shape[1] == 1, shape[3] == 1
        if c_first and not c_last:
            return "NCHW"
        if c_last and not c_first:
            return "NHWC"
    return default


def to_layout(x, layout):
    """NCHW array -> the file's layout (a view; C=1 makes NHWC a free reshape)."""
    return x.transpose(0, 2, 3, 1) if layout == "NHWC" else x


def from_layout(y, layout):
    """The file's layout -> NCHW."""
    return y.transpose(0, 3, 1, 2) if layout == "NHWC" else y


def shape_mismatch(meta, native_shape):
    """True when a concrete shape does not fit ``meta.shape`` (None matches any size)."""
    if len(meta.shape) != len(native_shape):
        return True
    return any(want is not None and want != got for want, got in zip(meta.shape, native_shape))


def format_shape(shape):
    return "x".join("?" if d is None else str(d) for d in shape)


class Runner(abc.ABC):
    """Base class of every backend. Subclasses implement _load, _infer, _close and the metadata.

    ``infer(x)`` takes and returns N×1×H×W float32 arrays in [0, 1]; layout and dtype
    conversion (NHWC, float16, int8 quantization) happen inside the runner.
    """

    runtime = "unknown"
    default_layout = "NCHW"

    # the runtime-specific keyword options this runner takes (beyond name, precision, layout, threads)
    options = ()
    # those an artifact's manifest entry may set ("runner_options": speed settings the exporter chose, e.g.
    # ORT's optimisation level); others there are ignored (a newer exporter's hints)
    manifest_options = ()

    def __init__(self, path=None, name=None, precision=None, layout=None, threads=None):
        if layout is not None and layout not in LAYOUTS:
            raise EdgesrError("unknown layout %r" % (layout,), "use one of %s" % ", ".join(LAYOUTS))
        self.path = None if path is None else str(path)
        self.name = name or (os.path.basename(self.path) if self.path else self.runtime)
        self.precision = precision or precision_from_name(self.path) or "fp32"
        self.layout = layout
        self.threads = threads
        self.loaded = False

    # -- lifecycle -------------------------------------------------------------------------
    def load(self):
        """Open the model (idempotent); returns self."""
        if not self.loaded:
            if self.path is not None:
                check_model_file(self.path)
            self._load()
            if self.layout is None:
                self.layout = guess_layout(self._input_meta().shape, self.default_layout)
            self.loaded = True
        return self

    def close(self):
        """Release the session, interpreter or engine (idempotent)."""
        if self.loaded:
            self._close()
            self.loaded = False

    def __enter__(self):
        return self.load()

    def __exit__(self, *exc):
        self.close()

    # -- inference -------------------------------------------------------------------------
    def infer(self, x):
        """Run one N×1×H×W float32 batch; returns N×1×sH×sW float32."""
        if not self.loaded:
            raise EdgesrError("%s is not loaded" % self.name, "call load() or use the runner in a with block")
        x = np.asarray(x)
        if x.ndim != 4 or x.shape[1] != 1:
            raise EdgesrError(
                "%s takes N×1×H×W input, got shape %s" % (self.name, format_shape(x.shape)),
                "pass a luma batch shaped N×1×H×W",
            )
        native = np.ascontiguousarray(to_layout(x.astype(np.float32, copy=False), self.layout))
        meta = self._input_meta()
        if shape_mismatch(meta, native.shape):
            raise EdgesrError(
                "%s expects input %s (%s), got %s"
                % (self.name, format_shape(meta.shape), self.layout, format_shape(native.shape)),
                "feed frames of the exported size or export with dynamic H/W",
            )
        y = self._infer(native)
        return np.ascontiguousarray(from_layout(y, self.layout), dtype=np.float32)

    # -- metadata --------------------------------------------------------------------------
    def input_metadata(self):
        """TensorMeta of the model input (shape in the file's layout)."""
        return self._input_meta()._replace(layout=self.layout)

    def output_metadata(self):
        """TensorMeta of the model output (shape in the file's layout)."""
        return self._output_meta()._replace(layout=self.layout)

    def describe(self):
        """JSON-friendly facts about this runner (runtime version, threads, providers ...)."""
        info = {"runtime": self.runtime, "name": self.name, "precision": self.precision,
                "layout": self.layout, "threads": self.threads}
        info.update(self._describe())
        return info

    # -- for subclasses --------------------------------------------------------------------
    @abc.abstractmethod
    def _load(self):
        """Implemented by each backend."""

    @abc.abstractmethod
    def _infer(self, native):
        """Implemented by each backend."""

    def _close(self):
        pass

    _metas = None  # (input TensorMeta, output TensorMeta): set by _load, or override the two methods below

    def _input_meta(self):
        return self._metas[0]

    def _output_meta(self):
        return self._metas[1]

    def _describe(self):
        return {}


def check_model_file(path):
    """EdgesrError unless ``path`` is a non-empty file."""
    base = os.path.basename(path)
    if not os.path.isfile(path):
        raise EdgesrError("model file %s does not exist" % path, "check the path or re-export the bundle")
    if os.path.getsize(path) == 0:
        raise EdgesrError("%s is empty (truncated copy?)" % base, "re-export the bundle or copy it again")


def precision_from_name(path):
    """fp32/fp16/int8 when the file name says so (model_fp16.tflite), else None."""
    if not path:
        return None
    stem = os.path.splitext(os.path.basename(path))[0].lower()
    for token in ("fp32", "fp16", "int8"):
        if token in stem:
            return token
    return None


def corrupt_model_error(path, kind, err):
    """The error for a file a runtime refuses to parse."""
    return EdgesrError(
        "%s is not a valid %s file (truncated or corrupt?): %s" % (os.path.basename(path), kind, first_line(err)),
        "re-export the bundle",
    )
