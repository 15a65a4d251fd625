"""Deployment forms: each zoo module rewritten as an equivalent graph that runs faster after export.

``deployment_form(module, runtime)`` returns a new module with the same output in real arithmetic
(float32 results differ from the reference only by rounding: same products, summed in another
order) and ``form.rewrites``, the names of the rewrites it carries:

* ``lr-grid-attention`` (eSR-TM / eSR-TR / eSR-CNN): the reference shuffles 2-3·s²·C channels to
  the high-resolution grid and then takes Σ_c value_c · softmax_c(logit). Shuffled channel c at
  sub-pixel (i, j) is conv channel c·s² + i·s + j, so the same sum can be taken on the
  low-resolution grid per sub-pixel, leaving a depth-to-space of only s² channels. Value, key
  (and query) become separate convolutions whose output channels are ordered sub-pixel-major.
* ``expsum-softmax`` (chosen for both runtimes) or ``native-softmax``: softmax_c either as
  e = exp(l - max_c l), then Σ value·e / Σ e (ReduceMax, Sub, Exp, Mul, ReduceSum, Div; the division
  on s² channels only), or as one Softmax node. ORT's Softmax over a non-last axis transposes.
* ``one-channel-softmax-is-one`` (eSR-TM / TR / CNN with C = 1): a softmax over one channel is
  exp(0) / exp(0) = 1 exactly, so the output is the value convolution + depth-to-space.
* ``lr-grid-max`` (eSR-MAX): the max over C on the low-resolution grid, then depth-to-space;
  for C = 1 there is no max at all.
* ``subpixel-conv-transpose`` (FSRCNN, Bicubic): the stride-s ConvTranspose2d as one Conv2d to s²
  phases on the low-resolution grid + depth-to-space. Output pixel s·m + r only receives the taps
  k ≡ r + padding (mod s), so each phase is a plain correlation with a sub-kernel; the Conv2d's zero
  padding keeps the transposed convolution's border exactly (taps no phase uses are exact zeros).
* ``activation-before-shuffle`` (ESPCN): the sigmoid before the pixel shuffle (an elementwise op
  commutes with a permutation), so runtimes can fuse it into the convolution.
* ``prelu-as-leaky-relu`` (FSRCNN): PReLU with one shared slope is LeakyReLU(slope), which runtimes
  fuse into the convolution.
* ``channels-last`` (LiteRT, except for 2-4 channels): reductions over the last axis of N × H × W × s² × C
  and the depth-to-space as one transpose, which the TFLite converter keeps without NCHW round trips.

``runtime_options(runtime, channels)`` is the variant measured fastest per runtime (``RUNTIME_OPTIONS``;
on LiteRT NCHW for 2-4 channels per sub-pixel); ``deployment_form(module, runtime, softmax=...,
channels_last=...)`` overrides it.

Every form exports with standard ONNX ops at opset <= 17 (Conv, DepthToSpace, ReduceMax/Sum, Exp,
Sub, Div, Mul, Softmax, Reshape, Transpose, Tanh, Sigmoid, LeakyRelu) that TensorRT 8.5's parser
accepts (tests/host/test_deploy_forms.py checks the exported op set).
"""

import copy

import torch
import torch.nn.functional as F
from torch import nn

RUNTIMES = ("onnxruntime", "litert")


def _check_runtime(runtime):
    if runtime not in RUNTIMES:
        raise ValueError("runtime must be one of %s, not %r" % (", ".join(RUNTIMES), runtime))


def _subpixel_major(conv, scale, groups, channels):
    """``groups`` Conv2d layers cut from ``conv`` (channels g·s²·C + c·s² + p), each ordered p·C + c."""
    weight = conv.weight.detach().reshape(groups, channels, scale * scale, *conv.weight.shape[1:])
    bias = None if conv.bias is None else conv.bias.detach().reshape(groups, channels, scale * scale)
    layers = []
    for g in range(groups):
        layer = nn.Conv2d(conv.in_channels, scale * scale * channels, conv.kernel_size, padding=conv.padding,
                          bias=bias is not None)
        layer.weight.data.copy_(weight[g].transpose(0, 1).reshape(layer.weight.shape))
        if bias is not None:
            layer.bias.data.copy_(bias[g].transpose(0, 1).reshape(-1))
        layers.append(layer)
    return layers


