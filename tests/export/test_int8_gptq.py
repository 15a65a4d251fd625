"""GPTQ rounding of conv weights: the rounded FP32 file lies on the quantizer's int8 grid, and the chooser
keeps a model that every nearest-rounding recipe refuses (eSR-MAX_s2_K7_C14: int8 weights rounded to
nearest cost more than 0.3 dB even with float activations)."""

import numpy as np
import pytest

pytest.importorskip("litert_torch", reason="TFLite export needs litert-torch (edgesr-export[tflite])")
pytest.importorskip("ai_edge_quantizer", reason="INT8 needs ai-edge-quantizer (edgesr-export[tflite])")

from ai_edge_litert.interpreter import Interpreter  # noqa: E402

from edgesr.exporting import build, describe, export_zoo_model  # noqa: E402
from edgesr_export import deployment, int8_rounding, tflite_export  # noqa: E402
from edgesr_export.images import calibration_inputs  # noqa: E402
from edgesr_export.int8_recipes import DEFAULT_MAX_DROP_DB  # noqa: E402

MODEL = "eSR-MAX_s2_K7_C14"
RESOLUTION = "96x72"
OPTIONS = {"resolution": RESOLUTION, "precision": "int8", "calibration": 4, "validation": 2}
NEAREST = "static,static_exp_float,dynamic,weight_only,weight_only_exp_float"  # the chooser before GPTQ


def _int8(report):
    return next(a for a in report.artifacts if a["name"] == "tflite-int8")


def test_gptq_rounding_puts_weights_on_the_grid_the_quantizer_keeps(tmp_path, shared_weights):
    description = describe("ESPCN_s2_D9_S3")  # three convs: the later ones see activations, not the image
    module, _ = deployment.graph_for(build(description, shared_weights), "litert", "optimised")
    fp32, rounded, int8 = (str(tmp_path / name) for name in ("fp32.tflite", "rounded.tflite", "int8.tflite"))
    tflite_export.convert_fp32(module, fp32, 12, 16, 2)
    names = int8_rounding.round_weights(fp32, rounded, calibration_inputs(2, 12, 16, 2))
    assert len(names) == 3
    tflite_export.quantize_int8(rounded, int8, [], recipe_name="weight_only")
    before, after = Interpreter(model_path=rounded), Interpreter(model_path=int8)
    float_weights = {t["name"]: t for t in before.get_tensor_details() if t["name"] in names}
    stored = {t["name"]: t for t in after.get_tensor_details() if t["name"] in names and t["dtype"] == np.int8}
    assert set(stored) == set(names)
    for name in names:
        w = before.get_tensor(float_weights[name]["index"])
        axis = stored[name]["quantization_parameters"]["quantized_dimension"]
        scales = stored[name]["quantization_parameters"]["scales"]
        q = after.get_tensor(stored[name]["index"]).astype(np.float64)
        shape = [1] * w.ndim
        shape[axis] = -1
        # dequantised int8 = the rounded float weights, to float32 rounding of q * scale (|q| <= 127)
        np.testing.assert_allclose(q * scales.reshape(shape), w, rtol=0, atol=float(scales.max()) * 1e-5)
        assert np.abs(q).max() == int8_rounding.QMAX


def test_a_model_nearest_rounding_refuses_is_kept_with_gptq(tmp_path, shared_weights):
    old = export_zoo_model(MODEL, "rpi", tmp_path / "nearest", dict(OPTIONS, int8_recipes=NEAREST),
                           weights_dir=shared_weights)
    assert _int8(old)["valid"] is False and _int8(old)["quantization"]["choice"]["passed"] is False
    new = export_zoo_model(MODEL, "rpi", tmp_path / "default", OPTIONS, weights_dir=shared_weights)
    int8 = _int8(new)
    quantization = int8["quantization"]
    assert int8["valid"] is True and new.valid, int8["parity"]
    assert quantization["recipe"].endswith("_gptq") and quantization["psnr"]["drop_db"] <= DEFAULT_MAX_DROP_DB
    assert quantization["weight_rounding"]["tensors"] == 1 and "GPTQ" in quantization["quantises"]
    # the nearest-rounding recipes were tried first, in order, and missed the limit
    tried = [t for t in quantization["choice"]["tried"] if "drop_db" in t]
    assert all(t["drop_db"] > DEFAULT_MAX_DROP_DB for t in tried[:-1])
