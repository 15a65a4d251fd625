"""How far a zoo model looks: its receptive radius in LR pixels, read from its conv layers.

An output pixel of LR position (i, j) (output rows s·i … s·i+s-1) depends only on LR pixels within
``receptive_radius(module)`` rows and columns of (i, j). Tiles need a halo that wide to equal the
whole image, and border padding needs a margin that wide to hide the model's own zero padding.
"""

import math

from torch import nn


def _conv_reach(kernel, padding, dilation):
    """Input pixels a stride-1 conv reaches on either side of its output pixel."""
    span = dilation * (kernel - 1)
    return max(padding, span - padding)


def _transposed_reach(kernel, stride, padding, dilation):
    """LR pixels a transposed conv reaches from its output pixels' home pixel floor(o / stride)."""
    span = dilation * (kernel - 1)
    reach = 0
    for phase in range(stride):  # output o = stride·i - padding + tap  →  i ∈ [(o+p-span)/s, (o+p)/s]
        first = math.ceil((phase + padding - span) / stride)
        last = (phase + padding) // stride
        reach = max(reach, last, -first)
    return reach


# Layers whose output pixel depends only on the input pixels the conv arithmetic below accounts for.
LOCAL_LAYERS = (nn.Conv2d, nn.ConvTranspose2d, nn.PixelShuffle, nn.ReLU, nn.PReLU, nn.LeakyReLU, nn.GELU, nn.SiLU,
                nn.Tanh, nn.Sigmoid, nn.Hardtanh, nn.Identity, nn.Dropout, nn.BatchNorm2d, nn.Sequential)


def is_local(module):
    """True when every layer of ``module`` is a stride-1 conv, a pixel shuffle or pointwise (LOCAL_LAYERS),
    so ``receptive_radius`` bounds what an output pixel sees (not so for attention, pooling, resizing)."""
    return all(isinstance(layer, LOCAL_LAYERS) for layer in module.modules() if layer is not module)


def receptive_radius(module):
    """The receptive radius in LR pixels of ``module``'s layers applied in registration order.

    Stride-1 convs add their reach; PixelShuffle and transposed convs multiply the resolution, so
    later layers' reach counts in LR pixels rounded up. Pointwise layers add nothing.
    """
    radius, factor = 0, 1  # factor: output pixels per LR pixel so far
    for layer in module.modules():
        if isinstance(layer, nn.ConvTranspose2d):
            reach = max(_transposed_reach(k, s, p, d) for k, s, p, d in
                        zip(layer.kernel_size, layer.stride, layer.padding, layer.dilation))
            radius += math.ceil(reach / factor)
            factor *= layer.stride[0]
        elif isinstance(layer, nn.Conv2d):
            if any(s != 1 for s in layer.stride):
                raise ValueError("receptive_radius: strided Conv2d %s is not supported" % layer)
            reach = max(_conv_reach(k, p, d) for k, p, d in zip(layer.kernel_size, layer.padding, layer.dilation))
            radius += math.ceil(reach / factor)
        elif isinstance(layer, nn.PixelShuffle):
            factor *= layer.upscale_factor
    return radius
