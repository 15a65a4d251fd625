"""Tolerances from float32 error analysis, for comparing two float32 computations of a whole zoo model.

A float32 sum of n products is within n·u·Σ|terms| (u = 2⁻²⁴) of the exact value whatever the order, so
two evaluation orders (another tile shape, another conv algorithm, a float64 reference) differ by at
most n·ε·Σ|terms| (ε = 2u; tests/runtime/float32_error.py holds the single-layer bounds). Through a
chain of layers the errors add up, so the bound uses the accumulation length of the whole chain: the
sum of every layer's fan-in (terms summed per output value), times the magnitude of the values (1 for
outputs in [0, 1]). It is a first-order estimate (a later layer may scale an earlier layer's error
by its gain), which the zoo's shallow chains keep far above what other CPUs give: for
FSRCNN_s2_D56_S12_M4 it is 2.3e-4, against the 1.5e-6 an AMD CPU's oneDNN kernels gave.
"""

import math

import numpy as np
from torch import nn

from edgesr_export.torch_reference import run_luma
from edgesr_runtime.resample import resize_bicubic

from runtime.float32_error import EPS32, psnr_shift, ssim_shift  # tests/runtime/float32_error.py


def layer_fan_in(layer):
    """Products summed per output value of a conv / transposed conv (0 for other layers)."""
    if isinstance(layer, nn.ConvTranspose2d):  # each output sees ceil(k/stride)² input taps per channel
        kh, kw = layer.kernel_size
        sh, sw = layer.stride
        return layer.in_channels * math.ceil(kh / sh) * math.ceil(kw / sw)
    if isinstance(layer, nn.Conv2d):
        kh, kw = layer.kernel_size
        return layer.in_channels // layer.groups * kh * kw
    return 0


def accumulation_length(module):
    """Sum of the fan-ins of every conv in ``module``, plus the attention channels summed at the end."""
    length = sum(layer_fan_in(m) for m in module.modules())
    return length + getattr(module, "channels", 0)


def float32_atol(module, magnitude=1.0):
    """Absolute tolerance n·ε·magnitude for two float32 evaluations of ``module``; outputs in [0, 1] → 1."""
    return accumulation_length(module) * EPS32 * magnitude


def assert_scores_agree(result, reference, delta):
    """Two runtimes' quality payloads, whose outputs differ by at most ``delta`` per pixel (float32 re-ordering):
    every image's PSNR within psnr_shift, the mean SSIM within ssim_shift (tests/runtime/float32_error.py)."""
    for name, scores in reference["per_image"].items():
        bound = psnr_shift(scores["psnr"], delta)
        assert abs(result["per_image"][name]["psnr"] - scores["psnr"]) <= bound, (name, bound)
    assert abs(result["ssim"] - reference["ssim"]) <= ssim_shift(delta)


def bicubic_kernel_gap(model):
    """Largest Σ|shipped − Keys| weight difference of any output pixel of the Bicubic model (its l1 gap).

    The authors' kernels are stored in float16 and are not exactly Keys' a = -0.5 taps; the model and
    a replicated-border Keys bicubic of x ∈ [0,1] then differ by at most this gap (plus float32 rounding).
    """
    scale, size = model.config.scale, 16
    impulse = np.zeros((size, size), dtype=np.float32)
    impulse[size // 2, size // 2] = 1
    gap = np.abs(run_luma(model, impulse).astype(np.float64) - resize_bicubic(impulse, size * scale, size * scale, a=-0.5))
    return max(gap[py::scale, px::scale].sum() for py in range(scale) for px in range(scale))
