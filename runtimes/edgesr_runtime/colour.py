"""BT.601 full-range RGB <-> YCbCr in numpy (the JPEG convention), in [0, 1] units."""

import numpy as np

# JPEG / BT.601 full range: Y in [0, 1], Cb and Cr centred on 0.5.
_RGB_TO_YCC = np.array([[0.299, 0.587, 0.114],
                        [-0.168736, -0.331264, 0.5],
                        [0.5, -0.418688, -0.081312]], dtype=np.float32)
_YCC_TO_RGB = np.linalg.inv(_RGB_TO_YCC.astype(np.float64)).astype(np.float32)
_CENTRE = np.array([0.0, 0.5, 0.5], dtype=np.float32)


def rgb_to_ycbcr(rgb):
    """H×W×3 float RGB in [0, 1] -> H×W×3 float32 YCbCr."""
    return np.asarray(rgb, dtype=np.float32) @ _RGB_TO_YCC.T + _CENTRE


def ycbcr_to_rgb(ycc):
    """H×W×3 float YCbCr -> H×W×3 float32 RGB (not clipped)."""
    return (np.asarray(ycc, dtype=np.float32) - _CENTRE) @ _YCC_TO_RGB.T
