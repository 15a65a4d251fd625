"""Deployment forms (edgesr.models.deploy) are the reference modules in real arithmetic.

Each check compares the form with the reference module on a real image, pixel by pixel, against a
first-order rounding bound derived from the arithmetic both sides do (u = unit roundoff):
* a dot product of n terms errs by at most γ_n·Σ|a·b| with γ_n = n·u / (1 - n·u) (Higham, Thm 3.4);
* exp, tanh and sigmoid are taken as accurate to EXP_ULPS ulp (a relative error EXP_ULPS·u);
* layers both sides share (eSR-CNN's and FSRCNN's bodies) give identical inputs to the rewritten part;
* the bound is evaluated from the float64 reference, summed for both sides, and doubled to cover the
  second-order terms a first-order bound leaves out.
The same bound with float64's u shows the forms are exact in real arithmetic (the float64 runs agree
to float64 rounding), and the exported ONNX / TFLite forms stay inside the float32 bound.
"""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from edgesr.models import create_model
from edgesr.models import deploy
from edgesr.models.families import ESRCNN, ESRTransformer, ESRMax

U32, U64 = 2.0 ** -24, 2.0 ** -53
EXP_ULPS = 4

MODELS = {
    "eSR-TM": ("eSR-TM_s2_K7_C16", "eSR-TM_s3_K5_C4", "eSR-TM_s4_K3_C1"),
    "eSR-TR": ("eSR-TR_s2_K5_C4", "eSR-TR_s3_K7_C16", "eSR-TR_s4_K3_C1"),
    "eSR-CNN": ("eSR-CNN_s2_C8_D9_S15", "eSR-CNN_s3_C2_D1_S3", "eSR-CNN_s4_C2_D1_S6"),
    "eSR-MAX": ("eSR-MAX_s2_K3_C1", "eSR-MAX_s3_K7_C16", "eSR-MAX_s4_K5_C4"),
    "ESPCN": ("ESPCN_s2_D64_S32", "ESPCN_s3_D0_S3", "ESPCN_s4_D0_S9"),
    "FSRCNN": ("FSRCNN_s2_D56_S12_M4", "FSRCNN_s3_D6_S1_M1", "FSRCNN_s4_D6_S1_M4"),
    "Bicubic": ("Bicubic_s2", "Bicubic_s3", "Bicubic_s4"),
}
ALL = [model_id for ids in MODELS.values() for model_id in ids]

# what TensorRT 8.5's ONNX parser supports among the ops the forms may use (its operator list)
TRT85_OPS = {"Conv", "DepthToSpace", "ReduceMax", "ReduceSum", "Softmax", "Exp", "Sub", "Div", "Mul", "Tanh",
             "Sigmoid", "PRelu", "LeakyRelu", "Reshape", "Transpose", "Slice", "Pad", "Concat", "Constant", "Add"}


def gamma(n, u):
    return n * u / (1 - n * u)


@pytest.fixture(scope="module")
def image(butterfly_luma):
    """A real, non-square crop with odd sides (borders of every phase are exercised)."""
    return torch.from_numpy(np.ascontiguousarray(butterfly_luma[40:101, 30:97]))[None, None]


@pytest.fixture(scope="module")
def reference(shared_weights):
    cache = {}

    def get(model_id):
        if model_id not in cache:
            cache[model_id] = create_model(model_id, weights_dir=shared_weights)
        return cache[model_id]

    return get


def _abs_conv(conv, features):
    """Σ|w|·|input| per output of a Conv2d (the scale of its rounding error)."""
    return F.conv2d(features.abs(), conv.weight.abs(), padding=conv.padding)


def _attention_bound(ref, x, u):
    """Per-pixel bound on |form - reference| for eSR-TM / TR / CNN (see the module docstring)."""
    if isinstance(ref, ESRCNN):
        features, conv, shuffle = ref.filter[:-2](x), ref.filter[-2], ref.filter[-1]
    else:
        features, conv, shuffle = x, ref.filter, ref.shuffle
    c, n = ref.channels, conv.weight[0].numel()
    parts = torch.split(shuffle(conv(features)), c, dim=1)
    errors = [gamma(n, u) * a for a in torch.split(shuffle(_abs_conv(conv, features)), c, dim=1)]
    value, d_value = parts[0], errors[0]
    if isinstance(ref, ESRTransformer):
        (query, key), (d_query, d_key) = parts[1:], errors[1:]
        logits = query * key
        d_logits = query.abs() * d_key + key.abs() * d_query + u * logits.abs()
    elif isinstance(ref, ESRCNN):
        key, d_key = parts[1], errors[1]
        logits = key * key
        d_logits = 2 * key.abs() * d_key + u * logits
    else:
        logits, d_logits = parts[1], errors[1]
    p = torch.softmax(logits, dim=1)
    y = (value * p).sum(dim=1, keepdim=True)
    shift = (logits - logits.amax(dim=1, keepdim=True)).abs()
    one_side = ((p * d_value).sum(1) + (p * (value - y).abs() * (d_logits + u * shift + EXP_ULPS * u)).sum(1)
                + (2 * c + 2) * u * (p * value.abs()).sum(1))
    return 4 * one_side[:, None]


