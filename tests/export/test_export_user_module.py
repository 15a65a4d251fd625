"""Any PyTorch module with a ModelDescription exports like a zoo model, through the public API alone,
and edgesr_export never imports the zoo (``edgesr``)."""

import json
import os
from pathlib import Path

import onnx
import pytest

from blocked_imports import run_without
from edgesr_export import ModelDescription, export_bundle, export_models
from edgesr_runtime import bundle as bundle_io
from host.user_models.tiny_factories import tiny as tiny_factory  # tests/host/user_models/tiny_factories.py

REPO = Path(__file__).resolve().parents[2]
RESOLUTION = "48x36"


def tiny(scale=2, seed=0):
    return tiny_factory(scale, seed).eval()


def describe(model_id="tiny-shuffle_s2", scale=2):
    return ModelDescription(model_id, "tiny-shuffle", scale, producer_version="9.1",
                            hyperparameters={"kernel": 3}, metadata={"author": "a test"})


def test_user_module_exports_with_a_valid_parity_gate(tmp_path):
    report = export_bundle(tiny(), describe(), "onnx", tmp_path, {"resolution": RESOLUTION})
    assert report.status == "exported" and report.valid, report.artifacts
    manifest = bundle_io.verify_bundle(report.path)
    assert manifest["model"] == {"id": "tiny-shuffle_s2", "family": "tiny-shuffle", "scale": 2,
                                 "hyperparameters": {"kernel": 3}, "parameters": 4 * 9 + 4}
    assert manifest["edgesr_version"] == "9.1" and manifest["input"]["lr_width"] == 24
    onnx_entry = manifest["artifacts"][0]
    assert onnx_entry["parity"]["passed"] and onnx_entry["output_shape"] == [1, 1, 36, 48]
    props = {p.key: p.value for p in onnx.load(os.path.join(report.path, "model.onnx")).metadata_props}
    assert props["model_id"] == "tiny-shuffle_s2" and props["author"] == "a test"
    assert json.loads(props["hyperparameters"]) == {"kernel": 3}


def test_tflite_artifacts_of_a_user_module_pass_their_gates(tmp_path):
    pytest.importorskip("litert_torch", reason="TFLite export needs litert-torch (edgesr-export[tflite])")
    report = export_bundle(tiny(3), describe("tiny-shuffle_s3", 3), "cpu", tmp_path,
                           {"resolution": RESOLUTION, "precision": "fp32,fp16"})
    assert report.valid and sorted(a["name"] for a in report.artifacts) == ["onnx-fp32", "tflite-fp16",
                                                                             "tflite-fp32"]


def test_batch_builds_modules_lazily_and_resumes(tmp_path):
    built = []

    def build(description):
        built.append(description.model_id)
        return tiny(description.scale)

    descriptions = [describe("tiny-a_s2", 2), describe("tiny-b_s4", 4)]
    first = export_models(descriptions, build, "onnx", tmp_path, {"resolution": RESOLUTION}, progress=False,
                          log=lambda m: None)
    assert [b.status for b in first.bundles] == ["exported", "exported"] and first.ok
    again = export_models(descriptions, build, "onnx", tmp_path, {"resolution": RESOLUTION}, progress=False,
                          log=lambda m: None)
    assert [b.status for b in again.bundles] == ["skipped", "skipped"]
    assert built == ["tiny-a_s2", "tiny-b_s4"]  # a complete bundle never builds its module again
    newer = export_models([ModelDescription("tiny-a_s2", "tiny-shuffle", 2, producer_version="9.2")], build,
                          "onnx", tmp_path, {"resolution": RESOLUTION}, progress=False, log=lambda m: None)
    assert newer.bundles[0].status == "exported"  # another producer version is another bundle


def test_a_failing_build_is_recorded_and_the_run_goes_on(tmp_path):
    def build(description):
        if description.model_id == "broken_s2":
            raise RuntimeError("no weights for broken_s2")
        return tiny(description.scale)

    lines = []
    report = export_models([describe("broken_s2"), describe("fine_s2")], build, "onnx", tmp_path,
                           {"resolution": RESOLUTION}, progress=False, log=lines.append)
    assert [b.status for b in report.bundles] == ["failed", "exported"] and not report.ok
    assert report.bundles[0].error == "RuntimeError: no weights for broken_s2"
    assert lines == ["broken_s2: FAILED: RuntimeError: no weights for broken_s2"]


SCRIPT = """
import sys, torch
from torch import nn
from edgesr_export import ModelDescription, export_bundle
torch.manual_seed(0)
module = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.PixelShuffle(2)).eval()
report = export_bundle(module, ModelDescription("seq_s2", "seq", 2, producer_version="1"), "onnx", sys.argv[1],
                       {"resolution": "16x12"})
print(report.status, report.valid)
"""


def test_exporter_never_imports_the_zoo(tmp_path):
    (tmp_path / "export_seq.py").write_text(SCRIPT)
    paths = [str(REPO / "export"), str(REPO / "runtimes")] + os.environ.get("PYTHONPATH", "").split(os.pathsep)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in paths if p))
    result = run_without({"edgesr"}, "export_seq", [tmp_path / "out"], env=env, cwd=tmp_path)
    assert "BLOCKED-IMPORT edgesr" not in result.stderr, result.stderr
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split() == ["exported", "True"]
