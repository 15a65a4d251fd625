"""A lightweight window-attention SR network in the spirit of SwinIR-light (Liang et al., ICCVW 2021).

Shallow 3×3 convolution → groups of transformer blocks → 3×3 convolution with a long skip → a direct
sub-pixel upsampler (one convolution to s² channels and a pixel shuffle, SwinIR-light's choice for
small models). A transformer block is pre-norm multi-head self-attention inside non-overlapping
w×w windows, with a learned relative-position bias, then a pre-norm MLP, each with a residual. Each
group ends in a 3×3 convolution with a residual around the group; that convolution is what mixes
information across window borders here (SwinIR's shifted windows are left out, which keeps the
graph free of rolls and attention masks for ONNX / TFLite). Inputs whose size is not a multiple of
the window are zero-padded on the bottom/right and the output cropped. Tensors stay at most 5-D.
"""

import torch
from torch import nn
from torch.nn import functional as F

from edgesr.baselines.labels import label

FAMILY = "WinAttn-SR"
DEFAULTS = {"features": 40, "groups": 2, "blocks": 2, "heads": 4, "window": 8, "mlp_ratio": 2}


class WindowAttention(nn.Module):
    """Multi-head self-attention over the w² pixels of each window, with a relative-position bias."""

    def __init__(self, features, heads, window):
        super().__init__()
        self.heads, self.scale = heads, (features // heads) ** -0.5
        self.qkv = nn.Linear(features, 3 * features)
        self.proj = nn.Linear(features, features)
        self.bias_table = nn.Parameter(torch.zeros((2 * window - 1) ** 2, heads))
        nn.init.trunc_normal_(self.bias_table, std=0.02)
        coords = torch.stack(torch.meshgrid(torch.arange(window), torch.arange(window), indexing="ij")).flatten(1)
        relative = (coords[:, :, None] - coords[:, None, :]) + (window - 1)  # 2×L×L, each in [0, 2w-2]
        self.register_buffer("bias_index", relative[0] * (2 * window - 1) + relative[1], persistent=False)

    def forward(self, x):  # x: B×L×C (B windows of L = w² pixels)
        b, length, c = x.shape
        qkv = self.qkv(x).reshape(b, length, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]  # each B×heads×L×d
        bias = self.bias_table[self.bias_index.reshape(-1)].reshape(length, length, self.heads).permute(2, 0, 1)
        attention = torch.softmax((q * self.scale) @ k.transpose(-2, -1) + bias.unsqueeze(0), dim=-1)
        return self.proj((attention @ v).transpose(1, 2).reshape(b, length, c))


class TransformerBlock(nn.Module):
    """x + attention(norm(x)), then x + MLP(norm(x)); on windows as B×L×C."""

    def __init__(self, features, heads, window, mlp_ratio):
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(features), nn.LayerNorm(features)
        self.attention = WindowAttention(features, heads, window)
        self.mlp = nn.Sequential(nn.Linear(features, features * mlp_ratio), nn.GELU(),
                                 nn.Linear(features * mlp_ratio, features))

    def forward(self, x):
        x = x + self.attention(self.norm1(x))
        return x + self.mlp(self.norm2(x))


def to_windows(x, window):
    """N×C×H×W (H, W multiples of ``window``) → (N·windows)×w²×C."""
    n, c, h, w = x.shape
    x = x.reshape(n * c, h // window, window, w // window, window).permute(0, 1, 3, 2, 4)
    x = x.reshape(n, c, (h // window) * (w // window), window * window).permute(0, 2, 3, 1)
    return x.reshape(-1, window * window, c)


def from_windows(x, window, n, c, h, w):
    """The inverse of ``to_windows``."""
    x = x.reshape(n, (h // window) * (w // window), window * window, c).permute(0, 3, 1, 2)
    x = x.reshape(n * c, h // window, w // window, window, window).permute(0, 1, 3, 2, 4)
    return x.reshape(n, c, h, w)


class Group(nn.Module):
    """Transformer blocks on windows, a 3×3 convolution, and a residual around the whole group."""

    def __init__(self, features, blocks, heads, window, mlp_ratio):
        super().__init__()
        self.window = window
        self.blocks = nn.Sequential(*[TransformerBlock(features, heads, window, mlp_ratio) for _ in range(blocks)])
        self.conv = nn.Conv2d(features, features, 3, padding=1)

    def forward(self, x):
        n, c, h, w = x.shape
        y = from_windows(self.blocks(to_windows(x, self.window)), self.window, n, c, h, w)
        return x + self.conv(y)


class WindowAttentionSR(nn.Module):
    """N×1×H×W luma in [0, 1] → N×1×sH×sW."""

    family = FAMILY
    has_weights = False  # an architecture: trained by `edgesr train`

    def __init__(self, scale=2, features=40, groups=2, blocks=2, heads=4, window=8, mlp_ratio=2):
        super().__init__()
        if features % heads:
            raise ValueError("features (%d) must be a multiple of heads (%d)" % (features, heads))
        self.scale, self.window = int(scale), int(window)
        self.head = nn.Conv2d(1, features, 3, padding=1)
        self.groups = nn.Sequential(*[Group(features, blocks, heads, window, mlp_ratio) for _ in range(groups)])
        self.body_conv = nn.Conv2d(features, features, 3, padding=1)
        self.upsample = nn.Sequential(nn.Conv2d(features, self.scale * self.scale, 3, padding=1),
                                      nn.PixelShuffle(self.scale))
        arguments = {"features": features, "groups": groups, "blocks": blocks, "heads": heads, "window": window,
                     "mlp_ratio": mlp_ratio}
        self.model_id = label(FAMILY, self.scale, arguments, DEFAULTS)

    def forward(self, x):
        h, w = x.shape[-2:]
        pad_h, pad_w = (-h) % self.window, (-w) % self.window
        x = F.pad(x, (0, pad_w, 0, pad_h))
        head = self.head(x)
        out = self.upsample(head + self.body_conv(self.groups(head)))
        return out[..., : h * self.scale, : w * self.scale]


def window_attention_sr(scale=2, features=40, groups=2, blocks=2, heads=4, window=8, mlp_ratio=2):
    """The window-attention SR network (about 0.1 M parameters at the defaults)."""
    return WindowAttentionSR(scale, features, groups, blocks, heads, window, mlp_ratio)
