"""The seven edge-SR model families as plain ``nn.Module``s.

Every module maps a luma batch N×1×H×W in [0, 1] to N×1×(sH)×(sW). Attribute names
(``filter``, ``net``) and layer indices match the authors' state dicts, so their files load
with ``strict=True``. The maths of each family is summarised in its docstring; each class
registers its family (name and hyper-parameters, which spell its ids) with ``register_family``,
in the paper's order, and gives its own exact deployment forms: ``deployment_form(runtime)`` (the
faster graph the exporter converts, built from ``edgesr.models.deploy``) and, where the model is a
bank of filters on the LR image, ``filter_bank()`` (``edgesr.models.filterbank``).
"""

import torch
from torch import nn

from edgesr.models import deploy, filterbank
from edgesr.models.record import FAMILY_RECORDS, register_family

__all__ = ["FAMILY_RECORDS", "Bicubic", "ESRMax", "ESRTemplateMatching", "ESRTransformer", "ESRCNN", "ESPCN",
           "FSRCNN", "bicubic_geometry"]  # FAMILY_RECORDS holds every class below once this module is imported


def _softmax_weighted_sum(value, weight_logits):
    """Σ_c value_c · softmax_c(logits): the attention step shared by eSR-TM, eSR-TR and eSR-CNN."""
    return (value * torch.softmax(weight_logits, dim=1)).sum(dim=1, keepdim=True)


def bicubic_geometry(scale):
    """(kernel, padding, output_padding) of the Bicubic ConvTranspose2d, giving exactly s·H × s·W.

    The authors' kernels have 4s+3 taps whose 4s non-zero cubic (a = -0.5) taps start at index 2.
    With padding (3s+2)//2 + 1 and output_padding (s+1) mod 2, even scales line up exactly with a
    half-pixel-centred bicubic upscale (checked against PIL in the tests). For s = 3 the shipped
    kernel is centred between two taps, so no integer crop aligns it: its output is shifted by
    half an output pixel against a standard bicubic; this is the authors' model as trained.
    """
    kernel = 4 * scale + 3
    padding = (3 * scale + 2) // 2 + 1
    output_padding = (scale + 1) % 2
    return kernel, padding, output_padding


@register_family("Bicubic")
class Bicubic(nn.Module):
    """Bicubic upscaling as one fixed-weight ConvTranspose2d (the paper's classic baseline)."""

    def __init__(self, scale):
        super().__init__()
        kernel, padding, output_padding = bicubic_geometry(scale)
        self.net = nn.ConvTranspose2d(
            1, 1, kernel, stride=scale, padding=padding, output_padding=output_padding, bias=False
        )

    def forward(self, x):
        return self.net(x)

    def deployment_form(self, runtime="onnxruntime", **options):
        return deploy.make_form(self, runtime, options, lambda o: deploy.subpixel_deconv_form(self.net, o))

    def filter_bank(self):
        return filterbank.transposed_conv_bank(self.net)


