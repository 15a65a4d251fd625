"""TensorRT build shim and engine sidecar, tested with stand-ins for the 8.5 and 10.x Python APIs (no TensorRT)."""

import json
import types

import pytest

from edgesr_runtime import bundle as bundle_io
from edgesr_runtime import check as check_mod
from edgesr_runtime.build_engine import build_bundle_engine, build_engine
from edgesr_runtime.errors import EdgesrError
from edgesr_runtime.tensorrt_engine import (attach_timing_cache, check_engine, enable_fp16, load_engine_bytes,
                                            network_flags, platform_problems, read_engine_metadata, set_workspace)

XAVIER = {"gpu": "Xavier", "compute_capability": "7.2"}


class FakeConfig(object):
    """IBuilderConfig of TensorRT 8.5+/10.x (set_memory_pool_limit)."""

    def __init__(self):
        self.flags, self.pool, self.cache = {"TF32"}, {}, None  # TensorRT enables TF32 by default

    def set_flag(self, flag):
        self.flags.add(flag)

    def clear_flag(self, flag):
        self.flags.discard(flag)

    def set_memory_pool_limit(self, pool, size):
        self.pool[pool] = size

    def create_timing_cache(self, data):
        return types.SimpleNamespace(data=bytes(data), serialize=lambda: b"timing-cache-" + self.version.encode())

    def set_timing_cache(self, cache, ignore_mismatch):
        if cache.data and not cache.data.startswith(b"timing-cache-" + self.version.encode()):
            return False
        self.cache = cache
        return True

    def get_timing_cache(self):
        return self.cache


class FakeOldConfig(FakeConfig):
    """TensorRT < 8.4: only max_workspace_size."""

    set_memory_pool_limit = None
    max_workspace_size = 0


def fake_trt(version="8.5.2.2", fast_fp16=True, has_fp16_flag=True, old_config=False, parse_errors=(),
             input_shape=(1, 1, 36, 48)):
    """A stand-in ``tensorrt`` module with the parts build_engine uses."""
    trt = types.SimpleNamespace(__version__=version)
    trt.Logger = type("Logger", (), {"WARNING": 2, "__init__": lambda self, level: None})
    trt.NetworkDefinitionCreationFlag = types.SimpleNamespace(EXPLICIT_BATCH=0)
    trt.BuilderFlag = types.SimpleNamespace(FP16="FP16", TF32="TF32") if has_fp16_flag else types.SimpleNamespace()
    if not old_config:
        trt.MemoryPoolType = types.SimpleNamespace(WORKSPACE="WORKSPACE")
    network = types.SimpleNamespace(num_inputs=1, get_input=lambda i: types.SimpleNamespace(shape=input_shape),
                                    flags=None)

    class Builder(object):
        platform_has_fast_fp16 = fast_fp16

        def __init__(self, logger):
            pass

        def create_network(self, flags):
            network.flags = flags
            return network

        def create_builder_config(self):
            config = (FakeOldConfig if old_config else FakeConfig)()
            config.version = version
            trt.last_config = config
            return config

        def build_serialized_network(self, net, config):
            facts = {"flags": sorted(config.flags), "pool": config.pool,
                     "max_workspace_size": getattr(config, "max_workspace_size", None), "net_flags": net.flags}
            return b"ENGINE" + json.dumps(facts).encode()

    class OnnxParser(object):
        def __init__(self, net, logger):
            self.num_errors = len(parse_errors)

        def parse(self, data):
            return not parse_errors and data.startswith(b"\x08")  # an ONNX ModelProto starts with ir_version

        def get_error(self, i):
            return parse_errors[i]

    trt.Builder, trt.OnnxParser = Builder, OnnxParser
    return trt


# -- shim ----------------------------------------------------------------------------------------


def test_explicit_batch_flag_on_8x_only():
    assert network_flags(fake_trt("8.5.2.2")) == 1
    assert network_flags(fake_trt("10.3.0.26")) == 0


def test_workspace_uses_the_memory_pool_api_when_present():
    trt = fake_trt()
    config = FakeConfig()
    assert set_workspace(trt, config, 512) == "set_memory_pool_limit"
    assert config.pool == {"WORKSPACE": 512 << 20}
    old = fake_trt(old_config=True)
    config = FakeOldConfig()
    assert set_workspace(old, config, 256) == "max_workspace_size"
    assert config.max_workspace_size == 256 << 20


