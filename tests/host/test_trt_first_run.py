"""The Jetson first run, with stand-ins for tensorrt / pycuda / cuda-python (none of them is needed here).

Each test covers one failure found by reading TensorRT 8.5 / 10.x and pycuda: a CUDA init failure,
cuda-python's 11.x module layout, a foreign timing cache, TF32 in FP32 engines, the deprecated
binding lookup inside the timed loop, BF16 I/O and a CUDA context left pushed, the board model
inside Docker. Needs only numpy and edgesr_runtime.
"""

import sys
import types
import warnings

import pytest

from edgesr_runtime import build_engine as build_mod
from edgesr_runtime.errors import EdgesrError, MissingBackendError
from edgesr_runtime.power.boards import BOARD_ENV, board_total, read_board_model
from edgesr_runtime.runners import cuda_memory, tensorrt_api
from edgesr_runtime.runners._imports import INSTALL_HINTS
from edgesr_runtime.runners.tensorrt_runner import TensorRTRunner
from edgesr_runtime.tensorrt_engine import attach_timing_cache, disable_tf32, gpu_properties

CUDA_MODULES = ("pycuda", "pycuda.driver", "cuda", "cuda.bindings", "cuda.bindings.runtime", "cuda.cudart")


@pytest.fixture()
def no_cuda(monkeypatch):
    """Neither pycuda nor cuda-python importable (even on a machine that has them)."""
    for name in CUDA_MODULES:
        monkeypatch.setitem(sys.modules, name, None)
    return monkeypatch


class FakeContext(object):
    def __init__(self, log):
        self.log = log

    def push(self):
        self.log.append("push")

    def pop(self):
        self.log.append("pop")


def fake_pycuda(monkeypatch, init_error=None, stream_error=None, name="Xavier", capability=(7, 2)):
    """Install a stand-in ``pycuda.driver``; returns the list of context pushes/pops it records."""
    log = []
    driver = types.ModuleType("pycuda.driver")

    def init():
        if init_error is not None:
            raise init_error

    class Device(object):
        def __init__(self, index):
            pass

        def name(self):
            return name

        def compute_capability(self):
            return capability

        def retain_primary_context(self):
            return FakeContext(log)

    def stream():
        if stream_error is not None:
            raise stream_error
        return types.SimpleNamespace(handle=0, synchronize=lambda: None)

    driver.init, driver.Device, driver.Stream = init, Device, stream
    package = types.ModuleType("pycuda")
    package.__version__, package.driver = "2024.1", driver
    monkeypatch.setitem(sys.modules, "pycuda", package)
    monkeypatch.setitem(sys.modules, "pycuda.driver", driver)
    return log


def fake_cudart(monkeypatch, name=b"Xavier\x00", error=0):
    """Install cuda-python 11.x's ``cuda.cudart`` only (no ``cuda.bindings``)."""
    cudart = types.ModuleType("cuda.cudart")
    props = types.SimpleNamespace(name=name, major=7, minor=2)
    cudart.cudaGetDeviceProperties = lambda device: (error, props)
    monkeypatch.setitem(sys.modules, "cuda.cudart", cudart)


# -- pycuda install line and CUDA failures -------------------------------------------------------


def test_missing_cuda_bindings_hint_puts_nvcc_on_path(no_cuda):
    with pytest.raises(MissingBackendError) as err:
        gpu_properties()
    assert err.value.fix == INSTALL_HINTS["cuda"]
    assert "PATH=/usr/local/cuda/bin:$PATH" in err.value.fix and "CUDA_ROOT=/usr/local/cuda" in err.value.fix
    assert "pip3 install" in INSTALL_HINTS["tensorrt"] and "/usr/local/cuda/bin" in INSTALL_HINTS["tensorrt"]


def test_cuda_init_failure_is_an_error_line_not_a_traceback(no_cuda):
    fake_pycuda(no_cuda, init_error=RuntimeError("cuInit failed: no CUDA-capable device is detected"))
    with pytest.raises(EdgesrError) as err:
        gpu_properties()
    assert not isinstance(err.value, MissingBackendError)
    assert "pycuda: cuInit failed: no CUDA-capable device" in err.value.problem
    assert "--runtime nvidia" in err.value.fix


