"""OpenCV backend: runs a filter-bank artifact (``model.filters.npz``) with SIMD ``cv2.filter2D`` on the LR image.

Per output phase it filters the low-resolution frame with that phase's kernels (zero border, as the
models pad), reduces them in place (``cv2.max``) and interleaves the s phases of each output row
with ``cv2.merge`` straight into a strided view of the output: no s²·C-channel tensor, no extra copy.
With ``threads`` > 1 the s output row phases run on a thread pool (OpenCV releases the GIL; its own
filter2D is single-threaded). See ``edgesr_runtime.filterbank`` for the format. Needs numpy and
opencv-python(-headless) only.
"""

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .. import filterbank
from ._imports import import_first, module_version
from .base import Runner, TensorMeta

INSTALL_HINT = "pip install opencv-python-headless (Raspberry Pi OS: sudo apt install python3-opencv)"


def import_backend():
    """(cv2 module, "opencv 4.x") or MissingBackendError."""
    cv2, _ = import_first(["cv2"], "OpenCV", INSTALL_HINT)
    return cv2, "opencv %s" % module_version(cv2, "opencv-python-headless")


class OpenCVRunner(Runner):
    """A filter bank run with cv2.filter2D. ``threads`` calls cv2.setNumThreads (a process-wide setting)."""

    runtime = "opencv"
    default_layout = "NCHW"

    def __init__(self, path, **kwargs):
        super(OpenCVRunner, self).__init__(path, **kwargs)
        self._bank = None
        self._buffers = {}
        self._pool = None

    def _load(self):
        self._cv2, self._version = import_backend()
        if self.threads:
            self._cv2.setNumThreads(int(self.threads))
        self._bank, input_shape = filterbank.load(self.path)
        # cv2 wants the anchor as (x, y); all-zero outer taps (polyphase filters have many) are dropped
        self._filters = []
        for kernel in self._bank.kernels:
            piece, (row, col) = filterbank.trimmed(kernel, self._bank.anchor)
            self._filters.append((piece, (col, row)))
        dims = tuple(None if d < 0 else d for d in input_shape)
        out_dims = tuple(None if d < 0 else d for d in self._bank.output_shape(input_shape))
        self._metas = (TensorMeta("input", dims, "float32", None), TensorMeta("output", out_dims, "float32", None))
        workers = min(int(self.threads or 1), self._bank.scale)
        if workers > 1:
            self._pool = ThreadPoolExecutor(workers, thread_name_prefix="edgesr-opencv")

    def _row_buffers(self, height, width):
        """Per output row phase: s phase images and one scratch image, allocated once per input size."""
        key = (height, width)
        if key not in self._buffers:
            s = self._bank.scale
            self._buffers[key] = [[np.empty((height, width), np.float32) for _ in range(s + 1)] for _ in range(s)]
        return self._buffers[key]

    def _filter_phase(self, image, phase, dst, scratch):
        """dst = reduction over the phase's filters of filter2D(image)."""
        cv2 = self._cv2
        for n, index in enumerate(self._bank.phase_filters(phase)):
            kernel, anchor = self._filters[index]
            cv2.filter2D(image, -1, kernel, dst=dst if n == 0 else scratch, anchor=anchor,
                         borderType=cv2.BORDER_CONSTANT)
            if n > 0:
                cv2.max(dst, scratch, dst=dst)

    def _output_row_phase(self, image, i, buffers, by_row):
        """Output rows h·s + i: the s phases (i, j), interleaved into ``by_row[:, i]`` (a strided view)."""
        s = self._bank.scale
        phases, scratch = buffers[:s], buffers[s]
        for j, dst in enumerate(phases):
            self._filter_phase(image, i * s + j, dst, scratch)
        if s == 1:
            np.copyto(by_row[:, 0, :, 0], phases[0])
        else:
            self._cv2.merge(phases, dst=by_row[:, i])

    def _infer(self, native):
        count, _, height, width = native.shape
        s = self._bank.scale
        buffers = self._row_buffers(height, width)
        out = np.empty((count, 1, height * s, width * s), np.float32)
        for n in range(count):
            by_row = out[n, 0].reshape(height, s, width, s)  # [h, i, w, j] = y[h·s + i, w·s + j]
            if self._pool is None:
                for i in range(s):
                    self._output_row_phase(native[n, 0], i, buffers[i], by_row)
            else:
                jobs = [self._pool.submit(self._output_row_phase, native[n, 0], i, buffers[i], by_row)
                        for i in range(s)]
                for job in jobs:
                    job.result()
        return out

    def _close(self):
        self._buffers = {}
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def _input_meta(self):
        return self._metas[0]

    def _output_meta(self):
        return self._metas[1]

    def _describe(self):
        bank = self._bank
        facts = {"version": self._version}
        if bank is not None:
            facts.update(filters=int(bank.kernels.shape[0]), scale=bank.scale, groups=bank.groups,
                         reduction=bank.reduction, opencv_threads=self._cv2.getNumThreads())
        return facts