def test_fp16_is_never_silently_dropped():
    trt = fake_trt(fast_fp16=False)
    with pytest.raises(EdgesrError, match="no fast FP16.*--no-fp16"):
        enable_fp16(trt, trt.Builder(None), FakeConfig())
    trt = fake_trt("11.0.0", has_fp16_flag=False)
    with pytest.raises(EdgesrError, match="strongly typed"):
        enable_fp16(trt, trt.Builder(None), FakeConfig())


def test_stale_timing_cache_is_replaced():
    config = FakeConfig()
    config.version = "8.5.2.2"
    assert attach_timing_cache(config, b"timing-cache-8.5.2.2") == (True, None)
    reused, note = attach_timing_cache(config, b"timing-cache-10.0")
    assert reused is False and "timing cache ignored" in note
    assert config.cache.data == b""


def test_platform_problems():
    built = dict(XAVIER, tensorrt="8.5.2.2")
    assert platform_problems(built, dict(XAVIER, tensorrt="8.5.2.2")) == []
    assert platform_problems(built, dict(XAVIER, tensorrt="8.5.2.1")) == []  # build number only
    problems = platform_problems(built, {"tensorrt": "10.3.0", "gpu": "Orin", "compute_capability": "8.7"})
    assert len(problems) == 3 and "TensorRT 8.5.2.2, this machine has 10.3.0" in problems[0]


# -- building and reading engines ----------------------------------------------------------------


@pytest.fixture()
def onnx_file(tmp_path):
    path = tmp_path / "model.onnx"
    path.write_bytes(b"\x08\x08" + b"fake onnx model")
    return path


@pytest.mark.parametrize("version, flags, api", [("8.5.2.2", 1, "set_memory_pool_limit"),
                                                 ("10.3.0.26", 0, "set_memory_pool_limit")])
def test_build_engine_writes_engine_and_sidecar(onnx_file, tmp_path, version, flags, api):
    trt = fake_trt(version)
    engine = tmp_path / "model_fp16.engine"
    meta = build_engine(onnx_file, engine, fp16=True, workspace_mb=64, timing_cache=str(tmp_path / "timing.cache"),
                        trt=trt, gpu=XAVIER)
    facts = json.loads(engine.read_bytes()[len(b"ENGINE"):])
    assert facts["flags"] == ["FP16", "TF32"] and facts["net_flags"] == flags and facts["pool"] == {"WORKSPACE": 64 << 20}
    assert meta["tensorrt"] == version and meta["gpu"] == "Xavier" and meta["compute_capability"] == "7.2"
    assert meta["precision"] == "fp16" and meta["sha256"] == bundle_io.sha256_file(engine)
    assert read_engine_metadata(engine) == meta
    assert (tmp_path / "timing.cache").read_bytes() == b"timing-cache-" + version.encode()
    again = build_engine(onnx_file, engine, trt=trt, gpu=XAVIER, timing_cache=str(tmp_path / "timing.cache"))
    assert again["timing_cache_reused"] is True


def test_build_engine_on_old_tensorrt_uses_max_workspace_size(onnx_file, tmp_path):
    engine = tmp_path / "model_fp32.engine"
    build_engine(onnx_file, engine, fp16=False, workspace_mb=32, trt=fake_trt("8.2.1", old_config=True), gpu=XAVIER)
    facts = json.loads(engine.read_bytes()[len(b"ENGINE"):])
    assert facts["flags"] == [] and facts["max_workspace_size"] == 32 << 20  # TF32 cleared for FP32


def test_parser_errors_are_listed(onnx_file, tmp_path):
    trt = fake_trt(parse_errors=("In node 3 (importReduceMax): UNSUPPORTED_NODE",))
    with pytest.raises(EdgesrError, match="cannot parse the ONNX: In node 3.*opset 17"):
        build_engine(onnx_file, tmp_path / "m.engine", trt=trt, gpu=XAVIER)


def test_dynamic_onnx_is_refused(onnx_file, tmp_path):
    with pytest.raises(EdgesrError, match="dynamic dims"):
        build_engine(onnx_file, tmp_path / "m.engine", trt=fake_trt(input_shape=(1, 1, -1, -1)), gpu=XAVIER)


@pytest.fixture()
def engine(onnx_file, tmp_path):
    path = tmp_path / "model_fp16.engine"
    build_engine(onnx_file, path, trt=fake_trt("8.5.2.2"), gpu=XAVIER)
    return path


