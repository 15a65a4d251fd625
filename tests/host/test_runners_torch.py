"""Device runners against the PyTorch reference on a real image, on files made here (torch, hand-built TFLite).

The device-side runner tests (numpy + one runtime, committed fixture files) are tests/runtime/test_runners.py.
"""

import warnings

import numpy as np
import pytest
import torch
from torch import nn

from edgesr.torch_runner import TorchRunner
from edgesr_runtime.errors import EdgesrError
from edgesr_runtime.runners import open_runner
from edgesr_runtime.runners import tensorrt_api
from edgesr_runtime.runners.cuda_memory import gpu_available
from runtime.float32_error import UNIT_ROUNDOFF_FP16, conv_error  # tests/runtime/float32_error.py


SCALE = 2
H, W = 24, 32  # LR crop size


class TinySR(nn.Module):
    """Conv to s² channels + pixel shuffle: exactly expressible as TFLite CONV_2D + DEPTH_TO_SPACE."""

    def __init__(self, scale=SCALE):
        super().__init__()
        torch.manual_seed(0)
        self.conv = nn.Conv2d(1, scale * scale, 3, padding=1)
        self.shuffle = nn.PixelShuffle(scale)

    def forward(self, x):
        return self.shuffle(self.conv(x))


@pytest.fixture(scope="module")
def tiny():
    return TinySR().eval()


def float32_bound(module):
    """Two float32 evaluations of TinySR's one conv (9 products + bias, inputs in [0, 1]), from its weights."""
    return conv_error(module.conv.weight.detach().numpy(), module.conv.bias.detach().numpy())


@pytest.fixture(scope="module")
def crop(butterfly_luma):
    """A 1×1×24×32 float32 crop of Set5 butterfly (luma)."""
    return np.ascontiguousarray(butterfly_luma[100:100 + H, 120:120 + W])[None, None]


@pytest.fixture(scope="module")
def reference(tiny, crop):
    with TorchRunner(tiny) as runner:
        return runner.infer(crop)


def export_onnx(module, path, dynamic=False, shape=(1, 1, H, W)):
    kwargs = {"dynamic_axes": {"input": {2: "H", 3: "W"}, "output": {2: "Hs", 3: "Ws"}}} if dynamic else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, torch.rand(*shape), str(path), dynamo=False, opset_version=17,
                          input_names=["input"], output_names=["output"], **kwargs)
    return path


