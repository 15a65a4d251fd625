"""Device runners (ONNX Runtime, LiteRT, TensorRT) against the PyTorch reference on a real image."""

import sys
import types
import warnings

import numpy as np
import pytest
import torch
from torch import nn

from edgesr.torch_runner import TorchRunner
from edgesr_runtime.errors import EdgesrError, MissingBackendError
from edgesr_runtime.runners import available_runtimes, open_runner, runtime_for_path
from edgesr_runtime.runners.base import guess_layout
from edgesr_runtime.runners.cuda_memory import gpu_available
from edgesr_runtime.runners.litert_runner import dequantize, quantize
from edgesr_runtime.runners import trt_compat

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


# ------------------------------------------------------------------------------------------------
# common


def test_runtime_for_path_and_unknown_suffix():
    assert runtime_for_path("a/model.onnx") == "onnxruntime"
    assert runtime_for_path("model_fp16.tflite") == "litert"
    assert runtime_for_path("model.engine") == "tensorrt"
    with pytest.raises(EdgesrError, match="--runtime"):
        runtime_for_path("model.bin")


def test_available_runtimes_reports_version_or_hint():
    rows = {name: (ok, detail) for name, ok, detail in available_runtimes()}
    assert set(rows) == {"onnxruntime", "litert", "tensorrt", "opencv"}
    for ok, detail in rows.values():
        assert isinstance(ok, bool) and detail
    if not rows["tensorrt"][0]:
        assert "python3-libnvinfer" in rows["tensorrt"][1] or "pycuda" in rows["tensorrt"][1]


def test_guess_layout():
    assert guess_layout((1, 1, 540, 960), "NHWC") == "NCHW"
    assert guess_layout((1, 540, 960, 1), "NCHW") == "NHWC"
    assert guess_layout((1, None, None, 1), "NCHW") == "NHWC"
    assert guess_layout((1, 1, None, None), "NHWC") == "NCHW"
    assert guess_layout((1, 1, 1, 1), "NHWC") == "NHWC"


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(EdgesrError, match="does not exist"):
        open_runner(None, tmp_path / "model.onnx")
    empty = tmp_path / "model.tflite"
    empty.write_bytes(b"")
    with pytest.raises(EdgesrError, match="model.tflite is empty"):
        open_runner(None, empty)


@pytest.mark.parametrize("runtime, modules, hint", [
    ("onnxruntime", ["onnxruntime"], "pip install onnxruntime"),
    ("litert", ["ai_edge_litert", "ai_edge_litert.interpreter", "tflite_runtime", "tflite_runtime.interpreter"],
     "pip install ai-edge-litert"),
    ("tensorrt", ["tensorrt"], "python3-libnvinfer"),
])
def test_missing_backend_raises_install_hint(monkeypatch, tmp_path, runtime, modules, hint):
    for name in modules:
        monkeypatch.setitem(sys.modules, name, None)  # makes `import name` raise ImportError
    model = tmp_path / "model.bin"
    model.write_bytes(b"x")
    with pytest.raises(MissingBackendError) as info:
        open_runner(runtime, model)
    assert hint in str(info.value)
    assert not isinstance(info.value, ImportError)


def test_torch_runner_with_zoo_model(crop):
    models = pytest.importorskip("edgesr.models")
    try:
        runner = TorchRunner("eSR-MAX_s2_K3_C1").load()
    except Exception as err:  # noqa: BLE001 - weights may be missing on a bare checkout
        pytest.skip("zoo weights not available: %s" % err)
    with runner:
        y = runner.infer(crop)
        assert y.shape == (1, 1, 2 * H, 2 * W) and y.dtype == np.float32
        expected = models.create_model("eSR-MAX_s2_K3_C1")(torch.from_numpy(crop)).detach().numpy()
        np.testing.assert_allclose(y, expected, atol=1e-6)
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
def test_onnxruntime_matches_torch(onnx_files, crop, reference, kind):
    with open_runner("onnxruntime", onnx_files[kind], threads=1) as runner:
        y = runner.infer(crop)
        meta = runner.input_metadata()
        assert meta.layout == "NCHW" and meta.dtype == "float"
        assert runner.describe()["providers"] == ["CPUExecutionProvider"]
        assert runner.precision == "fp32" and runner.threads == 1
    assert y.shape == reference.shape and y.dtype == np.float32
    assert np.abs(y - reference).max() < 1e-5


