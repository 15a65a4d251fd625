"""INT8 recipe choice: one model per family gets a valid INT8 TFLite within the PSNR-drop limit, the
manifest says which recipe and what was tried; with an impossible limit the artifact is refused."""

import os

import pytest

pytest.importorskip("litert_torch", reason="TFLite export needs litert-torch (edgesr-export[tflite])")
pytest.importorskip("ai_edge_quantizer", reason="INT8 needs ai-edge-quantizer (edgesr-export[tflite])")

from edgesr.cli import main  # noqa: E402
from edgesr.exporting import export_zoo_model  # noqa: E402
from edgesr_export.int8_recipes import DEFAULT_MAX_DROP_DB, DEFAULT_RECIPES  # noqa: E402
from edgesr_runtime import bundle as bundle_io  # noqa: E402

RESOLUTION = "96x72"  # small enough for CI; the drop is measured on the same-size validation mosaics
OPTIONS = {"resolution": RESOLUTION, "precision": "int8", "calibration": 4, "validation": 2}
ONE_PER_FAMILY = ["eSR-MAX_s2_K7_C4", "eSR-TM_s2_K7_C16", "eSR-TR_s2_K5_C4", "eSR-CNN_s2_C4_D3_S9",
                  "ESPCN_s2_D64_S32", "FSRCNN_s2_D56_S12_M4", "Bicubic_s2"]


def _int8(report):
    return next(a for a in report.artifacts if a["name"] == "tflite-int8")


@pytest.mark.parametrize("model_id", ONE_PER_FAMILY)
def test_first_recipe_within_the_limit_is_kept(model_id, tmp_path, shared_weights):
    report = export_zoo_model(model_id, "rpi", tmp_path, OPTIONS, weights_dir=shared_weights)
    int8 = _int8(report)
    quantization, order = int8["quantization"], DEFAULT_RECIPES.split(",")
    choice = quantization["choice"]
    measured = [t for t in choice["tried"] if "drop_db" in t]
    # tried in the default order, each measured or skipped with its reason (e.g. no EXP op)
    assert [t["recipe"] for t in choice["tried"]] == order[:len(choice["tried"])]
    assert all("drop_db" in t or t.get("skipped") for t in choice["tried"])
    # stopped at the first that passed (a candidate within the limit that fails parity does not count)
    assert all(t["drop_db"] > DEFAULT_MAX_DROP_DB or t["parity_failed"] for t in measured[:-1])
    assert choice["max_drop_db"] == DEFAULT_MAX_DROP_DB and quantization["quantises"]
    assert choice["passed"] == (quantization["psnr"]["drop_db"] <= DEFAULT_MAX_DROP_DB)
    assert int8["valid"] is choice["passed"], int8["parity"]
    if choice["passed"]:
        assert measured[-1] == {"recipe": quantization["recipe"], "drop_db": quantization["psnr"]["drop_db"]}
    else:  # every recipe tried, the least bad kept and refused
        assert len(choice["tried"]) == len(order) and "limit with every recipe tried" in int8["parity"]["reason"]
        assert quantization["psnr"]["drop_db"] == min(t["drop_db"] for t in measured)
    # measured at this size: every one passes; ESPCN_s2_D64_S32 with dynamic_gptq (nearest: dynamic 0.45 dB),
    # eSR-CNN_s2_C4_D3_S9 only with weight_only_exp_float_gptq (0.08 dB; weight_only_gptq 0.32 dB)
    assert choice["passed"] and report.valid
    # static recipes quantise the I/O too; the others keep float I/O
    assert int8["io_dtype"] == ("int8" if quantization["recipe"].startswith("static") else "float32")
    assert not [f for f in os.listdir(report.path) if f.endswith(".candidate")]  # the others were removed


def test_a_recipe_that_fails_the_parity_check_is_passed_over(tmp_path, shared_weights):
    """eSR-TR_s2_K3_C2's static INT8 is within the drop limit on the validation mosaics (0.08 dB at 480x270)
    but LiteRT's int8 DIV meets a zero softmax denominator on the random golden input: the chooser must move
    on instead of keeping a file that fails its check."""
    options = dict(OPTIONS, resolution="480x270")  # at 96x72 static misses the drop limit itself
    report = export_zoo_model("eSR-TR_s2_K3_C2", "rpi", tmp_path, options, weights_dir=shared_weights)
    int8 = _int8(report)
    tried = int8["quantization"]["choice"]["tried"]
    assert tried[0]["recipe"] == "static" and tried[0]["drop_db"] <= DEFAULT_MAX_DROP_DB
    assert "DIV" in tried[0]["parity_failed"]
    assert int8["quantization"]["recipe"] == tried[-1]["recipe"] != "static" and "parity_failed" not in tried[-1]
    assert int8["valid"] and int8["parity"]["passed"] and report.valid, int8["parity"]
    assert not [f for f in os.listdir(report.path) if f.endswith(".candidate")]


