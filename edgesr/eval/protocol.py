"""The degradation and comparison steps of the evaluation protocol (docs/evaluation.md), one function each.

All arithmetic is float64 and nothing is rounded. The paper's luma applies the BT.601 weights to
pixels in B,G,R order (``LUMA_PAPER``); ``LUMA_STANDARD`` is the usual R,G,B order.
"""

import numpy as np

from edgesr.eval.imresize import imresize

LUMA_PAPER = "paper"  # 0.114·R + 0.587·G + 0.299·B: the paper's BGR-order quirk (default)
LUMA_STANDARD = "standard"  # 0.299·R + 0.587·G + 0.114·B
LUMA_ORDERS = (LUMA_PAPER, LUMA_STANDARD)
_BT601 = (0.299, 0.587, 0.114)


def luma_weights(order=LUMA_PAPER):
    """(w_R, w_G, w_B) of a luma order."""
    if order == LUMA_PAPER:
        return _BT601[::-1]
    if order == LUMA_STANDARD:
        return _BT601
    raise ValueError("unknown luma order %r; expected one of %s" % (order, ", ".join(LUMA_ORDERS)))


def to_luma(image, order=LUMA_PAPER):
    """Full-range luma (float64, 0–255, unrounded) of an H×W×3 RGB image; an H×W gray image as is."""
    image = np.asarray(image)
    if image.ndim == 2:
        return image.astype(np.float64)
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError("expected an H×W gray or H×W×3 RGB image, got shape %s" % (image.shape,))
    wr, wg, wb = luma_weights(order)
    rgb = image.astype(np.float64)
    return wr * rgb[..., 0] + wg * rgb[..., 1] + wb * rgb[..., 2]


def mod_crop(image, scale):
    """Crop bottom and right so both sides are multiples of ``scale``."""
    h, w = image.shape[:2]
    return image[: h - h % scale, : w - w % scale]


def downscale(hr, scale):
    """The low-resolution input: MATLAB bicubic imresize by 1/scale, no rounding or clipping."""
    return imresize(hr, 1.0 / scale)


def shave(image, border):
    """Drop ``border`` pixels from every side."""
    if border <= 0:
        return image
    return image[border:-border, border:-border]


def to_limited_range(value):
    """Full-range 0–255 luma → limited-range (studio swing) luma ``16 + 219/255 · v``."""
    return 16.0 + (219.0 / 255.0) * np.asarray(value, dtype=np.float64)


def model_output_to_luma(output):
    """A model's [0, 1] output → 0–255 float64: clamp to [0, 1], multiply by 255, no rounding."""
    return np.clip(np.asarray(output, dtype=np.float64), 0.0, 1.0) * 255.0


def comparison_view(luma, scale):
    """The array the metrics see: shaved by ``scale`` and mapped to limited range."""
    return to_limited_range(shave(luma, scale))
