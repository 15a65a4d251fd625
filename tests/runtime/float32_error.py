"""Rounding-error bounds for float32 (and lower-precision) arithmetic: where the tests' tolerances come from.

The one home of the tests' numeric error analysis (numpy only, so the device tests can use it; the host
helper tests/host/float32_bounds.py builds on it for whole PyTorch modules). docs/reliability.md lists
every tolerance of the tests with its derivation.

The standard result (Higham, *Accuracy and Stability of Numerical Algorithms*, §3.1): a sum of n
products computed in floating point, in any order and with any blocking, is within
γ_n · Σ|w_i·x_i| of the exact sum, γ_n = n·u / (1 - n·u), u the unit roundoff (2⁻²⁴ for float32).
Two evaluations (another CPU's kernels, another runtime, another tile shape) each lie within that of
the exact value, so they differ by at most twice it. A bound that holds for every summation order is
what makes a test pass on every CPU, whatever kernels oneDNN, XNNPACK or MLAS pick there.
"""

import numpy as np

UNIT_ROUNDOFF = 2.0 ** -24  # float32: a rounded value is within u·|x| of the exact one
EPS32 = float(np.finfo(np.float32).eps)  # 2u: the float32 spacing at 1.0
UNIT_ROUNDOFF_FP16 = 2.0 ** -11  # float16 (and TF32, which keeps float16's 10-bit mantissa)


def gamma(terms, unit_roundoff=UNIT_ROUNDOFF):
    """γ_n = n·u / (1 - n·u): the relative error bound of an n-term sum of products."""
    nu = terms * unit_roundoff
    assert nu < 1, "the bound needs n·u < 1"
    return nu / (1 - nu)


def dot_error(terms, magnitude, evaluations=2, unit_roundoff=UNIT_ROUNDOFF):
    """Largest difference of ``evaluations`` float evaluations (2: two of them; 1: one against the exact value)
    of a sum of ``terms`` products whose absolute values add up to at most ``magnitude``."""
    return evaluations * gamma(terms, unit_roundoff) * magnitude


def conv_error(weight, bias=None, input_bound=1.0, evaluations=2, unit_roundoff=UNIT_ROUNDOFF):
    """``dot_error`` of a convolution (or filter bank) with these weights on inputs of |x| <= ``input_bound``.

    ``weight`` is O×(taps...): every output sums prod(weight.shape[1:]) products plus one more term (the
    bias, or a filter bank's reduction step), and Σ|w·x| <= input_bound·Σ|w| + |b| for the worst filter.
    """
    weight = np.asarray(weight, dtype=np.float64)
    sums = np.abs(weight.reshape(weight.shape[0], -1)).sum(axis=1) * input_bound
    if bias is not None:
        sums = sums + np.abs(np.asarray(bias, dtype=np.float64))
    return dot_error(int(np.prod(weight.shape[1:])) + 1, float(sums.max()), evaluations, unit_roundoff)


def psnr_shift(psnr_db, delta):
    """Largest change of an image's PSNR (dB) when each output pixel in [0, 1] moves by at most ``delta``.

    RMSE is a norm, so it moves by at most delta: from r = 10^(-PSNR/20) to r ± delta. Clamping to [0, 1]
    and the ×255 of 8-bit units change neither argument.
    """
    r = 10.0 ** (-psnr_db / 20.0)
    return -20.0 * np.log10(1.0 - delta / r)


def ssim_shift(delta):
    """Largest change of the mean SSIM (Wang et al.: C1 = (0.01·L)², C2 = (0.03·L)², any window of weights
    summing to 1, population (co)variances) when each output pixel in [0, 1] moves by at most ``delta``.

    Along y + t·e (|e| <= Δ = L·delta): |∂l/∂μ_y| <= 3√2/√C1 (l the luminance term, |Δμ_y| <= Δ) and
    |dc/dt| <= (2σ_x·Δ + 2σ_y·Δ)/(σ_x² + σ_y² + C2) <= 2Δ/√C2 (c the contrast-structure term), both
    within [-1, 1]: |ΔSSIM| <= Δ·(3√2/√C1 + 2/√C2) = delta·(3√2/0.01 + 2/0.03), whatever L.
    """
    return delta * (3 * np.sqrt(2) / 0.01 + 2 / 0.03)
