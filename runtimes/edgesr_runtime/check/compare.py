"""Comparing an artifact's outputs with the golden PyTorch outputs: error statistics and tolerances.

Tolerances, per precision, against the PyTorch FP32 output (values in [0, 1]; 1/255 = 3.9e-3 is
one 8-bit grey level). Every artifact runs on every golden input it accepts and NaN/Inf anywhere
fails it; the error bounds apply to the inputs named below:

* fp32, all inputs: max |err| <= 1e-3 and PSNR >= 100 dB. ONNX Runtime and LiteRT only re-order
  FP32 sums. Over all 1185 models (Full-HD ONNX on ORT, x86) the worst max |err| was 7.1e-5 (one
  pixel of the random input of an eSR-CNN, where softmax(key^2) nears a tie) and the lowest PSNR
  124 dB. Another CPU sums in another order, so the bound leaves >10x / >20 dB room while still
  meaning "the same 8-bit image" (1/4 grey level); a real conversion bug lands far below 100 dB.
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
"""

import collections
import math

import numpy as np

from ..errors import EdgesrError

Tolerance = collections.namedtuple("Tolerance", "max_abs_err min_psnr_db inputs")
Tolerance.__doc__ = """Error bounds (None = unbounded) and the golden inputs they apply to: "all" or "images"."""

TOLERANCES = {
    "fp32": Tolerance(1e-3, 100.0, "all"),
    "fp16": Tolerance(None, 55.0, "images"),
    "int8": Tolerance(None, 30.0, "images"),
}


class Comparison(object):
    """Running error statistics over several (reference, actual) pairs."""

    def __init__(self):
        self.max_abs_err = 0.0
        self.sum_abs = self.sum_sq = 0.0
        self.count = 0
        self.nan_or_inf = False
        self.worst = None

    def add(self, reference, actual, label=None):
        reference = np.asarray(reference, dtype=np.float32)
        actual = np.asarray(actual, dtype=np.float32)
        if reference.shape != actual.shape:
            raise EdgesrError("output shape %s differs from the golden output %s" % (actual.shape, reference.shape),
                              "re-export the bundle")
        diff = np.abs(actual - reference).ravel()  # float32 differences of nearby values are exact
        if not np.isfinite(diff).all():
            self.nan_or_inf = True
            diff = diff[np.isfinite(diff)]
        if diff.size:
            worst = float(diff.max())
            if worst >= self.max_abs_err:
                self.max_abs_err, self.worst = worst, label
            diff = diff.astype(np.float64)
            self.sum_abs += float(diff.sum())
            self.sum_sq += float(np.dot(diff, diff))
        self.count += int(reference.size)
        return self

    @property
    def mean_abs_err(self):
        return self.sum_abs / self.count if self.count else 0.0

    @property
    def psnr_db(self):
        """PSNR against the reference with peak 1.0; None when the outputs are identical."""
        mse = self.sum_sq / self.count if self.count else 0.0
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