def _phases(y, scale, channels, channels_last):
    """Conv output N × (s²·C) × H × W (channels p·C + c) as N × s² × C × H × W or N × H × W × s² × C."""
    n, _, h, w = y.shape
    if channels_last:
        return y.permute(0, 2, 3, 1).reshape(n, h, w, scale * scale, channels)
    return y.reshape(n, scale * scale, channels, h, w)


def _depth_to_space(y, scale, channels_last):
    """One value per phase (N × s² × H × W, or N × H × W × s² channels-last) -> N × 1 × sH × sW.

    Channels-last, this is one transpose N·H·W·s·s -> N·H·s·W·s, which the TFLite converter keeps
    as a single TRANSPOSE (its pixel shuffle lowering needs three around an NCHW transpose).
    """
    if not channels_last:
        return F.pixel_shuffle(y, scale)
    n, h, w, _ = y.shape
    return y.reshape(n, h, w, scale, scale).permute(0, 1, 3, 2, 4).reshape(n, 1, h * scale, w * scale)


class LRGridAttention(nn.Module):
    """Σ_c value_c · softmax_c(logits) per sub-pixel on the LR grid, then depth-to-space of s² channels.

    ``combine`` names the logits: "key" (eSR-TM), "query*key" (eSR-TR), "key*key" (eSR-CNN).
    ``softmax``: "native" (one Softmax node over C) or "expsum": e = exp(l - max_c l), then
    Σ value·e / Σ e (the division on s² channels only, no Softmax node).
    ``channels_last``: reduce over the last axis of N × H × W × s² × C (TFLite's own layout).
    """

    def __init__(self, body, conv, scale, channels, combine, softmax="native", channels_last=False):
        super().__init__()
        groups = {"key": 2, "key*key": 2, "query*key": 3}[combine]
        self.body = body if body is not None else nn.Identity()
        self.convs = nn.ModuleList(_subpixel_major(conv, scale, groups, channels))
        self.scale, self.channels, self.combine = scale, channels, combine
        self.softmax, self.channels_last = softmax, channels_last

    def forward(self, x):
        features = self.body(x)
        value, *rest = [_phases(conv(features), self.scale, self.channels, self.channels_last)
                        for conv in self.convs]
        if self.combine == "key":
            logits = rest[0]
        elif self.combine == "key*key":
            logits = rest[0] * rest[0]
        else:
            logits = rest[0] * rest[1]
        axis = -1 if self.channels_last else 2
        if self.softmax == "native":
            y = (value * torch.softmax(logits, dim=axis)).sum(dim=axis)
        else:
            weights = torch.exp(logits - logits.amax(dim=axis, keepdim=True))
            y = (value * weights).sum(dim=axis) / weights.sum(dim=axis)
        return _depth_to_space(y, self.scale, self.channels_last)


class LRGridMax(nn.Module):
    """eSR-MAX: max over C per sub-pixel on the LR grid, then depth-to-space (no max when C = 1).

    ``groups`` > 1 keeps only the first of ``conv``'s channel groups (the value of a one-channel eSR-TM/TR/CNN).
    """

    def __init__(self, conv, scale, channels, channels_last=False, groups=1):
        super().__init__()
        self.conv = _subpixel_major(conv, scale, groups, channels)[0]
        self.scale, self.channels, self.channels_last = scale, channels, channels_last

    def forward(self, x):
        y = _phases(self.conv(x), self.scale, self.channels, self.channels_last)
        y = y.amax(dim=-1 if self.channels_last else 2) if self.channels > 1 else y.squeeze(-1 if self.channels_last
                                                                                              else 2)
        return _depth_to_space(y, self.scale, self.channels_last)


