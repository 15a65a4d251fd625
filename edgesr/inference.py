"""Run a zoo model on one luma plane, tiled so that large images fit in memory.

Tiles overlap by a halo wider than any zoo model's receptive-field radius (≤ 9 LR pixels for
FSRCNN-M4), so the tiled result equals the whole-image result.
"""

import numpy as np

from edgesr_export.torch_reference import run_luma

HALO = 16


def predict_luma(model, luma, scale, tile=512, device="cpu"):
    """float32 H×W in [0,1] → float32 sH×sW clamped to [0,1], computed tile by tile (``tile=0``: whole image)."""
    height, width = luma.shape
    out = np.empty((height * scale, width * scale), dtype=np.float32)
    step = max(int(tile), 1) if tile else max(height, width)
    for top in range(0, height, step):
        for left in range(0, width, step):
            y0, x0 = max(top - HALO, 0), max(left - HALO, 0)
            y1, x1 = min(top + step + HALO, height), min(left + step + HALO, width)
            result = np.clip(run_luma(model, luma[y0:y1, x0:x1], device), 0, 1)
            bottom, right = min(top + step, height), min(left + step, width)
            oy, ox = (top - y0) * scale, (left - x0) * scale
            out[top * scale:bottom * scale, left * scale:right * scale] = result[
                oy:oy + (bottom - top) * scale, ox:ox + (right - left) * scale
            ]
    return out
