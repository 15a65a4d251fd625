"""A real TensorRT engine build + parity check; runs only where TensorRT and a CUDA GPU exist (Jetson, GPU CI)."""

import pytest

from edgesr_runtime.errors import EdgesrError, MissingBackendError


@pytest.fixture(scope="module")
def gpu():
    pytest.importorskip("tensorrt", reason="TensorRT is not installed here (JetPack: apt install python3-libnvinfer)")
    from edgesr_runtime.tensorrt_engine import gpu_properties

    try:
        return gpu_properties()
    except (MissingBackendError, EdgesrError) as err:
        pytest.skip("no usable CUDA GPU: %s" % err)


@pytest.mark.parametrize("model_id", ["eSR-TM_s2_K7_C16", "FSRCNN_s2_D56_S12_M4"])
def test_fp16_engine_builds_and_passes_parity(model_id, gpu, tmp_path, shared_weights):
    from edgesr.exporting import export_zoo_model
    from edgesr_runtime import bundle as bundle_io
    from edgesr_runtime.build_engine import build_bundle_engine
    from edgesr_runtime.check import PASS

    report = export_zoo_model(model_id, "jetson", tmp_path, {"resolution": "96x72"}, weights_dir=shared_weights)
    entry, result = build_bundle_engine(report.path, workspace_mb=256)
    assert result["status"] == PASS, result
    assert entry["engine"]["gpu"] == gpu["gpu"]
    assert bundle_io.verify_bundle(report.path)["files"][entry["file"]]["bytes"] > 0