def test_small_convolutions_kept_float_rescue_a_one_channel_chain(tmp_path, shared_weights):
    """FSRCNN_s2_D19_S1_M4 maps through four one-channel 3x3 convs (9 weights each): rounded to int8 they
    compound (weight_only_gptq measured 0.66 dB here, 0.31 dB at 1920x1080); kept float, the other four
    convs GPTQ-rounded, the drop is 0.02 dB here (-0.001 dB at 1920x1080)."""
    recipes = "weight_only_gptq,weight_only_small_float_gptq"
    report = export_zoo_model("FSRCNN_s2_D19_S1_M4", "rpi", tmp_path, dict(OPTIONS, int8_recipes=recipes),
                              weights_dir=shared_weights)
    quantization = _int8(report)["quantization"]
    tried = quantization["choice"]["tried"]
    assert [t["recipe"] for t in tried] == recipes.split(",") and tried[0]["drop_db"] > DEFAULT_MAX_DROP_DB
    assert quantization["recipe"] == "weight_only_small_float_gptq" and report.valid
    assert quantization["kept_float"] == {"groups": ["small_convs"], "ops": 4}
    assert quantization["weight_rounding"]["tensors"] == 4  # 5x5 feature, 1x1 shrink and expand, deconvolution


def test_a_finished_bundle_is_not_redone_for_recipes_appended_after_its_choice(tmp_path, shared_weights):
    """Resume compares options; a longer recipe list whose start is the one a bundle was made with gives the
    same bundle when its choice stopped within that start, so it is skipped; a reordered list is not."""
    first = dict(OPTIONS, int8_recipes="weight_only")
    made = export_zoo_model("eSR-MAX_s2_K3_C1", "rpi", tmp_path, first, weights_dir=shared_weights)
    assert made.status == "exported" and made.valid
    appended = export_zoo_model("eSR-MAX_s2_K3_C1", "rpi", tmp_path, dict(OPTIONS, int8_recipes="weight_only,static"),
                                weights_dir=shared_weights)
    assert appended.status == "skipped"
    reordered = export_zoo_model("eSR-MAX_s2_K3_C1", "rpi", tmp_path, dict(OPTIONS, int8_recipes="static,weight_only"),
                                 weights_dir=shared_weights)
    assert reordered.status == "exported"


def test_no_recipe_within_the_limit_is_refused_with_exit_code_1(tmp_path, capsys, shared_weights):
    code = main(["export", "--target", "rpi", "--model", "eSR-MAX_s2_K3_C1", "--resolution", RESOLUTION,
                 "--precision", "int8", "--calibration", "2", "--validation", "1", "--int8-max-drop", "-1",
                 "--int8-recipes", "weight_only,static,static_exp_float,weight_only_gptq,weight_only_small_float_gptq",
                 "--weights-dir", str(shared_weights), "--out", str(tmp_path)])
    assert code == 1
    assert "above the -1.00 dB limit with every recipe tried" in capsys.readouterr().out
    manifest = bundle_io.load_manifest(tmp_path / "eSR-MAX_s2_K3_C1-rpi")
    int8 = next(a for a in manifest["artifacts"] if a["name"] == "tflite-int8")
    choice = int8["quantization"]["choice"]
    assert int8["valid"] is False and manifest["valid"] is False and choice["passed"] is False
    # the order asked for; eSR-MAX has no EXP op, so the *_exp_float recipe would repeat static's file
    assert [t["recipe"] for t in choice["tried"]] == ["weight_only", "static", "static_exp_float", "weight_only_gptq",
                                                     "weight_only_small_float_gptq"]
    assert "no EXP op" in choice["tried"][2]["skipped"]
    assert "no convolution with at most 16 weights" in choice["tried"][4]["skipped"]  # its one conv has 36
    assert "drop_db" in choice["tried"][3]  # GPTQ rounding is measured too, and refused like the others
    best = min((choice["tried"][i] for i in (0, 1, 3)), key=lambda t: t["drop_db"])  # the least bad candidate is the file kept
    assert int8["quantization"]["recipe"] == best["recipe"]
    assert not [f for f in os.listdir(tmp_path / "eSR-MAX_s2_K3_C1-rpi") if f.endswith((".candidate", "-fp32"))]


def test_unknown_recipe_is_bad_input(tmp_path, capsys):
    assert main(["export", "--target", "rpi", "--model", "eSR-MAX_s2_K3_C1", "--int8-recipes", "static,fp4",
                 "--out", str(tmp_path)]) == 2
    assert "unknown INT8 recipe fp4; known: static, static_exp_float, dynamic" in capsys.readouterr().err


def test_no_recipe_that_applies_fails_the_artifact_with_the_reason(tmp_path, shared_weights):
    report = export_zoo_model("eSR-MAX_s2_K3_C1", "rpi", tmp_path, dict(OPTIONS, int8_recipes="static_exp_float"),
                              weights_dir=shared_weights)
    int8 = _int8(report)
    assert int8["status"] == "failed" and int8["valid"] is False and not report.valid
    assert "no INT8 recipe could be made: static_exp_float: no EXP op" in int8["error"]
