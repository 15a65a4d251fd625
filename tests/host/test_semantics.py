"""Each family's module equals an independent numpy/scipy computation of the paper's maths."""

import numpy as np
import pytest
from PIL import Image
from scipy.signal import correlate2d

from edgesr.models import create_model, get_config
from edgesr_export.torch_reference import run_luma
from float32_bounds import EPS32, bicubic_kernel_gap, float32_atol


def conv(x, weight, bias=None):
    """'same' zero-padded convolution (cross-correlation, as in PyTorch) of C×H×W with O×C×k×k."""
    out = np.stack([sum(correlate2d(x[c], w[c], mode="same") for c in range(x.shape[0])) for w in weight])
    return out if bias is None else out + bias[:, None, None]


def pixel_shuffle(x, s):
    """(C·s²)×H×W → C×sH×sW with PyTorch's / ONNX DepthToSpace CRD channel order."""
    c, h, w = x.shape[0] // (s * s), x.shape[1], x.shape[2]
    return x.reshape(c, s, s, h, w).transpose(0, 3, 1, 4, 2).reshape(c, h * s, w * s)


def softmax(x):
    e = np.exp(x - x.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


def conv_transpose(x, weight, bias, stride, padding, output_padding):
    """Scatter-add transposed convolution of C×H×W with C×1×k×k, then the padding crop."""
    _, h, w = x.shape
    k = weight.shape[-1]
    full = np.zeros(((h - 1) * stride + k + output_padding, (w - 1) * stride + k + output_padding))
    for c in range(x.shape[0]):
        for i in range(h):
            for j in range(w):
                full[i * stride:i * stride + k, j * stride:j * stride + k] += x[c, i, j] * weight[c, 0]
    out_h = (h - 1) * stride - 2 * padding + k + output_padding
    out_w = (w - 1) * stride - 2 * padding + k + output_padding
    out = full[padding:padding + out_h, padding:padding + out_w]
    return out + (bias[0] if bias is not None else 0.0)


def prelu(x, slope):
    return np.where(x > 0, x, slope * x)


def weights(model_id):
    return {k: v.detach().double().numpy() for k, v in create_model(model_id).state_dict().items()}


def reference(model_id, x):
    """The paper's maths for one id, in float64 numpy, on one H×W plane."""
    cfg, p, s = get_config(model_id), weights(model_id), get_config(model_id).scale
    x = x[None].astype(np.float64)
    if cfg.family == "eSR-MAX":
        return pixel_shuffle(conv(x, p["filter.weight"]), s).max(axis=0)
    if cfg.family in ("eSR-TM", "eSR-TR"):
        parts = np.split(pixel_shuffle(conv(x, p["filter.weight"]), s), 2 if cfg.family == "eSR-TM" else 3)
        logits = parts[1] if cfg.family == "eSR-TM" else parts[1] * parts[2]
        return (parts[0] * softmax(logits)).sum(axis=0)
    if cfg.family == "eSR-CNN":
        h = np.tanh(conv(x, p["filter.0.weight"], p["filter.0.bias"]))
        h = np.tanh(conv(h, p["filter.2.weight"], p["filter.2.bias"]))
        value, key = np.split(pixel_shuffle(conv(h, p["filter.4.weight"]), s), 2)
        return (value * softmax(key * key)).sum(axis=0)
    if cfg.family == "ESPCN":
        convs = sorted({int(k.split(".")[1]) for k in p})
        h = x
        for n, i in enumerate(convs):
            h = conv(h, p["net.%d.weight" % i], p["net.%d.bias" % i])
            h = np.tanh(h) if n < len(convs) - 1 else h
        return 1 / (1 + np.exp(-pixel_shuffle(h, s)[0]))
    if cfg.family == "FSRCNN":
        layers = sorted({int(k.split(".")[1]) for k in p})
        h = x
        for i in layers[:-1]:
            if p["net.%d.weight" % i].ndim == 4:
                h = conv(h, p["net.%d.weight" % i], p["net.%d.bias" % i])
            else:
                h = prelu(h, p["net.%d.weight" % i][0])
        last = layers[-1]
        return conv_transpose(h, p["net.%d.weight" % last], p["net.%d.bias" % last], s,
                              (9 - 1 - s) // 2 + 1, (s + 1) % 2)
    if cfg.family == "Bicubic":
        return conv_transpose(x, p["net.weight"], None, s, (3 * s + 2) // 2 + 1, (s + 1) % 2)
    raise AssertionError(cfg.family)


@pytest.mark.parametrize("model_id", [
    "eSR-MAX_s2_K5_C4", "eSR-TM_s3_K3_C2", "eSR-TR_s4_K3_C3", "eSR-TR_s2_K7_C16", "eSR-CNN_s2_C2_D3_S6",
    "eSR-CNN_s3_C8_D1_S3", "ESPCN_s3_D4_S6", "ESPCN_s2_D0_S9", "FSRCNN_s2_D19_S3_M4", "FSRCNN_s3_D6_S1_M1",
    "FSRCNN_s4_D32_S6_M1", "Bicubic_s2", "Bicubic_s3", "Bicubic_s4",
])
def test_module_matches_independent_numpy_maths(model_id, shared_weights, butterfly_luma):
    x = butterfly_luma[120:136, 80:98]
    module = create_model(model_id)
    got = run_luma(module, x)
    want = reference(model_id, x)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, atol=float32_atol(module, max(1.0, np.abs(want).max())), rtol=0)


@pytest.mark.parametrize("scale", [2, 4])
def test_even_scale_bicubic_model_is_aligned_with_pil_bicubic(scale, shared_weights, butterfly_luma):
    x = butterfly_luma[:40, :48]
    model = create_model("Bicubic_s%d" % scale)
    got = run_luma(model, x)
    pil = np.asarray(Image.fromarray(x, mode="F").resize((48 * scale, 40 * scale), Image.BICUBIC))
    border = 3 * scale  # the ConvTranspose zero-pads where PIL replicates edges
    # The shipped kernels (float16) are not exactly Keys' taps: their l1 gap on x in [0, 1], plus the model's
    # float32 error, plus the two 4-tap float32 passes of the resampler (PIL's or ours, see test_colour_against_pil)
    atol = bicubic_kernel_gap(model) + float32_atol(model) + 8 * EPS32
    np.testing.assert_allclose(got[border:-border, border:-border], pil[border:-border, border:-border],
                               atol=atol, rtol=0)