def test_onnxruntime_static_shape_mismatch_is_clear(onnx_files):
    with open_runner(None, onnx_files["static"]) as runner:
        with pytest.raises(EdgesrError, match="expects input 1x1x24x32"):
            runner.infer(np.zeros((1, 1, 8, 8), np.float32))


def test_onnxruntime_unavailable_provider(onnx_files):
    import onnxruntime

    if "CUDAExecutionProvider" in onnxruntime.get_available_providers():
        pytest.skip("this onnxruntime has CUDA")
    with pytest.raises(EdgesrError, match="CUDAExecutionProvider not available"):
        open_runner("onnxruntime", onnx_files["static"], providers=["cuda"])


def test_onnxruntime_truncated_file(onnx_files, tmp_path):
    bad = truncate(onnx_files["static"], tmp_path)
    with pytest.raises(EdgesrError) as info:
        open_runner("onnxruntime", bad)
    assert "bad_model.onnx is not a valid ONNX file (truncated or corrupt?)" in str(info.value)
    assert "re-export the bundle" in str(info.value)


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
def test_litert_matches_torch(tflite_files, crop, reference, kind, layout):
    pytest.importorskip("ai_edge_litert.interpreter", reason="ai-edge-litert not installed")
    with open_runner("litert", tflite_files[kind], threads=2) as runner:
        assert runner.input_metadata().layout == layout
        y = runner.infer(crop)
        assert runner.precision == "fp32"
        assert runner.describe()["version"].startswith(("ai-edge-litert", "tflite-runtime"))
    assert y.shape == reference.shape and y.dtype == np.float32
    assert np.abs(y - reference).max() < 1e-5


def test_litert_dynamic_shape_resizes(tflite_files, tiny):
    pytest.importorskip("ai_edge_litert.interpreter", reason="ai-edge-litert not installed")
    x = np.random.default_rng(1).random((1, 1, 10, 14), dtype=np.float32)
    with TorchRunner(tiny) as ref, open_runner("litert", tflite_files["dynamic"]) as runner:
        assert runner.input_metadata().shape == (1, None, None, 1)
        for shape in [(1, 1, 10, 14), (1, 1, H, W), (1, 1, 10, 14)]:
            x = np.random.default_rng(1).random(shape, dtype=np.float32)
            np.testing.assert_allclose(runner.infer(x), ref.infer(x), atol=1e-5)


def test_litert_int8_io_quantizes_and_dequantizes(tflite_files, crop, reference):
    pytest.importorskip("ai_edge_litert.interpreter", reason="ai-edge-litert not installed")
    with open_runner("litert", tflite_files["int8"], xnnpack=False) as runner:
        assert runner.precision == "int8" and runner.input_metadata().dtype == "int8"
        y = runner.infer(crop)
    assert y.dtype == np.float32
    # input rounding (1/255) through the conv plus output rounding (4/255) bound the error
    assert np.abs(y - np.clip(reference, -128 * 4 / 255, 127 * 4 / 255)).max() < 0.03


def test_quantize_roundtrip():
    x = np.linspace(0, 1, 256, dtype=np.float32)
    q = quantize(x, 1 / 255.0, -128, np.int8)
    assert q.dtype == np.int8 and q.min() == -128 and q.max() == 127
    assert np.abs(dequantize(q, 1 / 255.0, -128) - x).max() < 1e-6
    assert quantize(np.array([5.0], np.float32), 1 / 255.0, -128, np.int8)[0] == 127  # saturates


def test_litert_truncated_file(tflite_files, tmp_path):
    pytest.importorskip("ai_edge_litert.interpreter", reason="ai-edge-litert not installed")
    bad = truncate(tflite_files["nhwc"], tmp_path)
    with pytest.raises(EdgesrError) as info:
        open_runner(None, bad)
    assert "bad_model_nhwc.tflite is not a valid TFLite file (truncated or corrupt?)" in str(info.value)


