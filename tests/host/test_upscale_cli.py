"""`edgesr upscale` end to end on real Set5/Set14 images, and its handling of bad input."""

import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from edgesr.inference import predict_luma
from edgesr.models import create_model
from edgesr_export.torch_reference import run_luma
from float32_bounds import float32_atol


def edgesr(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "edgesr", *args], capture_output=True, text=True, cwd=cwd)


def test_rgb_image_is_upscaled_2x(datasets_dir, tmp_path, shared_weights):
    result = edgesr("upscale", str(datasets_dir / "Set5" / "baby.png"), "--model", "eSR-TM_s2_K7_C16", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    out = Image.open(tmp_path / "baby_eSR-TM_s2_K7_C16.png")
    assert out.mode == "RGB" and out.size == (1024, 1024)


def test_gray_image_goes_through_the_model_and_beats_bicubic(datasets_dir, tmp_path, shared_weights):
    hr = Image.open(datasets_dir / "Set14" / "bridge.png")
    assert hr.mode == "L"
    lr = hr.crop((0, 0, 510, 510)).resize((170, 170), Image.BICUBIC)
    lr.save(tmp_path / "lr.png")
    result = edgesr("upscale", str(tmp_path / "lr.png"), "--model", "FSRCNN_s3_D56_S12_M4", "--out", str(tmp_path / "o"))
    assert result.returncode == 0, result.stderr
    out = Image.open(tmp_path / "o" / "lr_FSRCNN_s3_D56_S12_M4.png")
    assert out.mode == "L" and out.size == (510, 510)
    truth = np.asarray(hr.crop((0, 0, 510, 510)), dtype=np.float64)[6:-6, 6:-6]

    def psnr(img):
        return 10 * np.log10(255 ** 2 / np.mean((np.asarray(img, dtype=np.float64)[6:-6, 6:-6] - truth) ** 2))

    assert psnr(out) > psnr(lr.resize((510, 510), Image.BICUBIC)) + 0.3


def test_bad_inputs_are_reported_skipped_and_fail_the_run(datasets_dir, tmp_path, shared_weights):
    (tmp_path / "empty.png").write_bytes(b"")
    (tmp_path / "trunc.png").write_bytes((datasets_dir / "Set5" / "bird.png").read_bytes()[:3000])
    (tmp_path / "notes.png").write_text("this is text")
    good = tmp_path / "head.png"
    good.write_bytes((datasets_dir / "Set5" / "head.png").read_bytes())
    result = edgesr("upscale", str(tmp_path), str(tmp_path / "missing.png"), "--model", "eSR-MAX_s2_K3_C2",
                    "--out", str(tmp_path / "out"))
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("edgesr:")]
    assert any("empty.png: empty file (0 bytes)" in e for e in errors)
    assert any("trunc.png: unreadable image (image file is truncated)" in e for e in errors)
    assert any("notes.png: not an image file" in e for e in errors)
    assert any("missing.png: no such file or folder" in e for e in errors)
    assert errors[-1] == "edgesr: 1 written, 4 failed"
    assert (tmp_path / "out" / "head_eSR-MAX_s2_K3_C2.png").is_file()
    assert good.read_bytes() == (datasets_dir / "Set5" / "head.png").read_bytes()


@pytest.mark.parametrize("args, message", [
    (["--model", "eSR-TM_s2_K7_C99"], "edgesr: error: unknown model id 'eSR-TM_s2_K7_C99'; did you mean"),
    (["--model", "eSR-TM_s2_K7_C16", "--weights-dir", "/nonexistent-dir"], "edgesr: error: weights dir /nonexistent-dir does not exist"),
])
def test_unknown_model_and_wrong_weights_dir_give_one_line_and_exit_2(datasets_dir, tmp_path, args, message):
    result = edgesr("upscale", str(datasets_dir / "Set5" / "baby.png"), *args, "--out", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.strip().startswith(message)
    assert len(result.stderr.strip().splitlines()) == 1


def test_hash_mismatch_gives_one_line_and_exit_2(datasets_dir, tmp_path, shared_weights):
    (tmp_path / "eSR-MAX_s2_K3_C2.model").write_bytes((shared_weights / "eSR-MAX_s2_K3_C3.model").read_bytes())
    result = edgesr("upscale", str(datasets_dir / "Set5" / "baby.png"), "--model", "eSR-MAX_s2_K3_C2",
                    "--weights-dir", str(tmp_path), "--out", str(tmp_path / "o"))
    assert result.returncode == 2
    assert "does not match its published sha256" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_outputs_never_overwrite_inputs(datasets_dir, tmp_path, shared_weights):
    src = tmp_path / "x_eSR-MAX_s2_K3_C2.png"
    src.write_bytes((datasets_dir / "Set5" / "head.png").read_bytes())
    (tmp_path / "x.png").write_bytes((datasets_dir / "Set5" / "bird.png").read_bytes())
    result = edgesr("upscale", str(tmp_path / "x.png"), str(src), "--model", "eSR-MAX_s2_K3_C2", "--out", str(tmp_path))
    assert result.returncode == 2 and "would overwrite an input" in result.stderr
    assert src.read_bytes() == (datasets_dir / "Set5" / "head.png").read_bytes()


@pytest.mark.parametrize("model_id", ["FSRCNN_s2_D56_S12_M4", "eSR-CNN_s3_C8_D9_S15", "ESPCN_s4_D64_S32", "Bicubic_s3"])
def test_tiled_inference_equals_whole_image(model_id, shared_weights, butterfly_luma):
    model = create_model(model_id)
    scale = model.config.scale
    whole = predict_luma(model, butterfly_luma[:150, :130], scale, tile=0)
    tiled = predict_luma(model, butterfly_luma[:150, :130], scale, tile=48)
    # Tiles are other conv shapes, so other summation orders: equal up to float32 rounding (a missing halo
    # would differ by ~1e-2 at the tile borders).
    atol = float32_atol(model)
    np.testing.assert_allclose(tiled, whole, atol=atol, rtol=0)
    direct = np.clip(run_luma(model, butterfly_luma[:150, :130]), 0, 1)
    np.testing.assert_allclose(whole, direct, atol=atol, rtol=0)