def test_cuda_python_11_layout_is_found_after_a_pycuda_failure(no_cuda):
    fake_pycuda(no_cuda, init_error=RuntimeError("cuInit failed"))
    fake_cudart(no_cuda)
    assert gpu_properties() == {"gpu": "Xavier", "compute_capability": "7.2"}


def test_cuda_python_error_code_is_reported(no_cuda):
    fake_cudart(no_cuda, error=100)
    with pytest.raises(EdgesrError, match=r"cuda-python: cudaGetDeviceProperties returned 100"):
        gpu_properties()


def test_pycuda_answers_first(no_cuda):
    fake_pycuda(no_cuda, name="Orin", capability=(8, 7))
    assert gpu_properties() == {"gpu": "Orin", "compute_capability": "8.7"}


# -- the builder ---------------------------------------------------------------------------------


class CacheConfig(object):
    """IBuilderConfig's timing-cache surface; ``mode`` picks how a foreign cache is refused."""

    def __init__(self, mode):
        self.mode, self.cache = mode, None

    def create_timing_cache(self, data):
        if data and self.mode == "raises":
            raise RuntimeError("Error Code 1: Serialization (timing cache version mismatch)")
        if data and self.mode == "none":
            return None
        return types.SimpleNamespace(data=bytes(data))

    def set_timing_cache(self, cache, ignore_mismatch):
        if cache.data and self.mode == "refused":
            return False
        self.cache = cache
        return True


@pytest.mark.parametrize("mode, reason", [("raises", "timing cache version mismatch"), ("none", "TensorRT refused"),
                                          ("refused", "TensorRT refused")])
def test_foreign_timing_cache_gives_a_fresh_cache_and_a_note(mode, reason):
    config = CacheConfig(mode)
    reused, note = attach_timing_cache(config, b"cache from TensorRT 10.3 on an Orin")
    assert reused is False and config.cache.data == b""
    assert note.startswith("timing cache ignored (") and reason in note and "fresh one" in note


def test_matching_or_absent_timing_cache_has_no_note():
    config = CacheConfig("refused")
    assert attach_timing_cache(config, b"") == (False, None) and config.cache.data == b""
    config = CacheConfig("ok")
    assert attach_timing_cache(config, b"mine") == (True, None) and config.cache.data == b"mine"


class FlagConfig(object):
    def __init__(self):
        self.flags = {"TF32"}  # TensorRT's default

    def clear_flag(self, flag):
        self.flags.discard(flag)


def test_tf32_is_cleared_when_the_flag_exists():
    config = FlagConfig()
    assert disable_tf32(types.SimpleNamespace(BuilderFlag=types.SimpleNamespace(TF32="TF32")), config) is True
    assert config.flags == set()
    assert disable_tf32(types.SimpleNamespace(BuilderFlag=types.SimpleNamespace()), FlagConfig()) is False


def test_engine_is_kept_when_the_timing_cache_cannot_be_written(tmp_path):
    from test_trt_compat import XAVIER, fake_trt

    onnx = tmp_path / "model.onnx"
    onnx.write_bytes(b"\x08\x08fake onnx")
    engine = tmp_path / "model_fp32.engine"
    unwritable = tmp_path / "cache-dir"
    unwritable.mkdir()  # a folder: opening it for writing fails
    notes = []
    meta = build_mod.build_engine(onnx, engine, fp16=False, timing_cache=str(unwritable), trt=fake_trt(),
                                  gpu=XAVIER, log=notes.append)
    assert engine.is_file() and meta["precision"] == "fp32" and meta["bytes"] == engine.stat().st_size
    assert any(n.startswith("timing cache not saved to %s" % unwritable) for n in notes)


# -- the runner ----------------------------------------------------------------------------------


class DeprecatedEngine85(object):
    """TensorRT 8.5: get_binding_index warns (DeprecationWarning) on every call."""

    num_bindings = 2
    names = ["input", "output"]
    dtype = "DataType.FLOAT"

    def __init__(self):
        self.index_calls = 0

    def get_binding_name(self, i):
        return self.names[i]

    def get_binding_index(self, name):
        self.index_calls += 1
        warnings.warn("Use get_tensor_name instead.", DeprecationWarning)
        return self.names.index(name)

    def binding_is_input(self, i):
        return i == 0

    def get_binding_shape(self, i):
        return (1, 1, 6, 8) if i == 0 else (1, 1, 12, 16)

    def get_binding_dtype(self, i):
        return self.dtype


