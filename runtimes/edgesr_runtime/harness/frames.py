"""Benchmark inputs: the N×1×H×W input shape of a runner and the synthetic frames fed to it."""

import numpy as np

from ..errors import EdgesrError

FULL_HD = (1080, 1920)


def nchw_shape(meta):
    """A runner's input shape (file layout, None = dynamic) as (N, C, H, W)."""
    shape = tuple(meta.shape)
    return (shape[0], shape[3], shape[1], shape[2]) if meta.layout == "NHWC" else shape


def input_shape_for(meta, input_size=None, scale=None):
    """The N×1×H×W benchmark input: ``input_size`` (h, w), else the file's static size, else Full HD / scale."""
    n, _, h, w = nchw_shape(meta)
    if input_size is None and h is not None and w is not None:
        input_size = (h, w)
    if input_size is None:
        if not scale:
            raise EdgesrError("the model has dynamic H/W and its scale is unknown",
                              "pass --scale S or --input-size HxW (a bundle folder knows its scale)")
        input_size = (FULL_HD[0] // scale, FULL_HD[1] // scale)
    return (n or 1, 1, int(input_size[0]), int(input_size[1]))


def make_frames(shape, count, end_to_end=False, seed=0):
    """``count`` distinct frames: N×1×H×W float32 in [0, 1], or H×W×3 uint8 RGB for the end-to-end path."""
    rng = np.random.default_rng(seed)
    if end_to_end:
        return [rng.integers(0, 256, size=(shape[2], shape[3], 3), dtype=np.uint8) for _ in range(count)]
    return [rng.random(shape, dtype=np.float32) for _ in range(count)]
