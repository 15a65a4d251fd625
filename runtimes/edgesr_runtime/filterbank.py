"""The filter-bank artifact (``model.filters.npz``): a model that is single-channel filters on the LR image.

Some models are nothing but a bank of 2-D filters applied to the low-resolution luma image, an
optional reduction over groups of them and a depth-to-space: eSR-MAX (conv to s²·C, pixel shuffle,
max over C) and a stride-s transposed convolution (s² polyphase filters, interleaved). This module
holds the format and its rules; ``runners.opencv_runner`` runs it, ``edgesr_export.filterbank_export``
writes it. Numpy only.

Meaning, for an H×W input x (zero outside the image) and output phase p = i·s + j (i, j in [0, s)):

    f_k(h, w)         = Σ_{u,v} kernels[k, u, v] · x(h + u - anchor[0], w + v - anchor[1])
    y(h·s + i, w·s + j) = reduce_{g < groups} f_{p·groups + g}(h, w)

``reduction`` is "none" (groups must be 1) or "max". So filter k belongs to phase k // groups. Each
f_k is a correlation (not a flipped convolution) with a zero-padded border, the anchor shared by all
filters. The npz holds only numeric and fixed-width text arrays (it loads with allow_pickle=False):

    format       "edgesr-filterbank/1"
    kernels      float32 n×kh×kw (n = s²·groups)
    anchor       int64 [row, col] inside the kernel
    scale        int64
    groups       int64
    reduction    "none" | "max"
    input_shape  int64 [N, 1, H, W], -1 for a dynamic dim
"""

import zipfile
from dataclasses import dataclass

import numpy as np

from .errors import EdgesrError
from .files import atomic_open

FORMAT = "edgesr-filterbank/1"
SUFFIX = ".filters.npz"
REDUCTIONS = ("none", "max")
_KEYS = ("format", "kernels", "anchor", "scale", "groups", "reduction", "input_shape")


@dataclass(frozen=True)
class FilterBank:
    """Filters (float32 n×kh×kw, phase-major: filter k serves phase k // groups), shared anchor, scale,
    filters per phase and their reduction ("none" | "max")."""

    kernels: np.ndarray
    anchor: tuple
    scale: int
    groups: int = 1
    reduction: str = "none"

    def __post_init__(self):
        problem = _problem(self)
        if problem:
            raise EdgesrError("invalid filter bank: %s" % problem, "build it from a supported model")

    def phase_filters(self, phase):
        """The filter indices whose reduction gives output phase ``phase`` (= i·s + j)."""
        return range(phase * self.groups, (phase + 1) * self.groups)

    def output_shape(self, input_shape):
        """[N, 1, s·H, s·W] for an input [N, 1, H, W] (-1 stays -1)."""
        n, c, h, w = input_shape
        return [n, c] + [d * self.scale if d >= 0 else -1 for d in (h, w)]


def _problem(bank):
    """What is wrong with a bank's fields (None when nothing is)."""
    kernels = bank.kernels
    if not isinstance(kernels, np.ndarray) or kernels.dtype != np.float32 or kernels.ndim != 3:
        return "kernels must be a float32 n×kh×kw array"
    if bank.scale < 1 or bank.groups < 1:
        return "scale %d and groups %d must be >= 1" % (bank.scale, bank.groups)
    if kernels.shape[0] != bank.scale ** 2 * bank.groups:
        return "%d kernels, expected scale² · groups = %d" % (kernels.shape[0], bank.scale ** 2 * bank.groups)
    if bank.reduction not in REDUCTIONS:
        return "reduction %r is not one of %s" % (bank.reduction, ", ".join(REDUCTIONS))
    if bank.reduction == "none" and bank.groups != 1:
        return "reduction 'none' needs groups = 1, got %d" % bank.groups
    if len(bank.anchor) != 2 or not all(0 <= a < k for a, k in zip(bank.anchor, kernels.shape[1:])):
        return "anchor %s lies outside the %dx%d kernels" % (tuple(bank.anchor), kernels.shape[1], kernels.shape[2])
    if not np.isfinite(kernels).all():
        return "kernels hold NaN or Inf"
    return None


def save(bank, path, input_shape):
    """Write ``bank`` with its input shape [N, 1, H, W] (-1 = dynamic) to ``path`` atomically."""
    arrays = {"format": np.array(FORMAT), "kernels": bank.kernels,
              "anchor": np.asarray(bank.anchor, dtype=np.int64), "scale": np.int64(bank.scale),
              "groups": np.int64(bank.groups), "reduction": np.array(bank.reduction),
              "input_shape": np.asarray(input_shape, dtype=np.int64)}
    with atomic_open(path, "wb") as handle:
        np.savez(handle, **arrays)


def load(path):
    """(FilterBank, input_shape list) from a ``.filters.npz``; EdgesrError for anything else."""
    try:
        with np.load(str(path), allow_pickle=False) as data:
            missing = [k for k in _KEYS if k not in data.files]
            if missing:
                raise EdgesrError("%s is not a filter bank: no %s" % (path, ", ".join(missing)),
                                  "re-export the bundle with `edgesr export`")
            if str(data["format"]) != FORMAT:
                found = str(data["format"])
                raise EdgesrError("%s has format %r; this edgesr_runtime reads %r" % (path, found, FORMAT),
                                  "use the edgesr_runtime version that matches the exporter")
            bank = FilterBank(np.ascontiguousarray(data["kernels"]), tuple(int(a) for a in data["anchor"]),
                              int(data["scale"]), int(data["groups"]), str(data["reduction"]))
            input_shape = [int(d) for d in data["input_shape"]]
    except (OSError, ValueError, TypeError, EOFError, zipfile.BadZipFile) as err:
        raise EdgesrError("%s is not a valid filter-bank file (truncated or corrupt?): %s" % (path, err),
                          "re-export the bundle")
    if len(input_shape) != 4 or input_shape[1] != 1:
        raise EdgesrError("%s has input shape %s, not N×1×H×W" % (path, input_shape), "re-export the bundle")
    return bank, input_shape


def trimmed(kernel, anchor):
    """(kernel without all-zero outer rows/columns, its anchor): the same filter with fewer taps.

    Exact for finite inputs (a zero tap adds an exact 0). The anchor tap is always kept, so the
    result stays a valid filter2D kernel; an all-zero kernel shrinks to its anchor tap.
    """
    rows = np.flatnonzero(kernel.any(axis=1))
    cols = np.flatnonzero(kernel.any(axis=0))
    (ay, ax) = anchor
    top, bottom = min([ay] + rows[:1].tolist()), max([ay] + rows[-1:].tolist())
    left, right = min([ax] + cols[:1].tolist()), max([ax] + cols[-1:].tolist())
    piece = np.ascontiguousarray(kernel[top:bottom + 1, left:right + 1])
    return piece, (ay - top, ax - left)
