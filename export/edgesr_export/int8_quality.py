"""The quality cost of INT8: PSNR against the HR ground truth, INT8 artifact vs the FP32 model.

Validation images are Set5+Set14 mosaics (never the T91 calibration images), downscaled by the
scale; PSNR is over luma in [0, 1] with the output clamped and ``scale`` pixels shaved per border.
"""

import numpy as np
import torch

from edgesr_runtime import metrics
from edgesr_runtime.runners import open_runner

from edgesr_export.images import GOLDEN_SETS, hr_lr_pairs, to_input

WARN_DB = 0.5


def _psnr(sr, hr_u8, shave):
    """PSNR (dB) of a 1×1×H×W output (clamped to [0, 1]) against an 8-bit HR plane, ``shave`` pixels cut
    per border."""
    sr = np.clip(sr[0, 0].astype(np.float64), 0.0, 1.0)
    hr = hr_u8.astype(np.float64) / 255.0
    if shave:
        sr, hr = sr[shave:-shave, shave:-shave], hr[shave:-shave, shave:-shave]
    return metrics.psnr(sr, hr, peak=1.0)


def fp32_reference(module, scale, lr_height, lr_width, count, seed=2):
    """[(LR input, HR plane, FP32 PSNR dB)] on the validation mosaics: the FP32 side of every candidate's
    drop, computed once per model (the PyTorch forward is as slow as the candidate's own run)."""
    reference = []
    for hr, lr in hr_lr_pairs(GOLDEN_SETS, scale, lr_height, lr_width, count, seed):
        x = to_input(lr)
        with torch.inference_mode():
            reference.append((x, hr, _psnr(module(torch.from_numpy(x)).numpy(), hr, scale)))
    return reference


def psnr_drop(module, int8_path, layout, scale, lr_height, lr_width, count, seed=2, reference=None):
    """{"fp32_psnr_db", "int8_psnr_db", "drop_db", ...}: mean PSNR of each on the same validation mosaics.
    ``reference``: ``fp32_reference`` of the same arguments, when already computed."""
    reference = reference or fp32_reference(module, scale, lr_height, lr_width, count, seed)
    with open_runner("litert", str(int8_path), layout=layout) as runner:
        int8 = [_psnr(runner.infer(x), hr, scale) for x, hr, _ in reference]
    fp32_db, int8_db = float(np.mean([db for _, _, db in reference])), float(np.mean(int8))
    drop = fp32_db - int8_db
    return {"fp32_psnr_db": round(fp32_db, 4), "int8_psnr_db": round(int8_db, 4), "drop_db": round(drop, 4),
            "warn_above_db": WARN_DB, "warning": drop > WARN_DB, "images": count,
            "set": "Set5+Set14 luma mosaics (HR) and their x1/%d bicubic LR" % scale, "shave": scale}
