"""Comparing an artifact's outputs with the golden PyTorch outputs: error statistics and tolerances.

Tolerances, per precision, against the PyTorch FP32 output (values in [0, 1]; 1/255 = 3.9e-3 is
one 8-bit grey level). Every artifact runs on every golden input it accepts and NaN/Inf anywhere
fails it; the error bounds apply to the inputs named below:

* fp32, all inputs: max |err| <= 1e-3 and PSNR >= 100 dB. ONNX Runtime and LiteRT only re-order
  FP32 sums. Over all 1185 models (Full-HD ONNX on ORT, x86) the worst max |err| was 7.1e-5 (one
  pixel of the random input of an eSR-CNN, where softmax(key^2) nears a tie) and the lowest PSNR
  124 dB. Another CPU sums in another order, so the bound leaves >10x / >20 dB room while still
  meaning "the same 8-bit image" (1/4 grey level); a real conversion bug lands far below 100 dB.
  From float32 error analysis: a sum of n products errs by at most n·u·Σ|terms| (u = 2^-24) in any
  order, so two evaluations of a chain whose fan-ins add up to n differ by about n·2u for values of
  magnitude 1; the zoo's longest chain (FSRCNN_s2_D56_S12_M4: n = 1925) gives 2.3e-4 < 1e-3.
* fp16, real-image inputs: PSNR >= 55 dB, no max |err| bound. FP16 weights (TFLite) measured
  65-78 dB; true FP16 arithmetic (PyTorch .half(), the proxy for TensorRT FP16) 62-77 dB on
  Full-HD image mosaics. Isolated outliers are inherent to FP16 softmax attention (eSR-TR_s2_K7_C16:
  max |err| 0.095 at 62 dB), so the bound is on error energy: 55 dB stays >20 dB below the models'
  own error (30-37 dB against ground truth), a PSNR change of under 0.05 dB. Uniform-noise inputs
  (down to 47 dB in FP16) are reported, not judged.
* int8, real-image inputs: PSNR >= 30 dB, no max |err| bound (one output step is ~4e-3 and
  saturated pixels are legitimate). Random noise lies outside the calibration data by construction.
  Below 30 dB the quantization error is as large as the model's own reconstruction error: the
  artifact is no longer the same model (full-INT8 eSR-TM: under 20 dB). The PSNR *drop* against
  the ground truth is measured separately at export (``quantization.psnr``).

A bundle carries the tolerance of each artifact (``parity.tolerance``); the device uses it.

Golden format 2 keeps a summary of each output, not every pixel (golden_summary): the same bounds
apply to the kept pixels and to the tile statistics (a mean, min or max of values each within tol
of the reference is within tol of the reference's), and PSNR to the larger of the kept pixels'
error energy and the tile means' lower bound of the whole output's.
"""

import collections
import math

import numpy as np

from ..errors import EdgesrError
from ..golden_summary import OutputSummary, tile_counts, tile_stats

Tolerance = collections.namedtuple("Tolerance", "max_abs_err min_psnr_db inputs")
Tolerance.__doc__ = """Error bounds (None = unbounded) and the golden inputs they apply to: "all" or "images"."""

TOLERANCES = {
    "fp32": Tolerance(1e-3, 100.0, "all"),
    "fp16": Tolerance(None, 55.0, "images"),
    "int8": Tolerance(None, 30.0, "images"),
}


