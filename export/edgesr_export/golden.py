"""Golden data: real-image and random inputs with the PyTorch FP32 outputs every artifact is judged by."""

import numpy as np
import torch

from edgesr_export.images import GOLDEN_SETS, hr_lr_pairs, to_input
from edgesr_runtime.golden_summary import random_frame

SEED = 0


def golden_inputs(scale, lr_height, lr_width, count, dynamic=False, seed=SEED):
    """[(uint8 1x1xhxw input, source label, kind, seed or None)]: ``count`` Set5+Set14 mosaics ("image"),
    one random frame ("random"), and for a dynamic model one more random frame at an odd size (the
    dynamic path). Random frames carry the seed they are regenerated from, so golden.npz need not
    store them."""
    samples = [(lr[None, None], "Set5+Set14 mosaic %d" % i, "image", None)
               for i, (_, lr) in enumerate(hr_lr_pairs(GOLDEN_SETS, scale, lr_height, lr_width, count, seed))]
    samples.append((random_frame(seed, lr_height, lr_width)[None, None], "uniform random", "random", seed))
    if dynamic:
        odd = (max(7, lr_height // 2 + 3) | 1, max(9, lr_width // 2 + 5) | 1)
        samples.append((random_frame(seed + 1, *odd)[None, None], "uniform random %dx%d" % odd, "random", seed + 1))
    return samples


def reference_outputs(module, inputs_u8):
    """PyTorch FP32 outputs (float32) of uint8 golden inputs."""
    outputs = []
    with torch.inference_mode():
        for x in inputs_u8:
            outputs.append(module(torch.from_numpy(to_input(x[0, 0]))).numpy().astype(np.float32))
    return outputs
