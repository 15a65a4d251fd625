"""Score one model on one prepared dataset: per-image PSNR/SSIM, then their means."""

import time

import numpy as np

from edgesr.eval import protocol
from edgesr.eval.prepare import PreparedDataset
from edgesr_runtime.metrics import psnr

PROTOCOL_VERSION = 1


def score_image(predictor, pair, scale):
    """(PSNR dB, SSIM) of the predictor's output for one pair."""
    output = predictor(pair.lr)
    expected = (pair.lr.shape[0] * scale, pair.lr.shape[1] * scale)
    if output.shape != expected:
        raise ValueError("model output is %s, expected %s for input %s" % (output.shape, expected, pair.lr.shape))
    view = protocol.comparison_view(protocol.model_output_to_luma(output), scale)
    return psnr(view, pair.hr), pair.ssim_ref.ssim(view)


def evaluate(predictor, data: PreparedDataset):
    """The quality payload of ``predictor`` on ``data`` (means over images, per-image values, skipped files)."""
    if not data.pairs:
        raise ValueError("no readable image in %s (%d skipped)" % (data.key, len(data.skipped)))
    started = time.perf_counter()
    per_image = {}
    for pair in data.pairs:
        per_image[pair.name] = score_image(predictor, pair, data.scale)
    values = np.array(list(per_image.values()), dtype=np.float64)
    return {
        "psnr": float(values[:, 0].mean()),
        "ssim": float(values[:, 1].mean()),
        "images": len(data.pairs),
        "skipped": len(data.skipped),
        "skipped_files": [{"file": name, "reason": reason} for name, reason in data.skipped],
        "per_image": {name: {"psnr": p, "ssim": s} for name, (p, s) in per_image.items()},
        "scale": data.scale,
        "luma": data.luma,
        "protocol": PROTOCOL_VERSION,
        "seconds": round(time.perf_counter() - started, 4),
    }