def truncate(path, tmp_path):
    data = path.read_bytes()
    bad = tmp_path / ("bad_" + path.name)
    bad.write_bytes(data[: len(data) // 2])
    return bad


def test_torch_runner_with_zoo_model(crop):
    models = pytest.importorskip("edgesr.models")
    try:
        runner = TorchRunner("eSR-MAX_s2_K3_C1").load()
    except Exception as err:  # noqa: BLE001 - weights may be missing on a bare checkout
        pytest.skip("zoo weights not available: %s" % err)
    with runner:
        y = runner.infer(crop)
        assert y.shape == (1, 1, 2 * H, 2 * W) and y.dtype == np.float32
        with torch.inference_mode():
            expected = models.create_model("eSR-MAX_s2_K3_C1")(torch.from_numpy(crop)).numpy()
        # the same module, input, shape and threads in one process run the same kernels: bit for bit
        np.testing.assert_array_equal(y, expected)
        assert runner.input_metadata().layout == "NCHW"


def test_runner_rejects_bad_input_and_unloaded_use(tiny, crop):
    runner = TorchRunner(tiny)
    with pytest.raises(EdgesrError, match="not loaded"):
        runner.infer(crop)
    with runner:
        with pytest.raises(EdgesrError, match="N×1×H×W"):
            runner.infer(np.zeros((1, 3, 8, 8), np.float32))


# ------------------------------------------------------------------------------------------------
# ONNX Runtime


@pytest.fixture(scope="module")
def onnx_files(tiny, tmp_path_factory):
    pytest.importorskip("onnxruntime", reason="onnxruntime not installed")
    folder = tmp_path_factory.mktemp("onnx")
    return {"static": export_onnx(tiny, folder / "model.onnx"),
            "dynamic": export_onnx(tiny, folder / "model_dynamic.onnx", dynamic=True, shape=(1, 1, 8, 8))}


@pytest.mark.parametrize("kind", ["static", "dynamic"])
def test_onnxruntime_matches_torch(onnx_files, crop, reference, kind, tiny):
    with open_runner("onnxruntime", onnx_files[kind], threads=1) as runner:
        y = runner.infer(crop)
        meta = runner.input_metadata()
        assert meta.layout == "NCHW" and meta.dtype == "float"
        assert runner.describe()["providers"] == ["CPUExecutionProvider"]
        assert runner.precision == "fp32" and runner.threads == 1
    assert y.shape == reference.shape and y.dtype == np.float32
    assert np.abs(y - reference).max() <= float32_bound(tiny)


# ------------------------------------------------------------------------------------------------
# LiteRT: .tflite files written directly with the flatbuffer schema that ships with ai-edge-litert


def build_tflite(module, height, width, layout="NHWC", dynamic=False, int8_io=False):
    """A .tflite of TinySR: [RESHAPE] CONV_2D (SAME) DEPTH_TO_SPACE [RESHAPE], optionally int8 I/O."""
    schema = pytest.importorskip("ai_edge_litert.schema_py_generated", reason="ai-edge-litert not installed")
    flatbuffers = pytest.importorskip("flatbuffers")
    ops, buffers, tensors, operators, codes = schema.BuiltinOperator, [schema.BufferT()], [], [], []
    f32, i8 = schema.TensorType.FLOAT32, schema.TensorType.INT8
    s = module.shuffle.upscale_factor

    def tensor(name, shape, dtype=f32, data=None, quant=None, signature=None):
        buffer = 0
        if data is not None:
            buffers.append(schema.BufferT())
            buffers[-1].data = np.frombuffer(np.ascontiguousarray(data).tobytes(), np.uint8)
            buffer = len(buffers) - 1
        t = schema.TensorT(shape=list(shape), type=dtype, buffer=buffer, name=name, shapeSignature=signature)
        if quant is not None:
            t.quantization = schema.QuantizationParametersT()
            t.quantization.scale, t.quantization.zeroPoint = [quant[0]], [quant[1]]
        tensors.append(t)
        return len(tensors) - 1

    def op(code, inputs, outputs, options_type=0, options=None):
        if code not in [c.builtinCode for c in codes]:
            codes.append(schema.OperatorCodeT(deprecatedBuiltinCode=code, builtinCode=code))
        index = [c.builtinCode for c in codes].index(code)
        operators.append(schema.OperatorT(opcodeIndex=index, inputs=inputs, outputs=outputs,
                                          builtinOptionsType=options_type, builtinOptions=options))

    def sig(shape):  # NHWC shape signature with dynamic H and W
        return [-1 if i in (1, 2) else d for i, d in enumerate(shape)] if dynamic else None

    nhwc_in, nhwc_out = [1, height, width, 1], [1, height * s, width * s, 1]
    in_q, out_q = (1 / 255.0, -128), (4 / 255.0, 0)
    io_type = i8 if int8_io else f32
    shape_in = nhwc_in if layout == "NHWC" else [1, 1, height, width]
    shape_out = nhwc_out if layout == "NHWC" else [1, 1, height * s, width * s]
    x_in = tensor("input", shape_in, io_type, quant=in_q if int8_io else None, signature=sig(shape_in))
    x = x_in
    if int8_io:
        x = tensor("dequantized", nhwc_in, signature=sig(nhwc_in))
        op(ops.DEQUANTIZE, [x_in], [x])
    if layout == "NCHW":
        new = tensor("nhwc", nhwc_in)
        op(ops.RESHAPE, [x, tensor("shape_in", [4], schema.TensorType.INT32, np.array(nhwc_in, np.int32))], [new])
        x = new
    weight = module.conv.weight.detach().numpy().transpose(0, 2, 3, 1)  # OIHW -> OHWI
    bias = module.conv.bias.detach().numpy()
    conv_out = tensor("conv", [1, height, width, s * s], signature=sig([1, height, width, s * s]))
    conv = schema.Conv2DOptionsT()
    conv.padding, conv.strideH, conv.strideW = schema.Padding.SAME, 1, 1
    op(ops.CONV_2D, [x, tensor("weight", weight.shape, data=weight), tensor("bias", bias.shape, data=bias)],
       [conv_out], schema.BuiltinOptions.Conv2DOptions, conv)
    y = tensor("shuffled", nhwc_out, signature=sig(nhwc_out))
    d2s = schema.DepthToSpaceOptionsT()
    d2s.blockSize = s
    op(ops.DEPTH_TO_SPACE, [conv_out], [y], schema.BuiltinOptions.DepthToSpaceOptions, d2s)
    if layout == "NCHW":
        out = tensor("nchw", shape_out)
        op(ops.RESHAPE, [y, tensor("shape_out", [4], schema.TensorType.INT32, np.array(shape_out, np.int32))], [out])
        y = out
    if int8_io:
        out = tensor("output", shape_out, i8, quant=out_q, signature=sig(shape_out))
        op(ops.QUANTIZE, [y], [out])
        y = out
    graph = schema.SubGraphT()
    graph.tensors, graph.inputs, graph.outputs, graph.operators = tensors, [x_in], [y], operators
    model = schema.ModelT()
    model.version, model.operatorCodes, model.subgraphs, model.buffers = 3, codes, [graph], buffers
    builder = flatbuffers.Builder(1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


@pytest.fixture(scope="module")
def tflite_files(tiny, tmp_path_factory):
    folder = tmp_path_factory.mktemp("tflite")
    variants = {
        "nhwc": dict(),
        "nchw": dict(layout="NCHW"),
        "dynamic": dict(dynamic=True),
        "int8": dict(int8_io=True),
    }
    files = {}
    for name, kwargs in variants.items():
        files[name] = folder / ("model_%s.tflite" % name)
        files[name].write_bytes(build_tflite(tiny, H, W, **kwargs))
    return files


@pytest.mark.parametrize("kind, layout", [("nhwc", "NHWC"), ("nchw", "NCHW"), ("dynamic", "NHWC")])
def test_litert_matches_torch(tflite_files, crop, reference, kind, layout, tiny):
    pytest.importorskip("ai_edge_litert.interpreter", reason="ai-edge-litert not installed")
    with open_runner("litert", tflite_files[kind], threads=2) as runner:
        assert runner.input_metadata().layout == layout
        y = runner.infer(crop)
        assert runner.precision == "fp32"
        assert runner.describe()["version"].startswith(("ai-edge-litert", "tflite-runtime"))
    assert y.shape == reference.shape and y.dtype == np.float32
    assert np.abs(y - reference).max() <= float32_bound(tiny)


def test_litert_dynamic_shape_resizes(tflite_files, tiny):
    pytest.importorskip("ai_edge_litert.interpreter", reason="ai-edge-litert not installed")
    x = np.random.default_rng(1).random((1, 1, 10, 14), dtype=np.float32)
    with TorchRunner(tiny) as ref, open_runner("litert", tflite_files["dynamic"]) as runner:
        assert runner.input_metadata().shape == (1, None, None, 1)
        for shape in [(1, 1, 10, 14), (1, 1, H, W), (1, 1, 10, 14)]:
            x = np.random.default_rng(1).random(shape, dtype=np.float32)
            np.testing.assert_allclose(runner.infer(x), ref.infer(x), atol=float32_bound(tiny), rtol=0)


def test_litert_int8_io_quantizes_and_dequantizes(tflite_files, crop, reference, tiny):
    pytest.importorskip("ai_edge_litert.interpreter", reason="ai-edge-litert not installed")
    with open_runner("litert", tflite_files["int8"], xnnpack=False) as runner:
        assert runner.precision == "int8" and runner.input_metadata().dtype == "int8"
        y = runner.infer(crop)
    assert y.dtype == np.float32
    # input rounding (half a step of 1/255) through the conv (Σ|w|), output rounding (half a step of 4/255),
    # and the float32 sums
    weight_sum = np.abs(tiny.conv.weight.detach().numpy()).reshape(SCALE * SCALE, -1).sum(axis=1).max()
    bound = weight_sum * 0.5 / 255 + 0.5 * 4 / 255 + float32_bound(tiny)
    assert np.abs(y - np.clip(reference, -128 * 4 / 255, 127 * 4 / 255)).max() <= bound


def test_litert_file_from_litert_torch(tiny, crop, reference, tmp_path):
    litert_torch = pytest.importorskip("litert_torch", reason="litert-torch not installed (optional converter)")
    path = tmp_path / "model.tflite"
    litert_torch.convert(tiny, (torch.from_numpy(crop),)).export(str(path))
    with open_runner(None, path) as runner:
        assert np.abs(runner.infer(crop) - reference).max() <= float32_bound(tiny)


# ------------------------------------------------------------------------------------------------
# TensorRT: a real engine where TensorRT and a GPU exist


def _build_engine(onnx_path, engine_path):
    """Build a TensorRT engine from ONNX with the TensorRT Python API (8.5 and 10.x)."""
    import tensorrt as trt

    logger = trt.Logger(trt.Logger.WARNING)
    builder = trt.Builder(logger)
    flags = 0
    if tensorrt_api.parse_version(trt.__version__)[0] < 10:
        flags = 1 << int(trt.NetworkDefinitionCreationFlag.EXPLICIT_BATCH)
    network = builder.create_network(flags)
    parser = trt.OnnxParser(network, logger)
    assert parser.parse(onnx_path.read_bytes()), parser.get_error(0)
    config = builder.create_builder_config()
    config.set_memory_pool_limit(trt.MemoryPoolType.WORKSPACE, 1 << 28)
    engine_path.write_bytes(bytes(builder.build_serialized_network(network, config)))
    return engine_path


@pytest.fixture(scope="module")
def engine_file(onnx_files, tmp_path_factory):
    pytest.importorskip("tensorrt", reason="TensorRT not installed")
    ok, reason = gpu_available()
    if not ok:
        pytest.skip("no CUDA GPU (%s)" % reason)
    return _build_engine(onnx_files["static"], tmp_path_factory.mktemp("trt") / "model.engine")


@pytest.mark.parametrize("api", [None, "tensors"])
def test_tensorrt_matches_torch(engine_file, crop, reference, api, tiny):
    with open_runner("tensorrt", engine_file, api=api) as runner:
        y = runner.infer(crop)
        assert runner.describe()["api"] in ("bindings", "tensors")
    assert y.shape == reference.shape
    # TensorRT may run the conv in TF32 (float16's 10-bit mantissa): bound it as if every step rounded to
    # 2^-11, plus PyTorch's float32 error
    weight, bias = tiny.conv.weight.detach().numpy(), tiny.conv.bias.detach().numpy()
    bound = conv_error(weight, bias, evaluations=1, unit_roundoff=UNIT_ROUNDOFF_FP16) + float32_bound(tiny) / 2
    assert np.abs(y - reference).max() <= bound


def test_tensorrt_truncated_engine(engine_file, tmp_path):
    bad = truncate(engine_file, tmp_path)
    with pytest.raises(EdgesrError, match="bad_model.engine is not a valid TensorRT engine"):
        open_runner(None, bad)


