"""``--graph optimised|reference``: a module's deployment form is what gets converted, proven by the same
parity gate against the reference module's golden outputs; a module without a form exports as itself."""

import onnx
import pytest
import torch
from torch import nn

from edgesr.exporting import export_zoo_model
from edgesr_export import ModelDescription, export_bundle
from edgesr_runtime import bundle as bundle_io

RESOLUTION = "96x72"


def _onnx_ops(bundle):
    return [node.op_type for node in onnx.load(str(bundle / "model.onnx")).graph.node]


def _depth_to_space_channels(bundle):
    """Channels entering the ONNX DepthToSpace (s² for the optimised form, 2·s²·C for the literal module)."""
    model = onnx.shape_inference.infer_shapes(onnx.load(str(bundle / "model.onnx")))
    shapes = {v.name: [d.dim_value for d in v.type.tensor_type.shape.dim] for v in model.graph.value_info}
    node = next(n for n in model.graph.node if n.op_type == "DepthToSpace")
    return shapes[node.input[0]][1]


@pytest.mark.parametrize("graph", ["optimised", "reference"])
def test_both_graphs_of_an_attention_model_pass_parity(tmp_path, shared_weights, graph):
    report = export_zoo_model("eSR-TM_s2_K3_C4", "onnx", tmp_path, {"resolution": RESOLUTION, "graph": graph},
                              weights_dir=shared_weights)
    assert report.status == "exported" and report.valid, report.artifacts
    artifact = bundle_io.load_manifest(report.path)["artifacts"][0]
    assert artifact["graph"] == graph
    if graph == "optimised":
        assert artifact["graph_rewrites"] == ["lr-grid-attention", "expsum-softmax"]
        assert _depth_to_space_channels(tmp_path / "eSR-TM_s2_K3_C4-onnx") == 4  # s² = 4, not 2·s²·C = 32
    else:
        assert artifact["graph_rewrites"] == []
        assert _depth_to_space_channels(tmp_path / "eSR-TM_s2_K3_C4-onnx") == 32
        assert "Softmax" in _onnx_ops(tmp_path / "eSR-TM_s2_K3_C4-onnx")


def test_tflite_artifacts_carry_the_litert_form(tmp_path, shared_weights):
    options = {"resolution": RESOLUTION, "precision": "fp32,fp16"}
    report = export_zoo_model("eSR-MAX_s2_K3_C2", "cpu", tmp_path, options, weights_dir=shared_weights)
    assert report.valid, report.artifacts
    by_name = {a["name"]: a for a in bundle_io.load_manifest(report.path)["artifacts"]}
    # C = 2: NCHW is LiteRT's faster layout (edgesr.models.deploy.runtime_options)
    assert by_name["tflite-fp32"]["graph_rewrites"] == ["lr-grid-max"]
    assert by_name["tflite-fp16"]["graph_rewrites"] == ["lr-grid-max"]  # derived from fp32
    assert by_name["onnx-fp32"]["graph_rewrites"] == ["lr-grid-max"]
    report = export_zoo_model("eSR-MAX_s2_K3_C5", "cpu", tmp_path, options, weights_dir=shared_weights)
    by_name = {a["name"]: a for a in bundle_io.load_manifest(report.path)["artifacts"]}
    assert report.valid and by_name["tflite-fp32"]["graph_rewrites"] == ["lr-grid-max", "channels-last"]


class Doubler(nn.Module):
    """A user module without a deployment form: nearest-neighbour x2."""

    def forward(self, x):
        return x.repeat_interleave(2, dim=2).repeat_interleave(2, dim=3)


def test_a_module_without_a_form_exports_as_itself(tmp_path):
    description = ModelDescription("doubler_s2", "doubler", 2, producer_version="1")
    report = export_bundle(Doubler().eval(), description, "onnx", tmp_path, {"resolution": "32x24"})
    assert report.valid, report.artifacts
    artifact = bundle_io.load_manifest(report.path)["artifacts"][0]
    assert artifact["graph"] == "reference" and artifact["graph_rewrites"] == []


def test_a_form_that_is_not_exact_fails_its_gate(tmp_path):
    """The gate compares with the reference module, so a wrong form can never ship as valid."""

    class Wrong(Doubler):
        def deployment_form(self, runtime):
            form = nn.Sequential(Doubler(), nn.Hardtanh(0.0, 0.5)).eval()  # clips: not the same function
            form.rewrites = ("clip",)
            return form

    description = ModelDescription("wrong_s2", "wrong", 2, producer_version="1")
    torch.manual_seed(0)
    report = export_bundle(Wrong().eval(), description, "onnx", tmp_path, {"resolution": "32x24"})
    assert not report.valid
    assert bundle_io.load_manifest(report.path)["artifacts"][0]["graph_rewrites"] == ["clip"]
