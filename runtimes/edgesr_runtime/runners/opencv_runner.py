"""OpenCV backend: runs a filter-bank artifact (``model.filters.npz``) with SIMD ``cv2.filter2D`` on the LR image.

Per output phase it filters the low-resolution frame with that phase's kernels (zero border, as the
models pad), reduces them in place (``cv2.max``) and interleaves the s phases of each output row
with ``cv2.merge`` straight into a strided view of the output: no s²·C-channel tensor, no extra copy.
With ``threads`` > 1 the s² phases, then the s interleaves, run on a thread pool (OpenCV releases
the GIL; its filter2D is single-threaded). See ``edgesr_runtime.filterbank`` for the format. Needs numpy and
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
        workers = min(int(self.threads or 1), self._bank.scale ** 2)
        if workers > 1:
            self._pool = ThreadPoolExecutor(workers, thread_name_prefix="edgesr-opencv")

    def _phase_buffers(self, height, width):
        """(s² phase images, s² scratch images or Nones) for an H×W input, allocated once per size."""
        key = (height, width)
        if key not in self._buffers:
            count = self._bank.scale ** 2
            phases = [np.empty((height, width), np.float32) for _ in range(count)]
            scratch = [np.empty((height, width), np.float32) if self._bank.groups > 1 else None
                       for _ in range(count)]
            self._buffers[key] = (phases, scratch)
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

    def _interleave_row_phase(self, phases, i, by_row):
        """Output rows h·s + i: phases (i, 0) .. (i, s-1) interleaved into ``by_row[:, i]`` (a strided view)."""
        s = self._bank.scale
        if s == 1:
            np.copyto(by_row[:, 0, :, 0], phases[0])
        else:
            self._cv2.merge(phases[i * s:(i + 1) * s], dst=by_row[:, i])

    def _infer(self, native):
        count, _, height, width = native.shape
        s = self._bank.scale
        phases, scratch = self._phase_buffers(height, width)
        out = np.empty((count, 1, height * s, width * s), np.float32)
        run = self._run_all if self._pool is None else self._run_pooled
        for n in range(count):
            image = native[n, 0]
            by_row = out[n, 0].reshape(height, s, width, s)  # [h, i, w, j] = y[h·s + i, w·s + j]
            run(lambda p: self._filter_phase(image, p, phases[p], scratch[p]), s * s)
            run(lambda i: self._interleave_row_phase(phases, i, by_row), s)
        return out

    @staticmethod
    def _run_all(task, count):
        for index in range(count):
            task(index)

    def _run_pooled(self, task, count):
        """task(0..count-1) on the pool; workers take tasks as they come free, so one stalled thread
        (a busy machine) does not hold up the rest."""
        for _ in self._pool.map(task, range(count)):
            pass

    def _close(self):
        self._buffers = {}
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def _describe(self):
        bank = self._bank
        facts = {"version": self._version}
        if bank is not None:
            facts.update(filters=int(bank.kernels.shape[0]), scale=bank.scale, groups=bank.groups,
                         reduction=bank.reduction, opencv_threads=self._cv2.getNumThreads())
        return facts
