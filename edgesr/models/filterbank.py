"""The filter-bank form of the models that are only single-channel filters on the LR image.

The pieces behind ``module.filter_bank()`` of eSR-MAX, Bicubic and eSR-TM / eSR-TR with C = 1: an
``edgesr_runtime.filterbank.FilterBank`` (run by the device's OpenCV runner); other models have none.
All forms are exact in real arithmetic:

* eSR-MAX: conv 1 -> s²·C (correlation, zero padding K//2), pixel shuffle, max over C. Pixel
  shuffle puts conv channel c·s² + i·s + j at output phase (i, j) of channel c, so phase p = i·s + j
  is the max over c of filter c·s² + p; the bank lists them phase-major.
* eSR-TM / eSR-TR with C = 1: a softmax over one channel is exactly 1 (exp(0) / exp(0)), so the
  output is the value channel: the first s² filters, one per phase, no reduction.
* Bicubic: a ConvTranspose2d(1, 1, k, stride s, padding p) with k + output_padding - 2p = s (output
  exactly s·H). Its output y[h·s + r] = Σ_q x[h - q] · w[q·s + r + p] is, per phase r, a
  correlation with the flipped sub-sampled kernel; all phases share one frame whose anchor is the
  largest q, and taps outside the kernel are zero (the runner drops all-zero borders).
"""

import numpy as np
from torch import nn

from edgesr_runtime.filterbank import FilterBank

def _weights(layer):
    return layer.weight.detach().cpu().numpy().astype(np.float32)


def shuffled_conv_bank(conv, scale, channels, reduction):
    """conv(1 -> s²·n, K×K, 'same' zero padding, no bias) -> pixel shuffle -> the first ``channels``
    shuffled channels, reduced by ``reduction``."""
    kh, kw = conv.kernel_size
    if (conv.in_channels != 1 or conv.bias is not None or conv.stride != (1, 1) or conv.dilation != (1, 1)
            or conv.groups != 1 or kh % 2 == 0 or kw % 2 == 0 or conv.padding != (kh // 2, kw // 2)
            or conv.padding_mode != "zeros" or conv.out_channels % (scale * scale)
            or conv.out_channels < channels * scale * scale):
        return None
    weight = _weights(conv)[:channels * scale * scale, 0]  # (c·s² + p) × kh × kw
    phase_major = weight.reshape(channels, scale * scale, kh, kw).transpose(1, 0, 2, 3)
    return FilterBank(np.ascontiguousarray(phase_major.reshape(-1, kh, kw)), (kh // 2, kw // 2), scale, channels,
                      reduction)


def transposed_conv_bank(deconv):
    """ConvTranspose2d(1 -> 1, k×k, stride s, no bias) whose output is exactly s times the input."""
    if not isinstance(deconv, nn.ConvTranspose2d):
        return None
    (k, kw), (scale, sw), (pad, pw) = deconv.kernel_size, deconv.stride, deconv.padding
    if (deconv.in_channels != 1 or deconv.out_channels != 1 or deconv.bias is not None or deconv.groups != 1
            or deconv.dilation != (1, 1) or (k, scale, pad) != (kw, sw, pw)
            or deconv.output_padding[0] != deconv.output_padding[1]
            or k + deconv.output_padding[0] - 2 * pad != scale):
        return None
    weight = _weights(deconv)[0, 0]
    q_low, q_high = -((pad + scale - 1) // scale), (k - 1 - pad) // scale  # q·s + r + p in [0, k) for some r
    anchor = q_high
    taps = np.arange(q_high - q_low + 1)
    kernels = np.zeros((scale * scale, taps.size, taps.size), np.float32)
    for r_row in range(scale):
        rows = (anchor - taps) * scale + r_row + pad
        for r_col in range(scale):
            cols = (anchor - taps) * scale + r_col + pad
            inside = (rows[:, None] >= 0) & (rows[:, None] < k) & (cols[None, :] >= 0) & (cols[None, :] < k)
            picked = weight[np.clip(rows, 0, k - 1)[:, None], np.clip(cols, 0, k - 1)[None, :]]
            kernels[r_row * scale + r_col] = np.where(inside, picked, 0.0)
    return FilterBank(kernels, (anchor, anchor), scale, 1, "none")
