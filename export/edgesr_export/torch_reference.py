"""The PyTorch reference: run an ``nn.Module`` on numpy arrays (the one place that does it).

Golden outputs, quality evaluation, ``edgesr upscale`` and the host torch runner all call these,
so "what PyTorch computes for this input" has one definition: inference mode, the module as it is
(its device and eval/train state are the caller's), numpy in, float32 numpy out on the CPU.
"""

import numpy as np
import torch


def run_module(module, batch, device="cpu", dtype=torch.float32):
    """N×C×H×W numpy batch -> the module's float32 numpy output (computed in ``dtype`` on ``device``)."""
    x = torch.from_numpy(np.ascontiguousarray(batch)).to(device, dtype)
    with torch.inference_mode():
        y = module(x)
    return y.float().cpu().numpy()


def run_luma(module, luma, device="cpu"):
    """H×W float32 plane in [0, 1] -> the module's sH×sW float32 output plane (not clamped)."""
    return run_module(module, np.asarray(luma, dtype=np.float32)[None, None], device)[0, 0]
