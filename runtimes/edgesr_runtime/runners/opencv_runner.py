"""OpenCV backend: runs a filter-bank artifact (``model.filters.npz``) with SIMD ``cv2.filter2D`` on the LR image.

The frame is cut into one band of LR rows per thread, each read with the rows its kernels reach
above and below (so every kept row sees exactly the pixels it would in the whole frame; zero border
at the frame's own edges, as the models pad). Per band and output phase it filters with that phase's
kernels, reduces them in place (``cv2.max``) and interleaves the s phases of each output row with
``cv2.merge`` straight into a strided view of the output: no s²·C-channel tensor, no extra copy.
Bands run on a thread pool (OpenCV releases the GIL; its filter2D is single-threaded): each thread
filters and interleaves its own rows, with no hand-over between the two steps. Smaller, cache-sized
bands were measured slower: ~6 OpenCV calls per band cost more than the memory they save.
Needs numpy and
opencv-python(-headless) only.
"""

import threading
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
        self._local = threading.local()  # each thread's band buffers
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
        # LR rows a kept row's filters reach above / below it: a band is read with this margin
        self._margin = (max(row for _, (_, row) in self._filters),
                        max(piece.shape[0] - 1 - row for piece, (_, row) in self._filters))
        dims = tuple(None if d < 0 else d for d in input_shape)
        out_dims = tuple(None if d < 0 else d for d in self._bank.output_shape(input_shape))
        self._metas = (TensorMeta("input", dims, "float32", None), TensorMeta("output", out_dims, "float32", None))
        self._workers = max(1, int(self.threads or 1))
        if self._workers > 1:
            self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix="edgesr-opencv")

    def _band_buffers(self, rows, width):
        """(s² phase images, one scratch image or None) of ``rows`` × ``width``, this thread's own (its phases
        run one after the other, so one scratch serves them all)."""
        key = (rows, width)
        buffers = getattr(self._local, "buffers", None)
        if buffers is None or buffers[0] != key:
            count = self._bank.scale ** 2
            phases = [np.empty(key, np.float32) for _ in range(count)]
            scratch = np.empty(key, np.float32) if self._bank.groups > 1 else None
            buffers = self._local.buffers = (key, phases, scratch)
        return buffers[1], buffers[2]

    def _filter_phase(self, image, phase, dst, scratch):
        """dst = reduction over the phase's filters of filter2D(image)."""
        cv2 = self._cv2
        for n, index in enumerate(self._bank.phase_filters(phase)):
            kernel, anchor = self._filters[index]
            cv2.filter2D(image, -1, kernel, dst=dst if n == 0 else scratch, anchor=anchor,
                         borderType=cv2.BORDER_CONSTANT)
            if n > 0:
                cv2.max(dst, scratch, dst=dst)

    def _band(self, image, start, stop, by_row, band_rows):
        """Output rows of LR rows start..stop-1: filter the band with its margin, keep its own rows, interleave."""
        s, (above, below) = self._bank.scale, self._margin
        top, bottom = max(0, start - above), min(image.shape[0], stop + below)
        phases, scratch = self._band_buffers(band_rows + above + below, image.shape[1])
        rows = bottom - top
        for phase in range(s * s):
            self._filter_phase(image[top:bottom], phase, phases[phase][:rows],
                               None if scratch is None else scratch[:rows])
        kept = [phase[start - top:stop - top] for phase in phases]
        for i in range(s):  # output rows h·s + i: phases (i, 0) .. (i, s-1) interleaved
            if s == 1:
                np.copyto(by_row[start:stop, 0, :, 0], kept[0])
            else:
                self._cv2.merge(kept[i * s:(i + 1) * s], dst=by_row[start:stop, i])

    def _infer(self, native):
        count, _, height, width = native.shape
        s = self._bank.scale
        band_rows = -(-height // self._workers)  # one band per thread
        out = np.empty((count, 1, height * s, width * s), np.float32)
        run = self._run_all if self._pool is None else self._run_pooled
        for n in range(count):
            image = native[n, 0]
            by_row = out[n, 0].reshape(height, s, width, s)  # [h, i, w, j] = y[h·s + i, w·s + j]
            run(lambda start: self._band(image, start, min(start + band_rows, height), by_row, band_rows),
                range(0, height, band_rows))
        return out

    @staticmethod
    def _run_all(task, items):
        for item in items:
            task(item)

    def _run_pooled(self, task, items):
        """task(item) for each item on the pool."""
        for _ in self._pool.map(task, items):
            pass

    def _close(self):
        self._local = threading.local()
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