def test_litert_file_from_litert_torch(tiny, crop, reference, tmp_path):
    litert_torch = pytest.importorskip("litert_torch", reason="litert-torch not installed (optional converter)")
    path = tmp_path / "model.tflite"
    litert_torch.convert(tiny, (torch.from_numpy(crop),)).export(str(path))
    with open_runner(None, path) as runner:
        assert np.abs(runner.infer(crop) - reference).max() < 1e-5


# ------------------------------------------------------------------------------------------------
# TensorRT: the version shim without TensorRT, the runner only where TensorRT and a GPU exist


def test_trt_parse_version_and_choose_api():
    assert trt_compat.parse_version("8.5.2.2") == (8, 5, 2)
    assert trt_compat.parse_version("10.3") == (10, 3, 0)
    with pytest.raises(EdgesrError):
        trt_compat.parse_version("unknown")
    assert trt_compat.choose_api("8.5.2.2", True, True) == "bindings"
    assert trt_compat.choose_api("8.5.2.2", True, True, prefer="tensors") == "tensors"
    assert trt_compat.choose_api("10.0.1", False, True) == "tensors"
    assert trt_compat.choose_api("10.0.1", True, True) == "tensors"
    assert trt_compat.choose_api("8.2.1", False, True) == "tensors"
    with pytest.raises(EdgesrError, match="no bindings API"):
        trt_compat.choose_api("10.0.1", False, True, prefer="bindings")
    with pytest.raises(EdgesrError, match="neither"):
        trt_compat.choose_api("7.1.3", False, False)


def test_trt_shapes_and_dtypes():
    assert trt_compat.resolve_input_shape((1, 1, -1, -1), (1, 1, 540, 960)) == (1, 1, 540, 960)
    assert trt_compat.resolve_input_shape((1, 1, 540, 960), (1, 1, 540, 960)) == (1, 1, 540, 960)
    with pytest.raises(EdgesrError, match="expects input 1x1x540x960, got 1x1x60x80"):
        trt_compat.resolve_input_shape((1, 1, 540, 960), (1, 1, 60, 80))
    with pytest.raises(EdgesrError):
        trt_compat.resolve_input_shape((1, 1, -1), (1, 1, 60, 80))
    assert trt_compat.is_dynamic((1, 1, -1, -1)) and not trt_compat.is_dynamic((1, 1, 5, 5))
    assert trt_compat.numpy_dtype_name("DataType.FLOAT") == "float32"
    assert trt_compat.numpy_dtype_name("DataType.HALF") == "float16"
    with pytest.raises(EdgesrError):
        trt_compat.numpy_dtype_name("DataType.FP8")


class _FakeEngine85(object):
    """The TensorRT 8.5 engine surface the shim uses (bindings API)."""

    num_bindings = 2
    _names = ["input", "output"]
    _shapes = [(1, 1, -1, -1), (1, 1, -1, -1)]

    def get_binding_name(self, i):
        return self._names[i]

    def get_binding_index(self, name):
        return self._names.index(name)

    def binding_is_input(self, i):
        return i == 0

    def get_binding_shape(self, i):
        return self._shapes[i]

    def get_binding_dtype(self, i):
        return "DataType.FLOAT"


class _FakeContext85(object):
    def __init__(self):
        self.shapes, self.calls = {}, []

    def set_binding_shape(self, index, shape):
        self.shapes[index] = shape
        return True

    def get_binding_shape(self, index):
        n, c, h, w = self.shapes[0]
        return self.shapes[0] if index == 0 else (n, c, 2 * h, 2 * w)

    def execute_async_v2(self, bindings, stream_handle):
        self.calls.append((list(bindings), stream_handle))
        return True


class _FakeEngine10(object):
    """The TensorRT 10 engine surface the shim uses (tensor API)."""

    num_io_tensors = 2
    _names = ["output", "input"]  # order is not guaranteed: the shim must use the mode

    def get_tensor_name(self, i):
        return self._names[i]

    def get_tensor_mode(self, name):
        return "IN" if name == "input" else "OUT"

    def get_tensor_shape(self, name):
        return (1, 1, 540, 960) if name == "input" else (1, 1, 1080, 1920)

    def get_tensor_dtype(self, name):
        return "DataType.HALF"


