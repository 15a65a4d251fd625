"""MATLAB-compatible ``imresize(img, scale, 'bicubic')`` for 2-D float arrays, in vectorized NumPy.

Each axis is resized by one dense weight matrix (out × in), built the way MATLAB's ``contributions``
does it: Keys cubic (a = −0.5), kernel widened by 1/scale when shrinking (antialiasing), weights
normalized to sum 1, out-of-range taps mirrored symmetrically (…, 2, 1, 1, 2, … at the edges).
Height is resized first, then width (MATLAB's order for equal scale factors). All in float64.
"""

import math

import numpy as np

from edgesr_runtime.resample import keys_cubic

MATLAB_CUBIC_A = -0.5  # MATLAB's ``cubic`` is Keys' kernel with a = -0.5
CUBIC_SUPPORT = 4.0  # the Keys kernel is non-zero on (-2, 2)


def output_length(in_length, scale):
    """MATLAB's output size for a scale factor: ceil(in · scale)."""
    return int(math.ceil(in_length * scale - 1e-9))


def mirror_indices(indices, in_length):
    """0-based indices folded into [0, in_length) by symmetric reflection (edge sample repeated)."""
    period = 2 * in_length
    folded = np.mod(indices, period)
    return np.where(folded < in_length, folded, period - 1 - folded)


def weight_matrix(in_length, scale, antialias=True):
    """The (out × in) float64 matrix W with ``W @ v`` = the resized 1-D signal v."""
    out_len = output_length(in_length, scale)
    shrink = scale < 1 and antialias
    width = CUBIC_SUPPORT / scale if shrink else CUBIC_SUPPORT
    # 1-based MATLAB coordinates: output pixel x maps to input position u.
    x = np.arange(1, out_len + 1, dtype=np.float64)
    u = x / scale + 0.5 * (1.0 - 1.0 / scale)
    left = np.floor(u - width / 2.0)
    taps = int(math.ceil(width)) + 2
    idx = left[:, None] + np.arange(taps)[None, :]  # 1-based input indices
    dist = u[:, None] - idx
    weights = (scale * keys_cubic(scale * dist, MATLAB_CUBIC_A) if shrink
               else keys_cubic(dist, MATLAB_CUBIC_A))
    weights /= weights.sum(axis=1, keepdims=True)
    matrix = np.zeros((out_len, in_length), dtype=np.float64)
    rows = np.repeat(np.arange(out_len), taps)
    cols = mirror_indices(idx.astype(np.int64).ravel() - 1, in_length)
    np.add.at(matrix, (rows, cols), weights.ravel())
    return matrix


def imresize(image, scale, antialias=True):
    """Resize a 2-D array by ``scale`` (e.g. 1/3) like MATLAB's bicubic imresize; float64, no rounding."""
    image = np.asarray(image, dtype=np.float64)
    if image.ndim != 2:
        raise ValueError("imresize takes a 2-D array, got shape %s" % (image.shape,))
    rows = weight_matrix(image.shape[0], scale, antialias)
    cols = weight_matrix(image.shape[1], scale, antialias)
    return (rows @ image) @ cols.T
