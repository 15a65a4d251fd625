"""ONNX Runtime session options recorded per artifact: one-layer graphs run without ORT's layout transform.

The rule (``onnx_export.ort_runner_options``) reads the exported graph; the manifest carries it as the
onnx-fp32 artifact's ``runner_options``; the device check and the harness open the artifact with it.
"""

import json
import os

import onnx
import pytest

from edgesr.exporting import export_zoo_model
from edgesr_export.onnx_export import ort_runner_options
from edgesr_runtime import bundle as bundle_io
from edgesr_runtime.check import check_bundle, exit_code
from edgesr_runtime.errors import EdgesrError
from edgesr_runtime.harness import MeasureRequest, measure_bundle
from edgesr_runtime.runners import artifact_options
from edgesr_runtime.runners.onnxruntime_runner import OnnxRuntimeRunner

RESOLUTION = "96x72"


def _onnx_artifact(tmp_path, model_id, shared_weights, graph="optimised"):
    report = export_zoo_model(model_id, "onnx", tmp_path, {"resolution": RESOLUTION, "graph": graph},
                              weights_dir=shared_weights)
    assert report.valid, report.artifacts
    return report.path, bundle_io.load_manifest(report.path)["artifacts"][0]


@pytest.mark.parametrize("model_id, expected", [
    ("eSR-TM_s2_K3_C2", {"optimization": "extended"}),  # value and key convs read the one luma channel
    ("eSR-MAX_s3_K3_C4", {"optimization": "extended"}),
    ("eSR-CNN_s2_C2_D1_S3", {"optimization": "extended"}),  # widest convolution input: 3 channels
    ("FSRCNN_s2_D6_S1_M1", {"optimization": "extended"}),  # 6
    ("eSR-CNN_s2_C2_D9_S15", {}),  # its attention convs read 15 channels (> NARROW_CONVOLUTION_INPUT)
    ("ESPCN_s2_D4_S32", {}),  # 32
])
def test_rule_follows_the_widest_convolution_input(tmp_path, shared_weights, model_id, expected):
    path, artifact = _onnx_artifact(tmp_path, model_id, shared_weights)
    assert ort_runner_options(onnx.load(str(bundle_io.artifact_file(path, artifact)))) == expected
    assert artifact.get("runner_options", {}) == expected


def test_check_and_harness_open_the_artifact_with_its_recorded_level(tmp_path, shared_weights):
    path, artifact = _onnx_artifact(tmp_path, "eSR-MAX_s2_K3_C2", shared_weights)
    assert artifact_options(artifact) == {"optimization": "extended"}
    _, results = check_bundle(str(path))
    assert exit_code(results) == 0, results
    result = measure_bundle(str(path), MeasureRequest(runtime="onnxruntime", duration_s=0.05, warmup_ms=0,
                                                      iterations=2, frames=1))
    assert result.to_dict()["runner"]["optimization"] == "extended"
    # a request's own option wins over the manifest's
    result = measure_bundle(str(path), MeasureRequest(runtime="onnxruntime", duration_s=0.05, warmup_ms=0,
                                                      iterations=2, frames=1, runner_options={"optimization": "all"}))
    assert result.to_dict()["runner"]["optimization"] == "all"


def test_unknown_recorded_options_are_ignored_and_bad_levels_refused(tmp_path, shared_weights):
    path, artifact = _onnx_artifact(tmp_path, "eSR-MAX_s2_K3_C2", shared_weights)
    assert artifact_options(dict(artifact, runner_options={"optimization": "basic", "tiles": 4})) == \
        {"optimization": "basic"}  # a newer exporter's hint this runner does not know is left out
    assert artifact_options(dict(artifact, runner_options="extended")) == {}
    with pytest.raises(EdgesrError, match="optimisation level"):
        OnnxRuntimeRunner(str(bundle_io.artifact_file(path, artifact)), optimization="fastest")
    manifest = bundle_io.load_manifest(path)
    manifest["artifacts"][0]["runner_options"] = {"optimization": "fastest"}
    with open(os.path.join(str(path), "manifest.json"), "w") as handle:
        json.dump(manifest, handle)
    _, results = check_bundle(str(path))
    assert exit_code(results) == 1 and "optimisation level" in json.dumps(results)