class _FakeContext10(object):
    def __init__(self):
        self.addresses, self.calls = {}, []

    def set_input_shape(self, name, shape):
        return True

    def get_tensor_shape(self, name):
        return (1, 1, 1080, 1920)

    def set_tensor_address(self, name, address):
        self.addresses[name] = address

    def execute_async_v3(self, stream_handle):
        self.calls.append(stream_handle)
        return True


def test_trt_bindings_adapter_with_fake_85():
    fake_trt = types.SimpleNamespace(__version__="8.5.2.2")
    context = _FakeContext85()
    api = trt_compat.make_api(fake_trt, _FakeEngine85(), context)
    assert api.name == "bindings"
    tensors = api.io_tensors()
    assert [(t.name, t.is_input, t.dtype) for t in tensors] == [("input", True, "float32"),
                                                                ("output", False, "float32")]
    api.set_input_shape("input", (1, 1, 60, 80))
    assert api.tensor_shape("output") == (1, 1, 120, 160)
    assert api.execute({"output": 2000, "input": 1000}, 7)
    assert context.calls == [([1000, 2000], 7)]


def test_trt_tensor_adapter_with_fake_10():
    fake_trt = types.SimpleNamespace(__version__="10.3.0", TensorIOMode=types.SimpleNamespace(INPUT="IN"))
    context = _FakeContext10()
    api = trt_compat.make_api(fake_trt, _FakeEngine10(), context)
    assert api.name == "tensors"
    inputs = [t for t in api.io_tensors() if t.is_input]
    assert inputs == [trt_compat.IOTensor("input", True, (1, 1, 540, 960), "float16")]
    assert api.tensor_shape("output") == (1, 1, 1080, 1920)
    assert api.execute({"input": 1000, "output": 2000}, 9)
    assert context.addresses == {"input": 1000, "output": 2000} and context.calls == [9]


def _build_engine(onnx_path, engine_path):
    """Build a TensorRT engine from ONNX with the TensorRT Python API (8.5 and 10.x)."""
    import tensorrt as trt

    logger = trt.Logger(trt.Logger.WARNING)
    builder = trt.Builder(logger)
    flags = 0
    if trt_compat.parse_version(trt.__version__)[0] < 10:
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
def test_tensorrt_matches_torch(engine_file, crop, reference, api):
    with open_runner("tensorrt", engine_file, api=api) as runner:
        y = runner.infer(crop)
        assert runner.describe()["api"] in ("bindings", "tensors")
    assert y.shape == reference.shape
    assert np.abs(y - reference).max() < 1e-3  # TF32 / tactic differences


def test_tensorrt_truncated_engine(engine_file, tmp_path):
    bad = truncate(engine_file, tmp_path)
    with pytest.raises(EdgesrError, match="bad_model.engine is not a valid TensorRT engine"):
        open_runner(None, bad)


def test_runtime_built_for_numpy1_is_reported_not_missing(monkeypatch, tmp_path):
    class NumpyAbiBreak(object):
        def find_spec(self, name, path=None, target=None):
            if name == "tflite_runtime.interpreter":
                raise ImportError("numpy.core.multiarray failed to import")
            return None

    monkeypatch.setitem(sys.modules, "ai_edge_litert", None)
    monkeypatch.setitem(sys.modules, "ai_edge_litert.interpreter", None)
    package = types.ModuleType("tflite_runtime")
    package.__path__ = []  # a package, so the import reaches the finder above
    monkeypatch.setitem(sys.modules, "tflite_runtime", package)
    monkeypatch.setattr(sys, "meta_path", [NumpyAbiBreak()] + sys.meta_path)
    model = tmp_path / "model.tflite"
    model.write_bytes(b"x")
    with pytest.raises(EdgesrError) as info:
        open_runner(None, model)
    assert not isinstance(info.value, MissingBackendError)
    assert "tflite_runtime.interpreter cannot be used with NumPy" in str(info.value)