def _max_bound(ref, x, u):
    n = ref.filter.weight[0].numel()
    return 4 * gamma(n, u) * ref.shuffle(_abs_conv(ref.filter, x)).amax(dim=1, keepdim=True)


def _conv_transpose_bound(layer, features, y, u):
    taps = math.ceil(layer.kernel_size[0] / layer.stride[0]) ** 2 * layer.in_channels
    a = F.conv_transpose2d(features.abs(), layer.weight.abs(), stride=layer.stride, padding=layer.padding,
                           output_padding=layer.output_padding)
    return 4 * (gamma(taps, u) * a + u * y.abs())


def bound(ref, x, u):
    """The per-pixel bound for ``ref`` on ``x`` (float64 evaluation of the reference's intermediates)."""
    ref, x = _double(ref), x.double()
    with torch.no_grad():
        family = ref.config.family
        if family in ("eSR-TM", "eSR-TR", "eSR-CNN"):
            return _attention_bound(ref, x, u)
        if family == "eSR-MAX":
            return _max_bound(ref, x, u)
        if family == "ESPCN":  # only the sigmoid moved: its rounding on each side
            return 4 * EXP_ULPS * u * ref(x).abs()
        layer, features = (ref.net[-1], ref.net[:-1](x)) if family == "FSRCNN" else (ref.net, x)
        return _conv_transpose_bound(layer, features, ref(x), u)


def _double(module):
    import copy

    twin = copy.deepcopy(module).double()
    twin.config = module.config
    return twin


def _run(module, x):
    with torch.no_grad():
        return module(x)


@pytest.mark.parametrize("model_id", ALL)
@pytest.mark.parametrize("runtime", deploy.RUNTIMES)
def test_form_matches_reference_within_float32_rounding(model_id, runtime, reference, image):
    ref = reference(model_id)
    form = deploy.deployment_form(ref, runtime)
    expected, got = _run(ref, image), _run(form, image)
    assert got.shape == expected.shape == (1, 1, image.shape[2] * ref.config.scale, image.shape[3] * ref.config.scale)
    limit = bound(ref, image, U32).float()
    excess = ((got - expected).abs() - limit).max().item()
    assert excess <= 0, "%s: exceeds the float32 bound by %g" % (model_id, excess)


@pytest.mark.parametrize("model_id", ALL)
@pytest.mark.parametrize("options", [{"softmax": "expsum", "channels_last": False},
                                     {"softmax": "native", "channels_last": True}], ids=["expsum-nchw", "native-nhwc"])
def test_form_is_exact_in_real_arithmetic(model_id, options, reference, image):
    """In float64 the form and the reference agree to float64 rounding: the rewrite changes no maths."""
    ref = reference(model_id)
    form = _double(deploy.deployment_form(ref, "onnxruntime", **options))
    x = image.double()
    difference = (_run(form, x) - _run(_double(ref), x)).abs()
    assert (difference <= bound(ref, image, U64)).all()


def test_forms_record_rewrites_and_leave_the_reference_alone(reference, image):
    ref = reference("eSR-TM_s2_K7_C16")
    before = {k: v.clone() for k, v in ref.state_dict().items()}
    onnx_form, litert_form = deploy.deployment_form(ref, "onnxruntime"), deploy.deployment_form(ref, "litert")
    assert "lr-grid-attention" in onnx_form.rewrites and "lr-grid-attention" in litert_form.rewrites
    assert onnx_form.config is ref.config and not onnx_form.training
    assert all(torch.equal(before[k], v) for k, v in ref.state_dict().items())
    assert deploy.deployment_form(reference("eSR-MAX_s2_K3_C1")).rewrites == ("lr-grid-max",)
    assert "one-channel-softmax-is-one" in deploy.deployment_form(reference("eSR-TR_s4_K3_C1")).rewrites
    assert "subpixel-conv-transpose" in deploy.deployment_form(reference("FSRCNN_s3_D6_S1_M1")).rewrites


