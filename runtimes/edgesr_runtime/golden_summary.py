"""What golden data (format 2) keeps of a reference output, and the seeded frames it regenerates.

A Full-HD float32 output is 8 MB; format 2 keeps about 0.2 MB of it and still sees an error anywhere:

* every pixel of the outer band, ``BORDER`` pixels wide (padding and layout bugs show there first);
* ``INTERIOR_PIXELS`` interior pixels at positions drawn from a seeded PCG64 stream (all of them when
  the interior is smaller: a small output is kept whole);
* the mean, minimum and maximum of every ``TILE``×``TILE`` tile of the whole output.

Why the tile statistics may be held to the per-pixel tolerance ``tol``: when every pixel of a tile
is within ``tol`` of the reference, so is their mean (a mean of values each within ``tol`` is within
``tol``), and so are the minimum and the maximum (min and max move by at most the largest change of
an element). So each tile difference is a lower bound of the true max |err|, and the tile means
bound the error energy from below (Jensen: a tile's mean squared error >= its squared mean error).

Random frames and positions come from ``numpy.random.PCG64(seed).random_raw`` (the raw bit stream,
not a ``Generator`` method, whose output numpy only promises on the same build and machine). The
file also stores a sha256 of what it regenerates, so a numpy that ever drew another stream fails
loudly instead of judging an artifact on other inputs.
"""

import hashlib

import numpy as np

BORDER = 4
TILE = 16
INTERIOR_PIXELS = 16384


def seeded_bytes(seed, count):
    """``count`` uint8 values from the raw PCG64 stream of ``seed`` (little-endian 64-bit words)."""
    words = np.random.PCG64(int(seed)).random_raw((count + 7) // 8)
    return np.asarray(words, dtype="<u8").view(np.uint8)[:count].copy()


def random_frame(seed, height, width):
    """A uniform random uint8 height×width frame, the same on every machine."""
    return seeded_bytes(seed, height * width).reshape(height, width)


def sha256_of(array):
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


def row_deltas(frames):
    """uint8 frames as differences of horizontal neighbours (mod 256): compress ~20% better than the pixels."""
    return np.diff(frames, axis=-1, prepend=np.zeros(frames.shape[:-1] + (1,), np.uint8)).astype(np.uint8)


def from_row_deltas(deltas):
    """The uint8 frames ``row_deltas`` came from (sums wrap mod 256, exactly)."""
    return np.cumsum(deltas, axis=-1, dtype=np.uint8)


def border_mask(height, width, border=BORDER):
    """True on the outer band ``border`` pixels wide."""
    mask = np.ones((height, width), dtype=bool)
    mask[border:height - border, border:width - border] = False
    return mask


def kept_positions(height, width, border=BORDER, count=INTERIOR_PIXELS, seed=0):
    """Flat (row-major) indices of the kept pixels: the border band, then the sampled interior."""
    mask = border_mask(height, width, border)
    interior = np.flatnonzero(~mask)
    if interior.size > count:
        words = np.asarray(np.random.PCG64(int(seed)).random_raw(count), dtype=np.uint64)
        interior = np.unique(interior[(words % np.uint64(interior.size)).astype(np.int64)])
    return np.concatenate([np.flatnonzero(mask), interior])


def pixel_weights(height, width, border, positions):
    """How many output pixels each kept pixel stands for: 1 in the border band, interior pixels /
    sampled interior pixels in the interior (so weighted sums estimate whole-output sums unbiasedly)."""
    in_band = int(border_mask(height, width, border).sum())
    weights = np.ones(positions.size, dtype=np.float64)
    sampled = positions.size - in_band
    if sampled:
        weights[in_band:] = (height * width - in_band) / float(sampled)
    return weights


def tile_stats(frames, tile=TILE):
    """(mean, min, max) of each tile×tile tile of N×H×W frames (edge tiles may be smaller), float32."""
    frames = np.asarray(frames, dtype=np.float64)
    rows, cols = np.arange(0, frames.shape[1], tile), np.arange(0, frames.shape[2], tile)
    sums = np.add.reduceat(np.add.reduceat(frames, rows, axis=1), cols, axis=2)
    mean = sums / tile_counts(frames.shape[1:], tile)
    low = np.minimum.reduceat(np.minimum.reduceat(frames, rows, axis=1), cols, axis=2)
    high = np.maximum.reduceat(np.maximum.reduceat(frames, rows, axis=1), cols, axis=2)
    return mean.astype(np.float32), low.astype(np.float32), high.astype(np.float32)


def tile_counts(shape, tile=TILE):
    """Pixels per tile of an H×W frame."""
    height, width = shape
    rows = np.minimum(tile, height - np.arange(0, height, tile))
    cols = np.minimum(tile, width - np.arange(0, width, tile))
    return np.outer(rows, cols).astype(np.float64)


class OutputSummary(object):
    """The kept part of an N×1×H×W reference output: pixel values at ``positions`` and tile statistics."""

    FIELDS = ("values", "tile_mean", "tile_min", "tile_max")

    def __init__(self, shape, border, tile, seed, count, values, tile_mean, tile_min, tile_max):
        self.shape = tuple(int(d) for d in shape)
        self.border, self.tile, self.seed, self.count = int(border), int(tile), int(seed), int(count)
        self.values, self.tile_mean, self.tile_min, self.tile_max = values, tile_mean, tile_min, tile_max
        self.positions = kept_positions(self.shape[2], self.shape[3], self.border, self.count, self.seed)
        self.weights = pixel_weights(self.shape[2], self.shape[3], self.border, self.positions)

    @classmethod
    def of(cls, output, border=BORDER, tile=TILE, count=INTERIOR_PIXELS, seed=0):
        output = np.asarray(output, dtype=np.float32)
        frames = output.reshape(output.shape[0], output.shape[2], output.shape[3])
        positions = kept_positions(output.shape[2], output.shape[3], border, count, seed)
        values = frames.reshape(frames.shape[0], -1)[:, positions]
        return cls(output.shape, border, tile, seed, count, values, *tile_stats(frames, tile))

    def pick(self, output):
        """The values of ``output`` (N×1×H×W) at the kept positions."""
        return np.asarray(output, dtype=np.float32).reshape(output.shape[0], -1)[:, self.positions]

    def frame(self, n):
        """The summary of frame ``n`` alone (1×1×H×W)."""
        return OutputSummary((1,) + self.shape[1:], self.border, self.tile, self.seed, self.count,
                             *(getattr(self, f)[n:n + 1] for f in self.FIELDS))

    def full(self):
        """The whole output when every pixel is kept (small outputs), else None."""
        pixels = self.shape[2] * self.shape[3]
        if self.positions.size != pixels:
            return None
        output = np.empty((self.shape[0], pixels), dtype=np.float32)
        output[:, self.positions] = self.values
        return output.reshape(self.shape)