def test_broken_install_is_not_reported_as_missing(monkeypatch, tmp_path):
    class BrokenOnnxruntime(object):
        def find_spec(self, name, path=None, target=None):
            if name == "onnxruntime":
                raise ImportError("libonnxruntime.so.1: cannot open shared object file")
            return None

    monkeypatch.delitem(sys.modules, "onnxruntime", raising=False)
    monkeypatch.setattr(sys, "meta_path", [BrokenOnnxruntime()] + sys.meta_path)
    model = tmp_path / "model.onnx"
    model.write_bytes(b"x")
    with pytest.raises(EdgesrError, match="onnxruntime is installed but cannot be imported: libonnxruntime") as info:
        open_runner(None, model)
    assert not isinstance(info.value, MissingBackendError)


class _FakeDevice(object):
    """cuda_memory's interface on host arrays: lets the TensorRT runner run without a GPU."""

    version, stream_handle = "fake-cuda", 5

    def __init__(self):
        self.buffers, self.closed = {}, False

    def alloc(self, nbytes):
        address = 1000 + len(self.buffers)
        self.buffers[address] = None
        return address

    def host_empty(self, shape, dtype):
        return np.empty(shape, dtype)

    def htod(self, address, host):
        self.buffers[address] = host.copy()

    def dtoh(self, host, address):
        host[...] = self.buffers[address]

    def synchronize(self):
        pass

    def free_all(self):
        self.buffers = {}

    def close(self):
        self.closed = True


def _fake_tensorrt(device, valid=True):
    """A tensorrt stand-in (10.x tensor API, fp16 I/O, dynamic H/W) whose 'engine' upsamples ×2 (nearest)."""

    class Context(object):
        def __init__(self):
            self.addresses, self.shape = {}, None

        def set_input_shape(self, name, shape):
            self.shape = shape
            return True

        def get_tensor_shape(self, name):
            n, c, h, w = self.shape
            return (n, c, 2 * h, 2 * w) if name == "output" else self.shape

        def set_tensor_address(self, name, address):
            self.addresses[name] = address

        def execute_async_v3(self, stream_handle):
            x = device.buffers[self.addresses["input"]]
            device.buffers[self.addresses["output"]] = x.repeat(2, axis=2).repeat(2, axis=3)
            return True

    class Engine(_FakeEngine10):
        def get_tensor_shape(self, name):
            return (1, 1, -1, -1)

        def create_execution_context(self):
            return Context()

    class Runtime(object):
        def __init__(self, logger):
            pass

        def deserialize_cuda_engine(self, blob):
            return Engine() if valid else None

    class Logger(object):
        WARNING = 2

        def __init__(self, level):
            pass

    return types.SimpleNamespace(__version__="10.3.0", Logger=Logger, Runtime=Runtime,
                                 TensorIOMode=types.SimpleNamespace(INPUT="IN"))


@pytest.mark.parametrize("valid", [True, False])
def test_tensorrt_runner_logic_with_fake_tensorrt(monkeypatch, tmp_path, valid):
    from edgesr_runtime.runners import tensorrt_runner

    device = _FakeDevice()
    monkeypatch.setitem(sys.modules, "tensorrt", _fake_tensorrt(device, valid))
    monkeypatch.setattr(tensorrt_runner, "importable_backend", lambda: "fake-cuda")
    monkeypatch.setattr(tensorrt_runner, "open_memory", lambda prefer, index: device)
    engine = tmp_path / "model.engine"
    engine.write_bytes(b"not really an engine")
    if not valid:
        with pytest.raises(EdgesrError, match="model.engine is not a valid TensorRT engine for tensorrt 10.3.0"):
            open_runner(None, engine)
        assert device.closed
        return
    x = np.random.default_rng(0).random((1, 1, 6, 10), dtype=np.float32)
    with open_runner(None, engine) as runner:
        assert runner.precision == "fp16" and runner.describe()["api"] == "tensors"
        assert runner.input_metadata().shape == (1, 1, None, None)
        for shape in [(1, 1, 6, 10), (1, 1, 3, 4)]:
            x = np.random.default_rng(0).random(shape, dtype=np.float32)
            y = runner.infer(x)
            assert y.dtype == np.float32 and y.shape == (1, 1, 2 * shape[2], 2 * shape[3])
            np.testing.assert_allclose(y, x.repeat(2, axis=2).repeat(2, axis=3), atol=1e-3)  # fp16 I/O
    assert device.closed
