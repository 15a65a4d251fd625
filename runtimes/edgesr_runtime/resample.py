"""Bicubic resampling in numpy: Keys' cubic kernel, its taps, and an H×W(×C) resize (borders replicated)."""

import numpy as np


def keys_cubic(t, a):
    """Keys' cubic convolution kernel (a=-0.75 as OpenCV, a=-0.5 as PIL/Matlab), elementwise.

    Written in powers of |t| as MATLAB's ``cubic`` is, so a = -0.5 in float64 matches it to the bit.
    """
    t = np.abs(t)
    t2, t3 = t * t, t * t * t
    near = (a + 2) * t3 - (a + 3) * t2 + 1
    far = a * t3 - 5 * a * t2 + 8 * a * t - 4 * a
    return np.where(t <= 1, near, np.where(t < 2, far, 0.0))


def cubic_taps(in_size, out_size, a=-0.75):
    """(indices, weights), both out_size×4: the 4 source pixels and weights of each output pixel.

    Half-pixel centres (like OpenCV and PIL), weights normalised to sum 1. Indices are not
    clipped: -1 or in_size mean "replicate the border".
    """
    centre = (np.arange(out_size) + 0.5) * (float(in_size) / out_size) - 0.5
    indices = np.floor(centre).astype(np.int64)[:, None] + np.arange(-1, 3)
    weights = keys_cubic(centre[:, None] - indices, a)
    weights /= weights.sum(axis=1, keepdims=True)
    return indices, weights.astype(np.float32)


def _along(axis, ndim, index):
    """An indexing tuple that applies ``index`` on ``axis`` only."""
    return (slice(None),) * axis + (index,) + (slice(None),) * (ndim - axis - 1)


def _resize_axis(image, axis, out_size, a):
    """Bicubic resize along one axis; integer upscales use s fixed-weight phases of shifted slices."""
    in_size = image.shape[axis]
    indices, weights = cubic_taps(in_size, out_size, a)
    if out_size % in_size == 0:
        scale, pad = out_size // in_size, 2
        widths = [(0, 0)] * image.ndim
        widths[axis] = (pad, pad)
        padded = np.pad(image, widths, mode="edge")
        out = np.empty(image.shape[:axis] + (out_size,) + image.shape[axis + 1:], dtype=np.float32)
        acc, term = (np.empty(image.shape, dtype=np.float32) for _ in range(2))
        for phase in range(scale):
            starts = indices[phase] + pad
            for k in range(4):
                source = padded[_along(axis, image.ndim, slice(starts[k], starts[k] + in_size))]
                np.multiply(source, weights[phase, k], out=term if k else acc)
                if k:
                    acc += term
            out[_along(axis, image.ndim, slice(phase, None, scale))] = acc
        return out
    shape = [1] * image.ndim
    shape[axis] = out_size
    clipped = np.clip(indices, 0, in_size - 1)
    return sum(weights[:, k].reshape(shape) * np.take(image, clipped[:, k], axis=axis) for k in range(4))


def resize_bicubic(image, out_h, out_w, a=-0.75):
    """Bicubic resize of an H×W or H×W×C float image to out_h×out_w (borders replicated)."""
    image = np.asarray(image, dtype=np.float32)
    return _resize_axis(_resize_axis(image, 0, out_h, a), 1, out_w, a)
