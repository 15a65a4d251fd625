"""EDSR-baseline (Lim et al., "Enhanced Deep Residual Networks for Single Image Super-Resolution", CVPRW 2017).

The baseline of the paper: a 3×3 head convolution, 16 residual blocks of 64 features (conv-ReLU-conv
with an identity skip, no batch normalisation, no residual scaling), a 3×3 convolution closing the
body with a long skip from the head, a sub-pixel upsampler (one ×2 or ×3 stage, two ×2 stages for ×4)
and a 3×3 output convolution. Here with one luma channel in and out, like the zoo, so the paper's
RGB mean shift is left out.
"""

from torch import nn

from edgesr.baselines.labels import label

FAMILY = "EDSR-baseline"
DEFAULTS = {"blocks": 16, "features": 64}


class ResidualBlock(nn.Module):
    """conv3×3 - ReLU - conv3×3, added to the input (EDSR removes the batch norms of SRResNet's block)."""

    def __init__(self, features):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(features, features, 3, padding=1), nn.ReLU(inplace=True),
                                  nn.Conv2d(features, features, 3, padding=1))

    def forward(self, x):
        return x + self.body(x)


def upsampler(scale, features):
    """Sub-pixel convolution stages: log2(scale) ×2 stages for a power of two, else one ×scale stage."""
    if scale & (scale - 1) == 0:
        factors = [2] * (scale.bit_length() - 1)
    else:
        factors = [scale]
    layers = []
    for factor in factors:
        layers += [nn.Conv2d(features, features * factor * factor, 3, padding=1), nn.PixelShuffle(factor)]
    return nn.Sequential(*layers)


class EDSR(nn.Module):
    """EDSR on one luma channel: N×1×H×W in [0, 1] → N×1×sH×sW."""

    family = FAMILY
    has_weights = False  # an architecture: trained by `edgesr train`

    def __init__(self, scale=2, blocks=16, features=64):
        super().__init__()
        self.scale = int(scale)
        self.head = nn.Conv2d(1, features, 3, padding=1)
        self.body = nn.Sequential(*[ResidualBlock(features) for _ in range(blocks)],
                                  nn.Conv2d(features, features, 3, padding=1))
        self.tail = nn.Sequential(upsampler(self.scale, features), nn.Conv2d(features, 1, 3, padding=1))
        self.model_id = label(FAMILY, self.scale, {"blocks": blocks, "features": features}, DEFAULTS)

    def forward(self, x):
        head = self.head(x)
        return self.tail(head + self.body(head))


def edsr_baseline(scale=2, blocks=16, features=64):
    """EDSR-baseline (16 blocks, 64 features) for ``scale``; smaller variants by argument."""
    return EDSR(scale, blocks, features)
