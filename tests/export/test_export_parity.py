"""Every family at scales 2/3/4: ONNX (static, dynamic) and TFLite FP32/FP16 pass the parity gate through
real onnxruntime and ai-edge-litert; INT8 writes a file and measures its PSNR drop."""

import os

import pytest

from edgesr.models import FAMILIES, create_model, list_models
from host.float32_bounds import float32_atol  # tests/host/float32_bounds.py

pytest.importorskip("litert_torch", reason="TFLite export needs litert-torch (edgesr-export[tflite])")

from edgesr_export.deployment import filter_bank_of
from edgesr.exporting import export_zoo_model  # noqa: E402

RESOLUTION = "96x72"  # divisible by 2, 3 and 4; small enough for CI


def representative(family, scale):
    ids = list_models(family=family, scale=scale)
    return ids[len(ids) // 2]


def _by_name(report):
    return {a["name"]: a for a in report.artifacts}


@pytest.mark.parametrize("scale", (2, 3, 4))
@pytest.mark.parametrize("family", FAMILIES)
def test_onnx_and_tflite_fp32_fp16_match_pytorch(family, scale, tmp_path, shared_weights):
    model_id = representative(family, scale)
    report = export_zoo_model(model_id, "cpu", tmp_path, {"resolution": RESOLUTION, "precision": "fp32,fp16"},
                              weights_dir=shared_weights)
    artifacts = _by_name(report)
    filter_bank = ["opencv-fp32"] if filter_bank_of(create_model(model_id)) else []  # models that are a filter bank
    assert sorted(artifacts) == sorted(["onnx-fp32", "tflite-fp16", "tflite-fp32"] + filter_bank)
    for name, artifact in artifacts.items():
        assert artifact["valid"], (name, artifact.get("parity"), artifact.get("error"))
        assert not artifact["parity"]["nan_or_inf"]
    assert artifacts["tflite-fp32"]["layout"] == "NHWC"
    assert artifacts["tflite-fp32"]["file_input_shape"] == [1, 72 // scale, 96 // scale, 1]
    assert artifacts["tflite-fp32"]["graph"] == "optimised"  # the deployment form has no ConvTranspose left
    assert artifacts["tflite-fp32"]["rewrites"] == []
    if family in ("FSRCNN", "Bicubic") and scale % 2 == 0:  # the literal graph needs the converter's rewrite
        literal = export_zoo_model(model_id, "cpu", tmp_path / "literal", {"resolution": RESOLUTION, "graph": "reference"},
                                   weights_dir=shared_weights)
        assert literal.valid and _by_name(literal)["tflite-fp32"]["rewrites"] == ["CroppedConvTranspose2d"]
        assert "opencv-fp32" not in _by_name(literal)  # the filter bank is a deployment form, not the literal graph

    dynamic = export_zoo_model(model_id, "onnx", tmp_path, {"resolution": RESOLUTION, "dynamic": True},
                               weights_dir=shared_weights)
    onnx = _by_name(dynamic)["onnx-fp32"]
    assert dynamic.valid and onnx["input_shape"] == [1, 1, None, None]
    assert onnx["parity"]["samples"] == 3  # mosaic + random at 96x72/s, and one random of an odd size


def test_static_onnx_carries_metadata(tmp_path, shared_weights):
    import onnx

    report = export_zoo_model("eSR-TR_s3_K5_C4", "onnx", tmp_path, {"resolution": RESOLUTION},
                              weights_dir=shared_weights)
    model = onnx.load(os.path.join(report.path, "model.onnx"))
    props = {p.key: p.value for p in model.metadata_props}
    assert props["model_id"] == "eSR-TR_s3_K5_C4" and props["scale"] == "3"
    assert props["layout"] == "NCHW" and props["value_range"] == "[0.0, 1.0]" and props["edgesr_version"]
    assert model.opset_import[0].version == 17
    dims = [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim]
    assert dims == [1, 1, 24, 32]


@pytest.mark.parametrize("model_id", ["eSR-MAX_s2_K3_C1", "eSR-TM_s2_K7_C16"])
def test_int8_writes_a_file_and_measures_its_psnr_drop(model_id, tmp_path, shared_weights):
    report = export_zoo_model(model_id, "rpi", tmp_path, {"resolution": RESOLUTION, "precision": "int8",
                                                          "calibration": 4, "validation": 2},
                              weights_dir=shared_weights)
    int8 = _by_name(report)["tflite-int8"]
    assert int8["status"] == "ok" and os.path.getsize(os.path.join(report.path, int8["file"])) > 0
    assert int8["io_dtype"] == int8["quantization"]["input"]["dtype"]  # int8 for static recipes, else float32
    psnr = int8["quantization"]["psnr"]
    assert psnr["images"] == 2 and psnr["fp32_psnr_db"] > 20
    # the three are stored rounded to 4 decimals: their difference errs by at most 1.5e-4 (3 roundings)
    assert psnr["drop_db"] == pytest.approx(psnr["fp32_psnr_db"] - psnr["int8_psnr_db"], abs=1.5e-4)
    assert psnr["warning"] == (psnr["drop_db"] > 0.5)
    if psnr["warning"]:
        assert any("INT8 costs" in w for w in report.warnings)
    if model_id.startswith("eSR-TM"):  # full INT8 breaks the softmax attention: the chooser moves on
        assert int8["quantization"]["choice"]["tried"][0]["drop_db"] > 0.5
        assert int8["valid"] is True and int8["quantization"]["recipe"] != "static"


@pytest.mark.parametrize("model_id", ["FSRCNN_s2_D56_S12_M4", "FSRCNN_s4_D6_S1_M1", "Bicubic_s2", "Bicubic_s4"])
def test_cropped_conv_transpose_is_exact_in_pytorch(model_id, shared_weights):
    import torch

    from edgesr.models import create_model
    from edgesr_export.rewrite import CroppedConvTranspose2d, without_output_padding

    model = create_model(model_id, weights_dir=shared_weights)
    rewritten = without_output_padding(model)
    assert any(isinstance(m, CroppedConvTranspose2d) for m in rewritten.modules())
    x = torch.rand(1, 1, 17, 23)
    with torch.inference_mode():
        # other conv shapes may sum in another order: two float32 evaluations of the model
        assert torch.allclose(rewritten(x), model(x), atol=float32_atol(model), rtol=0)


def test_int8_io_ranges_follow_the_model_contract():
    import numpy as np

    from edgesr_export.tflite_export import _pin_io_ranges

    def qsv(low, high, shape=(1, 1, 1, 1)):
        return {"min": np.full(shape, low, np.float32), "max": np.full(shape, high, np.float32)}

    ranges = {"in": qsv(0.1, 0.86), "conv": qsv(-72.0, 8.3), "sum": qsv(0.09, 0.62, (1, 1, 1)),
              "out": qsv(0.09, 0.62), "sigmoid": qsv(0.0, 0.99)}
    pinned = _pin_io_ranges(ranges, "in", "out")
    assert (float(pinned["in"]["min"].item()), float(pinned["in"]["max"].item())) == (0.0, 1.0)
    for name in ("out", "sum"):  # the output and the tensor it is reshaped from widen together
        assert float(pinned[name]["min"].min()) == 0.0 and float(pinned[name]["max"].max()) == 1.0
    assert float(pinned["conv"]["min"].item()) == -72.0 and float(pinned["sigmoid"]["max"].item()) == np.float32(0.99)


def test_nchw_tflite_io_is_stated_and_checked(tmp_path, shared_weights):
    report = export_zoo_model("ESPCN_s3_D6_S9", "cpu", tmp_path, {"resolution": RESOLUTION, "layout": "NCHW",
                                                                 "precision": "fp32,int8", "calibration": 2,
                                                                 "validation": 1}, weights_dir=shared_weights)
    artifacts = _by_name(report)
    for name in ("tflite-fp32", "tflite-int8"):
        assert artifacts[name]["layout"] == "NCHW" and artifacts[name]["file_input_shape"] == [1, 1, 24, 32]
    assert artifacts["tflite-fp32"]["valid"] and artifacts["tflite-int8"]["parity"]["samples"] == 2
