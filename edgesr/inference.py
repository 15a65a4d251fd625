"""Run a zoo model on a luma plane band by band and tile by tile, with a chosen border.

Every tile is cut with a halo of the model's receptive radius (``edgesr.models.receptive``) around
it, and only the tile's own output is kept, so the tiled result equals the whole-image result. The
same halo handles the image border: where it reaches outside the image, ``border`` says what the
model sees there:

- ``zero``: nothing is added; the model pads with zeros itself, as in training and evaluation.
- ``replicate``: the edge pixel repeated (``aaa|abcd``).
- ``reflect``: mirrored about the edge pixel (``dcb|abcd``).
"""

import numpy as np

from edgesr.imaging import BORDERS
from edgesr.models.receptive import receptive_radius
from edgesr_export.torch_reference import run_luma


def window(start, stop, margin, size, border):
    """(source indices of [start - margin, stop + margin) on an axis of ``size``, where start lies in them).

    ``zero`` clips the window to the axis; ``replicate`` / ``reflect`` map outside positions inside.
    """
    if border == "zero":
        first = max(start - margin, 0)
        return np.arange(first, min(stop + margin, size)), start - first
    positions = np.arange(start - margin, stop + margin)
    if border == "replicate" or size == 1:
        return np.clip(positions, 0, size - 1), margin
    if border == "reflect":
        period = 2 * (size - 1)
        positions = np.abs(positions) % period
        return np.where(positions >= size, period - positions, positions), margin
    raise ValueError("border must be one of %s, got %r" % (", ".join(BORDERS), border))


class LumaUpscaler:
    """A zoo model run on LR luma bands of ``tile`` rows, each cut into ``tile``-wide tiles (0: whole image)."""

    def __init__(self, model, scale, tile=512, border="zero", device="cpu"):
        self.model, self.scale, self.tile, self.border, self.device = model, scale, tile, border, device
        self.margin = receptive_radius(model)

    def bands(self, height):
        """(top, bottom, LR row indices of the band with its halo, offset of ``top`` in them) per band."""
        step = self.tile or height
        for top in range(0, height, step):
            bottom = min(top + step, height)
            rows, offset = window(top, bottom, self.margin, height, self.border)
            yield top, bottom, rows, offset

    def band(self, rows, offset, count):
        """float32 LR rows (a band with its halo) → float32 HR rows of the ``count`` band rows, clamped to [0,1]."""
        scale, width = self.scale, rows.shape[1]
        out = np.empty((count * scale, width * scale), dtype=np.float32)
        step = self.tile or width
        for left in range(0, width, step):
            right = min(left + step, width)
            cols, shift = window(left, right, self.margin, width, self.border)
            result = np.clip(run_luma(self.model, rows[:, cols], self.device), 0, 1)
            out[:, left * scale:right * scale] = result[
                offset * scale:(offset + count) * scale, shift * scale:(shift + right - left) * scale
            ]
        return out

    def __call__(self, luma):
        """float32 H×W in [0,1] → float32 sH×sW clamped to [0,1]."""
        height, width = luma.shape
        out = np.empty((height * self.scale, width * self.scale), dtype=np.float32)
        for top, bottom, rows, offset in self.bands(height):
            out[top * self.scale:bottom * self.scale] = self.band(luma[rows], offset, bottom - top)
        return out


def predict_luma(model, luma, scale, tile=512, device="cpu", border="zero"):
    """float32 H×W in [0,1] → float32 sH×sW clamped to [0,1], computed tile by tile (``tile=0``: whole image)."""
    return LumaUpscaler(model, scale, tile, border, device)(luma)