def test_matching_engine_loads(engine):
    current = dict(XAVIER, tensorrt="8.5.2.2")
    assert check_engine(engine, current)["sha256"] == bundle_io.sha256_file(engine)
    assert load_engine_bytes(engine, current).startswith(b"ENGINE")


@pytest.mark.parametrize("current, message", [
    ({"tensorrt": "10.3.0", "gpu": "Xavier", "compute_capability": "7.2"},
     "built with TensorRT 8.5.2.2, this machine has 10.3.0"),
    ({"tensorrt": "8.5.2.2", "gpu": "Orin", "compute_capability": "8.7"}, "built for compute capability 7.2"),
])
def test_mismatched_engine_is_refused_before_tensorrt_sees_it(engine, current, message):
    with pytest.raises(EdgesrError, match=message) as err:
        check_engine(engine, current)
    assert "rebuild it on this device" in str(err.value)


def test_replaced_engine_or_missing_sidecar_is_refused(engine):
    current = dict(XAVIER, tensorrt="8.5.2.2")
    engine.write_bytes(engine.read_bytes()[:-3])
    with pytest.raises(EdgesrError, match="does not match the sha256"):
        check_engine(engine, current)
    (engine.parent / (engine.name + ".json")).unlink()
    with pytest.raises(EdgesrError, match="has no metadata file"):
        check_engine(engine, current)


def test_sidecar_with_another_schema_is_refused(engine):
    sidecar = engine.parent / (engine.name + ".json")
    sidecar.write_text(json.dumps({"schema": "something/9"}))
    with pytest.raises(EdgesrError, match="schema"):
        read_engine_metadata(engine)


# -- a jetson bundle -----------------------------------------------------------------------------


@pytest.fixture()
def jetson_bundle(tmp_path, shared_weights):
    from edgesr.exporting import export_zoo_model

    report = export_zoo_model("Bicubic_s2", "jetson", tmp_path, {"resolution": "96x72"}, weights_dir=shared_weights)
    return report.path


def test_build_bundle_engine_records_the_engine(jetson_bundle):
    entry, result = build_bundle_engine(jetson_bundle, workspace_mb=64, trt=fake_trt(), gpu=XAVIER, run_check=False)
    assert result is None and entry["status"] == "built" and entry["engine"]["tensorrt"] == "8.5.2.2"
    manifest = bundle_io.verify_bundle(jetson_bundle)  # the engine and its sidecar are hashed now
    assert {"model_fp16.engine", "model_fp16.engine.json"} <= set(manifest["files"])
    _, results = check_mod.check_bundle(jetson_bundle)
    engine = next(r for r in results if r["artifact"] == "tensorrt-fp16")
    assert engine["status"] == check_mod.SKIP and "TensorRT is not installed" in engine["reason"]


def test_no_fp16_builds_an_fp32_engine_entry(jetson_bundle):
    entry, _ = build_bundle_engine(jetson_bundle, fp16=False, trt=fake_trt(), gpu=XAVIER, run_check=False)
    assert entry["name"] == "tensorrt-fp32" and entry["file"] == "model_fp32.engine"
    names = [a["name"] for a in bundle_io.load_manifest(jetson_bundle)["artifacts"]]
    assert names == ["onnx-fp32", "tensorrt-fp16", "tensorrt-fp32"]


def test_fp16_build_refused_when_the_range_check_failed(jetson_bundle):
    manifest = bundle_io.load_manifest(jetson_bundle)
    manifest["fp16_check"].update(passed=False, summary="1 tensor(s) above 65504 (/Mul_output_0)")
    bundle_io.save_manifest(jetson_bundle, manifest)
    with pytest.raises(EdgesrError, match="FP16 check flagged this model: 1 tensor"):
        build_bundle_engine(jetson_bundle, trt=fake_trt(), gpu=XAVIER, run_check=False)
    entry, _ = build_bundle_engine(jetson_bundle, trt=fake_trt(), gpu=XAVIER, run_check=False,
                                   ignore_fp16_check=True)
    assert entry["status"] == "built"


def test_fp16_scan_flags_overflow():
    from edgesr_export.fp16_scan import report

    ok = report({"conv": (140.0, False)}, 2)
    assert ok["passed"] and "below the FP16 maximum" in ok["summary"]
    bad = report({"conv": (7e4, False), "softmax": (1.0, True)}, 2)
    assert not bad["passed"] and bad["overflow"] == ["conv"] and bad["nonfinite"] == ["softmax"]
