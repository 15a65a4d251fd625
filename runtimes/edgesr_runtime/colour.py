"""BT.601 full-range RGB <-> YCbCr in numpy (the JPEG convention).

Units follow ``peak``: 1.0 (default) for [0, 1] pixels with Cb and Cr centred on 0.5, 255.0 for
8-bit values centred on 128. ``dtype`` is the arithmetic and result type: float32 (default, the
device path) or float64 (host image files, computed with the exact float64 matrices).
"""

import numpy as np

# JPEG / BT.601 full range: Y = 0.299 R + 0.587 G + 0.114 B; Cb, Cr centred on half the peak.
_RGB_TO_YCC = np.array([[0.299, 0.587, 0.114],
                        [-0.168736, -0.331264, 0.5],
                        [0.5, -0.418688, -0.081312]], dtype=np.float64)
# Each dtype inverts the forward matrix it actually uses (float32: the float32-rounded constants).
_MATRICES = {
    np.dtype(np.float32): (_RGB_TO_YCC.astype(np.float32),
                           np.linalg.inv(_RGB_TO_YCC.astype(np.float32).astype(np.float64)).astype(np.float32)),
    np.dtype(np.float64): (_RGB_TO_YCC, np.linalg.inv(_RGB_TO_YCC)),
}


def _centre(peak, dtype):
    return np.array([0.0, peak / 2.0, peak / 2.0], dtype=dtype)


def rgb_to_ycbcr(rgb, peak=1.0, dtype=np.float32):
    """H×W×3 RGB in [0, peak] -> H×W×3 YCbCr of ``dtype``."""
    forward = _MATRICES[np.dtype(dtype)][0]
    return np.asarray(rgb, dtype=dtype) @ forward.T + _centre(peak, dtype)


def ycbcr_to_rgb(ycc, peak=1.0, dtype=np.float32):
    """H×W×3 YCbCr -> H×W×3 RGB of ``dtype`` in [0, peak] units (not clipped)."""
    inverse = _MATRICES[np.dtype(dtype)][1]
    return (np.asarray(ycc, dtype=dtype) - _centre(peak, dtype)) @ inverse.T