def test_litert_takes_nchw_for_two_to_four_channels_and_an_option_still_overrides(reference):
    """benchmarks/peers/results/litert-layouts-2026-12-03.md: NCHW is LiteRT's faster layout for C = 2-4."""
    def layout(model_id, runtime="litert", **options):
        return "channels-last" in deploy.deployment_form(reference(model_id), runtime, **options).rewrites

    assert [layout(m) for m in ("eSR-MAX_s2_K3_C1", "eSR-TM_s2_K3_C2", "eSR-TR_s3_K5_C4", "eSR-CNN_s2_C2_D1_S3",
                                "eSR-TM_s2_K5_C5", "eSR-MAX_s2_K7_C16", "eSR-CNN_s2_C8_D9_S15")] == \
        [True, False, False, False, True, True, True]
    assert layout("eSR-TM_s2_K3_C2", channels_last=True) and not layout("eSR-TM_s2_K7_C16", channels_last=False)
    assert not layout("eSR-TM_s2_K7_C16", "onnxruntime")  # ONNX Runtime: NCHW for every C
    assert deploy.runtime_options("litert", 3) == {"softmax": "expsum", "channels_last": False}
    assert deploy.runtime_options("litert") == deploy.RUNTIME_OPTIONS["litert"]


def test_unknown_modules_runtimes_and_options_are_refused(reference):
    with pytest.raises(TypeError, match="no deployment form"):
        deploy.deployment_form(torch.nn.Conv2d(1, 1, 3))
    with pytest.raises(ValueError, match="runtime must be one of"):
        deploy.deployment_form(reference("Bicubic_s2"), "tensorflow")
    with pytest.raises(ValueError, match="unknown deployment option"):
        deploy.deployment_form(reference("Bicubic_s2"), "litert", tiles=4)


def test_max_with_one_channel_has_no_max(reference):
    form = deploy.deployment_form(reference("eSR-MAX_s2_K3_C1"))
    assert isinstance(reference("eSR-MAX_s2_K3_C1"), ESRMax) and form.channels == 1


# ---------------------------------------------------------------------------------------------
# exported forms: standard ops for TensorRT 8.5, and the runtimes' outputs inside the same bound

EXPORTED = ("eSR-TM_s2_K7_C16", "eSR-TR_s3_K7_C16", "eSR-CNN_s4_C2_D1_S6", "eSR-MAX_s3_K7_C16", "ESPCN_s2_D64_S32",
            "FSRCNN_s2_D56_S12_M4", "Bicubic_s3")


def _onnx_output(module, model_id, image, path, check_ops=False):
    import onnx
    from edgesr_export.onnx_export import export_onnx
    from edgesr_runtime.runners.onnxruntime_runner import OnnxRuntimeRunner

    facts = export_onnx(module, path, image.shape[2], image.shape[3], module.config.scale, {})
    if check_ops:
        assert facts["opset"] <= 17
        ops = {node.op_type for node in onnx.load(str(path)).graph.node}
        assert ops <= TRT85_OPS, "%s: ops outside TensorRT 8.5's list: %s" % (model_id, sorted(ops - TRT85_OPS))
    with OnnxRuntimeRunner(str(path), threads=1) as runner:
        return torch.from_numpy(runner.infer(image.numpy()))


def _tflite_output(module, model_id, image, path):
    from edgesr_export.tflite_export import convert_fp32
    from edgesr_runtime.runners.litert_runner import LiteRTRunner

    convert_fp32(module, path, image.shape[2], image.shape[3], module.config.scale)
    with LiteRTRunner(str(path), threads=1) as runner:
        return torch.from_numpy(runner.infer(image.numpy()))


@pytest.mark.parametrize("model_id", EXPORTED)
def test_exported_onnx_form_uses_tensorrt_ops_and_matches_the_reference_graph(model_id, reference, image,
                                                                                tmp_path):
    """Same runtime, reference graph vs deployment form: identical layers run identical kernels."""
    pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")
    ref = reference(model_id)
    got = _onnx_output(deploy.deployment_form(ref, "onnxruntime"), model_id, image, tmp_path / "form.onnx", True)
    expected = _onnx_output(ref, model_id, image, tmp_path / "reference.onnx")
    assert ((got - expected).abs() <= bound(ref, image, U32).float()).all()


@pytest.mark.parametrize("model_id", EXPORTED)
def test_exported_tflite_form_matches_the_reference_graph(model_id, reference, image, tmp_path):
    pytest.importorskip("ai_edge_litert")
    pytest.importorskip("litert_torch")
    ref = reference(model_id)
    got = _tflite_output(deploy.deployment_form(ref, "litert"), model_id, image, tmp_path / "form.tflite")
    expected = _tflite_output(ref, model_id, image, tmp_path / "reference.tflite")
    assert ((got - expected).abs() <= bound(ref, image, U32).float()).all()