class Comparison(object):
    """Running error statistics over several (reference, actual) pairs.

    A reference is a whole output, or a golden_summary.OutputSummary (golden format 2). Against a
    summary, the kept pixels are compared one by one (mean |err| and MSE weigh a sampled interior
    pixel by the interior pixels it stands for: unbiased estimates for the whole output, with the
    border band counted exactly) and every tile's mean/min/max is compared with
    the actual output's: each tile difference is a lower bound of the true max |err| (see
    golden_summary), so it joins ``max_abs_err``, and the tile means give a lower bound of the error
    energy of the whole output (``bound_sse``). PSNR uses the larger of the kept pixels' mean squared
    error estimate and that bound; NaN/Inf is looked for in every pixel of the actual output.
    """

    def __init__(self):
        self.max_abs_err = 0.0
        self.sum_abs = self.sum_sq = 0.0
        self.count = 0
        self.bound_sse, self.bound_count = 0.0, 0
        self.nan_or_inf = False
        self.worst = None

    def add(self, reference, actual, label=None):
        actual = np.asarray(actual, dtype=np.float32)
        summary = reference if isinstance(reference, OutputSummary) else None
        shape = summary.shape if summary is not None else np.shape(reference)
        if tuple(shape) != actual.shape:
            raise EdgesrError("output shape %s differs from the golden output %s" % (actual.shape, tuple(shape)),
                              "re-export the bundle")
        if not np.isfinite(actual).all():
            self.nan_or_inf = True
        if summary is None:
            sse = self._add_errors(np.abs(actual - np.asarray(reference, dtype=np.float32)), label)
            self.bound_sse += sse
        else:
            self._add_errors(np.abs(summary.pick(actual) - summary.values), label, summary.weights)
            self._add_tiles(summary, actual, label)
        self.bound_count += int(actual.size)
        return self

    def _add_errors(self, diff, label, weights=None):
        """Per-pixel |err| (float32 differences of nearby values are exact), each standing for ``weights``
        output pixels (a sampled interior pixel for many); returns their squared sum."""
        weights = np.broadcast_to(1.0 if weights is None else weights, diff.shape).ravel()
        diff = diff.ravel()
        if not np.isfinite(diff).all():
            self.nan_or_inf = True
            weights, diff = weights[np.isfinite(diff)], diff[np.isfinite(diff)]
        sse = 0.0
        if diff.size:
            self._worst(float(diff.max()), label)
            diff = diff.astype(np.float64)
            sse = float(np.dot(diff * diff, weights))
            self.sum_abs += float(np.dot(diff, weights))
            self.sum_sq += sse
        self.count += float(weights.sum())
        return sse

    def _add_tiles(self, summary, actual, label):
        frames = actual.reshape(actual.shape[0], actual.shape[2], actual.shape[3])
        mean, low, high = tile_stats(frames, summary.tile)
        with np.errstate(invalid="ignore"):
            mean_err = np.abs(mean.astype(np.float64) - summary.tile_mean)
            worst = np.fmax(mean_err, np.fmax(np.abs(low - summary.tile_min), np.abs(high - summary.tile_max)))
        finite = np.isfinite(worst)
        if finite.any():
            self._worst(float(worst[finite].max()), label)
        counts = np.broadcast_to(tile_counts(frames.shape[1:], summary.tile), mean_err.shape)
        ok = np.isfinite(mean_err)
        self.bound_sse += float(np.sum(counts[ok] * mean_err[ok] ** 2))

    def _worst(self, value, label):
        if value >= self.max_abs_err:
            self.max_abs_err, self.worst = value, label

    @property
    def mean_abs_err(self):
        return self.sum_abs / self.count if self.count else 0.0

    @property
    def psnr_db(self):
        """PSNR against the reference with peak 1.0; None when the outputs are identical."""
        mse = max(self.sum_sq / self.count if self.count else 0.0,
                  self.bound_sse / self.bound_count if self.bound_count else 0.0)
        return None if mse == 0 else 10.0 * math.log10(1.0 / mse)

    def as_dict(self):
        return {"max_abs_err": self.max_abs_err, "mean_abs_err": self.mean_abs_err, "psnr_db": self.psnr_db,
                "nan_or_inf": self.nan_or_inf, "worst_sample": self.worst}


def tolerance_for(artifact):
    """The artifact's recorded tolerance, else the default of its precision."""
    recorded = (artifact.get("parity") or {}).get("tolerance")
    if recorded:
        return Tolerance(recorded.get("max_abs_err"), recorded.get("min_psnr_db"), recorded.get("inputs", "all"))
    return TOLERANCES[artifact.get("precision", "fp32")]


def judge(stats, tolerance):
    """Reasons the stats break the tolerance ([] = pass)."""
    reasons = []
    if stats["nan_or_inf"]:
        reasons.append("NaN/Inf in the output")
    if tolerance.max_abs_err is not None and stats["max_abs_err"] > tolerance.max_abs_err:
        reasons.append("max |err| %.2e > %.0e" % (stats["max_abs_err"], tolerance.max_abs_err))
    psnr = stats["psnr_db"]
    if tolerance.min_psnr_db is not None and psnr is not None and psnr < tolerance.min_psnr_db:
        reasons.append("PSNR %.1f dB < %.0f dB" % (psnr, tolerance.min_psnr_db))
    return reasons
