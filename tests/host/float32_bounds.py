"""Tolerances from float32 error analysis, for comparing two float32 computations of a zoo model.

A float32 sum of n products carries a rounding error of at most about n·ε·Σ|terms| (ε = 2⁻²³), and
two evaluation orders (another tile shape, another conv algorithm, a float64 reference) differ by at
most that. Through a chain of layers the errors add up, so the bound uses the accumulation length of
the whole chain: the sum of every layer's fan-in (terms summed per output value).
"""

import math

import numpy as np
from torch import nn

EPS32 = float(np.finfo(np.float32).eps)


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