def _phase_taps(kernel, stride, padding):
    """Per output phase r: (first LR offset j of the sub-kernel, its tap indices k), for one axis.

    Output o = s·m + r receives x[i]·w[k] for o = s·i - padding + k, i.e. i = m + (r + padding - k) / s.
    """
    phases = []
    for r in range(stride):
        taps = [k for k in range(kernel) if (r + padding - k) % stride == 0]
        offsets = [(r + padding - k) // stride for k in taps]
        phases.append(list(zip(offsets, taps)))
    return phases


class DepthToSpace(nn.Module):
    """N × s² × H × W -> N × 1 × sH × sW, as a pixel shuffle or channels-last (see ``_depth_to_space``)."""

    def __init__(self, scale, channels_last=False):
        super().__init__()
        self.scale, self.channels_last = scale, channels_last

    def forward(self, y):
        return _depth_to_space(y.permute(0, 2, 3, 1) if self.channels_last else y, self.scale, self.channels_last)


class SubpixelConvTranspose(nn.Module):
    """A stride-s ConvTranspose2d giving s·H × s·W as Conv2d(in, s²·out) on the zero-padded LR grid + shuffle.

    ``channels_last``: the depth-to-space as one channels-last transpose (one output channel only).
    """

    def __init__(self, layer, channels_last=False):
        super().__init__()
        (kh, kw), (sh, sw), (ph, pw) = layer.kernel_size, layer.stride, layer.padding
        (qh, qw), scale = layer.output_padding, sh
        if sh != sw or kh != kw or ph != pw or layer.groups != 1 or layer.dilation != (1, 1):
            raise ValueError("only square, ungrouped, undilated ConvTranspose2d layers are supported")
        if channels_last and layer.out_channels != 1:
            raise ValueError("the channels-last depth-to-space is for one output channel")
        if kh - 2 * ph + qh != scale:
            raise ValueError("the layer does not give exactly s·H × s·W (kernel - 2·padding + output_padding != s)")
        phases = _phase_taps(kh, scale, ph)
        # taps at LR offsets -reach..reach: a symmetric Conv2d padding (an asymmetric one would export as a
        # computed Pad); offsets no phase uses get zero weights, which add exact zeros
        reach = max(abs(j) for phase in phases for j, _ in phase)
        size = 2 * reach + 1
        w = layer.weight.detach()  # in × out × K × K
        out = layer.out_channels
        weight = torch.zeros(out * scale * scale, layer.in_channels, size, size, dtype=w.dtype)
        for ry, phase_y in enumerate(phases):
            for rx, phase_x in enumerate(phases):
                for jy, ky in phase_y:
                    for jx, kx in phase_x:
                        for o in range(out):
                            weight[o * scale * scale + ry * scale + rx, :, jy + reach, jx + reach] = w[:, o, ky, kx]
        self.conv = nn.Conv2d(layer.in_channels, out * scale * scale, size, padding=reach,
                              bias=layer.bias is not None)
        self.conv.weight.data.copy_(weight)
        if layer.bias is not None:
            self.conv.bias.data.copy_(layer.bias.detach().repeat_interleave(scale * scale))
        self.shuffle = DepthToSpace(scale, channels_last)

    def forward(self, x):
        return self.shuffle(self.conv(x))


def _leaky(prelu):
    if prelu.weight.numel() != 1:
        raise ValueError("only a PReLU with one shared slope is a LeakyReLU")
    return nn.LeakyReLU(float(prelu.weight.detach().reshape(())))


def attention_form(body, conv, scale, channels, combine, options):
    """eSR-TM / TR / CNN: ``body`` (layers before the last conv, or None), the last ``conv`` to
    groups·s²·C channels, and how the weights combine ("key", "query*key", "key*key")."""
    body = copy.deepcopy(body) if body is not None else None
    if channels == 1:  # a softmax over one channel is exp(0) / exp(0) = 1: the output is the value
        value = LRGridMax(conv, scale, 1, options["channels_last"], groups=2 if combine != "query*key" else 3)
        form = nn.Sequential(body, value) if body is not None else value
        return form, ("lr-grid-attention", "one-channel-softmax-is-one")
    form = LRGridAttention(body, conv, scale, channels, combine, **options)
    return form, ("lr-grid-attention", "%s-softmax" % options["softmax"])


def max_form(conv, scale, options):
    """eSR-MAX: conv to s²·C, max over C on the LR grid, depth-to-space."""
    return LRGridMax(conv, scale, conv.out_channels // scale ** 2, options["channels_last"]), ("lr-grid-max",)


def activation_before_shuffle_form(net, options):
    """ESPCN: [..., PixelShuffle, Sigmoid] as [..., Sigmoid, depth-to-space] (elementwise ops commute with it)."""
    layers = list(copy.deepcopy(net))
    shuffle, sigmoid = layers[-2], layers[-1]
    if options["channels_last"]:
        shuffle = DepthToSpace(shuffle.upscale_factor, True)
    return nn.Sequential(*layers[:-2], sigmoid, shuffle), ("activation-before-shuffle",)


def prelu_net_with_subpixel_deconv_form(net, options):
    """FSRCNN: convs with one-slope PReLUs as LeakyReLUs, the final ConvTranspose2d as sub-pixel phases."""
    layers = [_leaky(m) if isinstance(m, nn.PReLU) else copy.deepcopy(m) for m in net[:-1]]
    form = nn.Sequential(*layers, SubpixelConvTranspose(net[-1], options["channels_last"]))
    return form, ("prelu-as-leaky-relu", "subpixel-conv-transpose")


def subpixel_deconv_form(deconv, options):
    """Bicubic: one ConvTranspose2d as one Conv2d to s² phases + depth-to-space."""
    return SubpixelConvTranspose(deconv, options["channels_last"]), ("subpixel-conv-transpose",)


# The variant measured fastest per runtime on eSR-TM_s2_K7_C16 (interleaved runs, 2 threads, Full-HD output):
# ORT: expsum NCHW < native NHWC (1.8x slower) < native NCHW (8x); LiteRT: expsum NHWC ~ native NHWC (+6 %)
# < expsum NCHW (+24 %) < native NCHW (+47 %).
RUNTIME_OPTIONS = {
    "onnxruntime": {"softmax": "expsum", "channels_last": False},
    "litert": {"softmax": "expsum", "channels_last": True},
}
# LiteRT with 2-4 channels per sub-pixel: NCHW is faster (reducing over a last axis of 2-4 values costs more
# than the NCHW round trips it saves). NCHW ÷ NHWC time, interleaved rounds, 2 threads, x86 XNNPACK: C = 2-4
# 0.54-0.94 (one eSR-MAX ×3 row 1.12), C = 1 1.15, C = 5 0.93-1.06, C >= 6 1.00-1.43
# (benchmarks/peers/results/litert-layouts-2026-12-03.md).
LITERT_NCHW_CHANNELS = range(2, 5)


def runtime_options(runtime, channels=None):
    """The options measured fastest on ``runtime`` for a form that reduces over ``channels`` (C) planes."""
    _check_runtime(runtime)
    options = dict(RUNTIME_OPTIONS[runtime])
    if runtime == "litert" and channels in LITERT_NCHW_CHANNELS:
        options["channels_last"] = False
    return options


def make_form(module, runtime, options, build, channels=None):
    """Finish ``build(options) -> (form, rewrites)`` for ``module``: the runtime's options (``runtime_options``
    for its ``channels``, overridden by ``options``), eval mode, frozen parameters, ``form.rewrites`` and
    ``form.config``."""
    defaults = runtime_options(runtime, channels)
    unknown = set(options) - set(defaults)
    if unknown:
        raise ValueError("unknown deployment option(s): %s" % ", ".join(sorted(unknown)))
    options = dict(defaults, **options)
    form, rewrites = build(options)
    form = form.eval()
    for parameter in form.parameters():
        parameter.requires_grad_(False)
    form.rewrites = tuple(rewrites) + (("channels-last",) if options["channels_last"] else ())
    if hasattr(module, "config"):
        form.config = module.config
    return form


def deployment_form(module, runtime="onnxruntime", **options):
    """The deployment form of a zoo module for ``runtime`` ("onnxruntime" or "litert"), in eval mode.

    Each family gives its own (``module.deployment_form``, built from the pieces above). ``options``
    override the runtime's choices in RUNTIME_OPTIONS: ``softmax`` ("native" | "expsum") and
    ``channels_last`` (bool). The form has the reference's output in real arithmetic; ``form.rewrites``
    names its rewrites (plus "channels-last" when used) and ``form.config`` is the module's config (when
    it has one). The reference module is not changed.
    """
    method = getattr(module, "deployment_form", None)
    if not callable(method):
        raise TypeError("no deployment form for %s (not an edge-SR zoo module)" % type(module).__name__)
    return method(runtime, **options)
