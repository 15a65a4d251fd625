"""Error measures shared by parity checks, INT8 gates and the quality evaluation (numpy, float64)."""

import numpy as np


def mse(a, b):
    """Mean squared error in float64."""
    diff = np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)
    return float(np.mean(diff * diff))


def psnr(a, b, peak=255.0):
    """10·log10(peak² / MSE) in dB; inf for identical arrays."""
    error = mse(a, b)
    if error == 0:
        return float("inf")
    return float(10.0 * np.log10(peak * peak / error))
