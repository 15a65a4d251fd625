"""Device runners (ONNX Runtime, LiteRT, TensorRT) on the committed fixture bundles and their golden data.

numpy + one runtime only; the same runners against PyTorch on hand-made files are tests/host/test_runners_torch.py.
"""

import json
import sys
import types

import numpy as np
import pytest

from edgesr_runtime.bundle import load_golden
from edgesr_runtime.errors import EdgesrError, MissingBackendError
from edgesr_runtime.runners import available_runtimes, open_runner, runtime_for_path
from edgesr_runtime.runners.base import guess_layout
from edgesr_runtime.runners.litert_runner import dequantize, quantize
from edgesr_runtime.runners import tensorrt_api

from .fixture_bounds import fp32_bound
from .float32_error import UNIT_ROUNDOFF, UNIT_ROUNDOFF_FP16

MAX_CPU, MAX_DYNAMIC, TM_RPI = "eSR-MAX_s2_K3_C1-cpu", "eSR-MAX_s2_K3_C1-onnx", "eSR-TM_s2_K3_C2-rpi"


def golden(fixture_bundles, name):
    """The golden samples of a fixture bundle."""
    return load_golden(str(fixture_bundles / name / "golden.npz"))


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


# ------------------------------------------------------------------------------------------------
# ONNX Runtime


@pytest.fixture
def onnx_files(fixture_bundles, need):
    need("onnxruntime")
    return {"static": fixture_bundles / MAX_CPU / "model.onnx", "dynamic": fixture_bundles / MAX_DYNAMIC / "model.onnx"}


@pytest.mark.parametrize("kind, bundle", [("static", MAX_CPU), ("dynamic", MAX_DYNAMIC)])
def test_onnxruntime_matches_golden(onnx_files, fixture_bundles, kind, bundle):
    samples = golden(fixture_bundles, bundle)
    with open_runner("onnxruntime", onnx_files[kind], threads=1) as runner:
        meta = runner.input_metadata()
        assert meta.layout == "NCHW" and meta.dtype == "float"
        assert runner.describe()["providers"] == ["CPUExecutionProvider"]
        assert runner.precision == "fp32" and runner.threads == 1
        for sample in samples:  # the dynamic bundle holds an odd-size sample too
            y = runner.infer(sample.input)
            assert y.shape == sample.output.shape and y.dtype == np.float32
            assert np.abs(y - sample.output).max() <= fp32_bound(bundle)  # ORT re-orders the float32 sums
    if kind == "dynamic":
        assert len({s.shape for s in samples}) > 1


def test_onnxruntime_static_shape_mismatch_is_clear(onnx_files):
    with open_runner(None, onnx_files["static"]) as runner:
        with pytest.raises(EdgesrError, match="expects input 1x1x12x16"):
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
# LiteRT


@pytest.mark.parametrize("bundle, file_name, layout", [(MAX_CPU, "model_fp32.tflite", "NHWC"),
                                                       (TM_RPI, "model_fp32.tflite", "NHWC")])
def test_litert_matches_golden(fixture_bundles, need, bundle, file_name, layout):
    need("litert")
    with open_runner("litert", fixture_bundles / bundle / file_name, threads=2) as runner:
        assert runner.input_metadata().layout == layout
        assert runner.precision == "fp32"
        assert runner.describe()["version"].startswith(("ai-edge-litert", "tflite-runtime"))
        for sample in golden(fixture_bundles, bundle):
            y = runner.infer(sample.input)
            assert y.shape == sample.output.shape and y.dtype == np.float32
            assert np.abs(y - sample.output).max() <= fp32_bound(bundle)  # LiteRT re-orders the float32 sums


def test_litert_reduced_precision_within_its_recorded_tolerance(fixture_bundles, need):
    need("litert")
    manifest = json.loads((fixture_bundles / TM_RPI / "manifest.json").read_text())
    image = [s for s in golden(fixture_bundles, TM_RPI) if s.kind == "image"][0]
    for artifact in manifest["artifacts"]:
        if artifact["runtime"] != "litert" or artifact["precision"] == "fp32":
            continue
        with open_runner("litert", fixture_bundles / TM_RPI / artifact["file"]) as runner:
            y = runner.infer(image.input)
        psnr = 10 * np.log10(1.0 / np.mean((y.astype(np.float64) - image.output) ** 2))
        assert psnr >= artifact["parity"]["tolerance"]["min_psnr_db"], artifact["name"]


