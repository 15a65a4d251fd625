"""Graph rewrites some converters need; each is exact in PyTorch (the parity gate checks the result).

litert-torch cannot lower ``ConvTranspose2d`` with ``output_padding`` (every even scale of FSRCNN
and Bicubic: "failed to legalize operation 'mhlo.convolution' ... lhs_dilation"). The same output
is a transposed conv with no padding at all, cropped: ``CroppedConvTranspose2d``.
"""

import copy

from torch import nn


class CroppedConvTranspose2d(nn.Module):
    """``ConvTranspose2d(padding=p, output_padding=q)`` as ``ConvTranspose2d(padding=0)`` + a crop at p."""

    def __init__(self, layer):
        super().__init__()
        if layer.dilation != (1, 1) or layer.padding_mode != "zeros":
            raise ValueError("only undilated, zero-padded ConvTranspose2d layers can be rewritten")
        if any(q > p for p, q in zip(layer.padding, layer.output_padding)):
            raise ValueError("output_padding larger than padding cannot be expressed as a crop")
        self.padding, self.output_padding = tuple(layer.padding), tuple(layer.output_padding)
        self.kernel_size, self.stride = tuple(layer.kernel_size), tuple(layer.stride)
        self.conv = nn.ConvTranspose2d(layer.in_channels, layer.out_channels, layer.kernel_size, layer.stride,
                                       padding=0, groups=layer.groups, bias=layer.bias is not None)
        self.conv.load_state_dict(layer.state_dict())

    def output_size(self, size, axis):
        return (size - 1) * self.stride[axis] - 2 * self.padding[axis] + self.kernel_size[axis] + \
            self.output_padding[axis]

    def forward(self, x):
        height, width = self.output_size(x.shape[2], 0), self.output_size(x.shape[3], 1)
        top, left = self.padding
        return self.conv(x)[:, :, top:top + height, left:left + width]


def without_output_padding(module):
    """A copy of ``module`` whose ConvTranspose2d layers with output_padding are CroppedConvTranspose2d."""
    module = copy.deepcopy(module)
    for parent in list(module.modules()):
        for name, child in list(parent.named_children()):
            if isinstance(child, nn.ConvTranspose2d) and any(child.output_padding):
                setattr(parent, name, CroppedConvTranspose2d(child))
    return module.eval()