class _ShuffledFilter(nn.Module):
    """The one-layer eSR trunk: a K×K conv to groups·s²·C channels, pixel-shuffled to groups·C planes."""

    def __init__(self, scale, kernel, channels, groups):
        super().__init__()
        self.channels = channels
        self.filter = nn.Conv2d(1, groups * scale * scale * channels, kernel, padding=kernel // 2, bias=False)
        self.shuffle = nn.PixelShuffle(scale)

    def planes(self, x):
        """The shuffled filter output split into its ``groups`` blocks of C planes."""
        return torch.split(self.shuffle(self.filter(x)), self.channels, dim=1)

    combine = None  # how eSR-TM / eSR-TR combine their planes into softmax logits

    def deployment_form(self, runtime="onnxruntime", **options):
        return deploy.make_form(self, runtime, options, lambda o: deploy.attention_form(
            None, self.filter, self.shuffle.upscale_factor, self.channels, self.combine, o), self.channels)

    def filter_bank(self):
        """C = 1: a softmax over one channel is exactly 1, so the output is the value filters."""
        if self.channels != 1:
            return None
        return filterbank.shuffled_conv_bank(self.filter, self.shuffle.upscale_factor, 1, "none")


@register_family("eSR-MAX", "kernel", "channels")
class ESRMax(_ShuffledFilter):
    """eSR-MAX: one K×K conv to s²·C channels, pixel shuffle to C channels, max over them."""

    def __init__(self, scale, kernel, channels):
        super().__init__(scale, kernel, channels, groups=1)

    def forward(self, x):
        return self.shuffle(self.filter(x)).amax(dim=1, keepdim=True)

    def deployment_form(self, runtime="onnxruntime", **options):
        return deploy.make_form(self, runtime, options, lambda o: deploy.max_form(
            self.filter, self.shuffle.upscale_factor, o), self.channels)

    def filter_bank(self):
        scale = self.shuffle.upscale_factor
        return filterbank.shuffled_conv_bank(self.filter, scale, self.channels, "max")


@register_family("eSR-TM", "kernel", "channels")
class ESRTemplateMatching(_ShuffledFilter):
    """eSR-TM: conv to 2·s²·C, pixel shuffle, split value | key, Σ value · softmax(key)."""

    def __init__(self, scale, kernel, channels):
        super().__init__(scale, kernel, channels, groups=2)

    combine = "key"

    def forward(self, x):
        value, key = self.planes(x)
        return _softmax_weighted_sum(value, key)


@register_family("eSR-TR", "kernel", "channels")
class ESRTransformer(_ShuffledFilter):
    """eSR-TR: conv to 3·s²·C, pixel shuffle, split value | query | key, Σ value · softmax(query ⊙ key)."""

    def __init__(self, scale, kernel, channels):
        super().__init__(scale, kernel, channels, groups=3)

    combine = "query*key"

    def forward(self, x):
        value, query, key = self.planes(x)
        return _softmax_weighted_sum(value, query * key)


@register_family("eSR-CNN", "channels", "depth", "features")
class ESRCNN(nn.Module):
    """eSR-CNN: conv5×5→tanh→conv3×3→tanh→conv3×3 to 2·s²·C, shuffle, Σ value · softmax(key ⊙ key)."""

    def __init__(self, scale, channels, depth, features):
        super().__init__()
        self.channels = channels
        self.filter = nn.Sequential(
            nn.Conv2d(1, depth, 5, padding=2),
            nn.Tanh(),
            nn.Conv2d(depth, features, 3, padding=1),
            nn.Tanh(),
            nn.Conv2d(features, 2 * scale * scale * channels, 3, padding=1, bias=False),
            nn.PixelShuffle(scale),
        )

    def forward(self, x):
        value, key = torch.split(self.filter(x), self.channels, dim=1)
        return _softmax_weighted_sum(value, key * key)

    def deployment_form(self, runtime="onnxruntime", **options):
        return deploy.make_form(self, runtime, options, lambda o: deploy.attention_form(
            self.filter[:-2], self.filter[-2], self.filter[-1].upscale_factor, self.channels, "key*key", o),
            self.channels)


@register_family("ESPCN", "depth", "features")
class ESPCN(nn.Module):
    """ESPCN: [conv5×5→tanh→] conv3×3→tanh→conv3×3 to s², pixel shuffle, sigmoid (D=0 drops the first conv)."""

    def __init__(self, scale, depth, features):
        super().__init__()
        layers = []
        if depth > 0:
            layers += [nn.Conv2d(1, depth, 5, padding=2), nn.Tanh()]
            layers += [nn.Conv2d(depth, features, 3, padding=1), nn.Tanh()]
        else:
            layers += [nn.Conv2d(1, features, 3, padding=1), nn.Tanh()]
        layers += [nn.Conv2d(features, scale * scale, 3, padding=1), nn.PixelShuffle(scale), nn.Sigmoid()]
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)

    def deployment_form(self, runtime="onnxruntime", **options):
        return deploy.make_form(self, runtime, options, lambda o: deploy.activation_before_shuffle_form(self.net, o))


@register_family("FSRCNN", "depth", "features", "maps")
class FSRCNN(nn.Module):
    """FSRCNN: feature conv5×5 (D), shrink 1×1 (S), M × map conv3×3, expand 1×1 (D), deconv 9×9 stride s.

    Each conv is followed by a PReLU with one shared slope.
    """

    def __init__(self, scale, depth, shrink, maps):
        super().__init__()
        layers = [nn.Conv2d(1, depth, 5, padding=2), nn.PReLU(), nn.Conv2d(depth, shrink, 1), nn.PReLU()]
        for _ in range(maps):
            layers += [nn.Conv2d(shrink, shrink, 3, padding=1), nn.PReLU()]
        layers += [nn.Conv2d(shrink, depth, 1), nn.PReLU()]
        layers.append(
            nn.ConvTranspose2d(
                depth, 1, 9, stride=scale, padding=(9 - 1 - scale) // 2 + 1, output_padding=(scale + 1) % 2
            )
        )
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)

    def deployment_form(self, runtime="onnxruntime", **options):
        return deploy.make_form(self, runtime, options, lambda o: deploy.prelu_net_with_subpixel_deconv_form(
            self.net, o))