def test_quantize_roundtrip():
    x = np.linspace(0, 1, 256, dtype=np.float32)
    q = quantize(x, 1 / 255.0, -128, np.int8)
    assert q.dtype == np.int8 and q.min() == -128 and q.max() == 127
    # q - zp is an exact integer k; float32(1/255), k·s and x = float32(k/255) each round once (u relative, |x| <= 1)
    assert np.abs(dequantize(q, 1 / 255.0, -128) - x).max() <= 3 * UNIT_ROUNDOFF
    assert quantize(np.array([5.0], np.float32), 1 / 255.0, -128, np.int8)[0] == 127  # saturates


def test_litert_truncated_file(fixture_bundles, need, tmp_path):
    need("litert")
    bad = truncate(fixture_bundles / MAX_CPU / "model_fp32.tflite", tmp_path)
    with pytest.raises(EdgesrError) as info:
        open_runner(None, bad)
    message = str(info.value)  # one clear line either way: ai-edge-litert's verifier refuses the file,
    # tflite-runtime 2.14 (Python 3.8) parses what is left and fails when it prepares the graph
    assert ("bad_model_fp32.tflite is not a valid TFLite file (truncated or corrupt?)" in message
            or "LiteRT cannot prepare bad_model_fp32.tflite" in message), message


# ------------------------------------------------------------------------------------------------
# TensorRT: the version shim without TensorRT, the runner only where TensorRT and a GPU exist


def test_trt_parse_version_and_choose_api():
    assert tensorrt_api.parse_version("8.5.2.2") == (8, 5, 2)
    assert tensorrt_api.parse_version("10.3") == (10, 3, 0)
    with pytest.raises(EdgesrError):
        tensorrt_api.parse_version("unknown")
    assert tensorrt_api.choose_api("8.5.2.2", True, True) == "bindings"
    assert tensorrt_api.choose_api("8.5.2.2", True, True, prefer="tensors") == "tensors"
    assert tensorrt_api.choose_api("10.0.1", False, True) == "tensors"
    assert tensorrt_api.choose_api("10.0.1", True, True) == "tensors"
    assert tensorrt_api.choose_api("8.2.1", False, True) == "tensors"
    with pytest.raises(EdgesrError, match="no bindings API"):
        tensorrt_api.choose_api("10.0.1", False, True, prefer="bindings")
    with pytest.raises(EdgesrError, match="neither"):
        tensorrt_api.choose_api("7.1.3", False, False)


def test_trt_shapes_and_dtypes():
    assert tensorrt_api.resolve_input_shape((1, 1, -1, -1), (1, 1, 540, 960)) == (1, 1, 540, 960)
    assert tensorrt_api.resolve_input_shape((1, 1, 540, 960), (1, 1, 540, 960)) == (1, 1, 540, 960)
    with pytest.raises(EdgesrError, match="expects input 1x1x540x960, got 1x1x60x80"):
        tensorrt_api.resolve_input_shape((1, 1, 540, 960), (1, 1, 60, 80))
    with pytest.raises(EdgesrError):
        tensorrt_api.resolve_input_shape((1, 1, -1), (1, 1, 60, 80))
    assert tensorrt_api.is_dynamic((1, 1, -1, -1)) and not tensorrt_api.is_dynamic((1, 1, 5, 5))
    assert tensorrt_api.numpy_dtype_name("DataType.FLOAT") == "float32"
    assert tensorrt_api.numpy_dtype_name("DataType.HALF") == "float16"
    with pytest.raises(EdgesrError):
        tensorrt_api.numpy_dtype_name("DataType.FP8")


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
    api = tensorrt_api.make_api(fake_trt, _FakeEngine85(), context)
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
    api = tensorrt_api.make_api(fake_trt, _FakeEngine10(), context)
    assert api.name == "tensors"
    inputs = [t for t in api.io_tensors() if t.is_input]
    assert inputs == [tensorrt_api.IOTensor("input", True, (1, 1, 540, 960), "float16")]
    assert api.tensor_shape("output") == (1, 1, 1080, 1920)
    assert api.execute({"input": 1000, "output": 2000}, 9)
    assert context.addresses == {"input": 1000, "output": 2000} and context.calls == [9]


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
    monkeypatch.delitem(sys.modules, "tflite_runtime.interpreter", raising=False)  # imported by an earlier test
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
            # fp16 I/O: x in [0, 1) rounds to float16 within half its ulp, at most 2^-11
            np.testing.assert_allclose(y, x.repeat(2, axis=2).repeat(2, axis=3), atol=UNIT_ROUNDOFF_FP16, rtol=0)
    assert device.closed