class Context85(object):
    def __init__(self):
        self.calls = []

    def set_binding_shape(self, index, shape):
        return True

    def get_binding_shape(self, index):
        return (1, 1, 6, 8) if index == 0 else (1, 1, 12, 16)

    def execute_async_v2(self, bindings, stream_handle):
        self.calls.append(list(bindings))
        return True


def test_bindings_are_resolved_once_outside_the_timed_loop():
    engine, context = DeprecatedEngine85(), Context85()
    api = tensorrt_api.make_api(types.SimpleNamespace(__version__="8.5.2.2"), engine, context)
    assert api.name == "bindings"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        api.io_tensors()
        api.set_input_shape("input", (1, 1, 6, 8))
        assert api.tensor_shape("output") == (1, 1, 12, 16)
        for _ in range(100):
            assert api.execute({"output": 20, "input": 10}, 0)
    assert engine.index_calls == 0 and context.calls[-1] == [10, 20] and len(context.calls) == 100


def test_bf16_io_is_refused_with_the_fix():
    with pytest.raises(EdgesrError, match=r"BF16 inputs/outputs, which numpy cannot hold.*float16 I/O"):
        tensorrt_api.numpy_dtype_name("DataType.BF16")


def fake_tensorrt(monkeypatch, engine):
    trt = types.ModuleType("tensorrt")
    trt.__version__ = "8.5.2.2"
    trt.Logger = type("Logger", (), {"WARNING": 2, "__init__": lambda self, level: None})
    runtime = types.SimpleNamespace(deserialize_cuda_engine=lambda blob: engine)
    trt.Runtime = lambda logger: runtime
    monkeypatch.setitem(sys.modules, "tensorrt", trt)
    return trt


def test_context_is_popped_when_loading_fails_after_the_push(no_cuda, tmp_path):
    log = fake_pycuda(no_cuda)
    engine = DeprecatedEngine85()
    engine.dtype = "DataType.BF16"
    engine.create_execution_context = Context85
    fake_tensorrt(no_cuda, engine)
    path = tmp_path / "model_fp16.engine"
    path.write_bytes(b"engine bytes")
    with pytest.raises(EdgesrError, match="BF16"):
        TensorRTRunner(path, memory="pycuda").load()
    assert log == ["push", "pop"]


def test_context_is_popped_when_stream_creation_fails(no_cuda):
    log = fake_pycuda(no_cuda, stream_error=RuntimeError("out of memory"))
    with pytest.raises(EdgesrError, match="out of memory"):
        cuda_memory.open_memory("pycuda")
    assert log == ["push", "pop"]


def test_runner_round_trip_pushes_and_pops_once(no_cuda, tmp_path):
    log = fake_pycuda(no_cuda)
    engine = DeprecatedEngine85()
    engine.create_execution_context = Context85
    fake_tensorrt(no_cuda, engine)
    path = tmp_path / "model_fp32.engine"
    path.write_bytes(b"engine bytes")
    with TensorRTRunner(path, memory="pycuda") as runner:
        assert runner.describe()["api"] == "bindings" and runner.input_metadata().shape == (1, 1, 6, 8)
    assert log == ["push", "pop"]


# -- the board inside Docker ---------------------------------------------------------------------


def test_board_model_from_the_soc_bus_when_the_device_tree_is_masked(tmp_path):
    soc = tmp_path / "sys" / "devices" / "soc0"
    soc.mkdir(parents=True)
    (soc / "machine").write_text("Jetson-AGX\n")
    assert read_board_model(str(tmp_path), environ={}) == "Jetson-AGX"
    assert read_board_model(str(tmp_path), environ={BOARD_ENV: "NVIDIA Jetson Xavier NX"}) == "NVIDIA Jetson Xavier NX"


def test_unknown_board_says_where_it_looked_and_how_to_fix_it(tmp_path):
    assert read_board_model(str(tmp_path), environ={}) is None
    rails, board, note = board_total(None, ["GPU", "CPU"])
    assert rails == ("GPU", "CPU") and board is None
    assert "/proc/device-tree/model" in note and "/sys/devices/soc0/machine" in note
    assert "masked" in note and BOARD_ENV in note and "may double count" in note
