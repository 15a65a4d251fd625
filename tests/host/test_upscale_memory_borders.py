"""`edgesr upscale` tiles and borders: one halo mechanism (the model's receptive radius) for both.

Tiles: tiled == whole image for every family, with tiles far smaller than the image. Borders:
``replicate``/``reflect`` equal the model on an edge-padded image; ``zero`` is the model as trained.
Bicubic ×2 with ``--border replicate`` equals a half-pixel Keys bicubic (a = -0.5) with replicated
borders on every row, the outer rows included; ``--border zero`` darkens them (the issue-13 case).
Peak memory is measured in benchmarks/upscale_memory, not here.
"""

import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from edgesr.imaging import BORDERS, read_image, to_uint8, upscale_array
from edgesr.inference import LumaUpscaler, predict_luma, window
from edgesr.models import create_model
from edgesr.models.receptive import receptive_radius
from edgesr_export.torch_reference import run_luma
from edgesr_runtime.resample import resize_bicubic
from float32_bounds import EPS32, bicubic_kernel_gap, float32_atol

ONE_PER_FAMILY = ["eSR-MAX_s3_K5_C4", "eSR-TM_s2_K7_C16", "eSR-TR_s4_K7_C8", "eSR-CNN_s3_C8_D9_S15",
                  "ESPCN_s4_D64_S32", "FSRCNN_s2_D56_S12_M4", "Bicubic_s2"]


def edgesr(*args):
    return subprocess.run([sys.executable, "-m", "edgesr", *args], capture_output=True, text=True)


@pytest.mark.parametrize("border, numpy_mode", [("replicate", "edge"), ("reflect", "reflect")])
@pytest.mark.parametrize("size", [1, 2, 5])
def test_window_indices_follow_numpy_padding(border, numpy_mode, size):
    indices, offset = window(0, size, 4, size, border)
    assert offset == 4
    np.testing.assert_array_equal(indices, np.pad(np.arange(size), 4, mode=numpy_mode if size > 1 else "edge"))


def test_zero_border_window_is_clipped_to_the_image():
    indices, offset = window(3, 7, 4, 9, "zero")
    assert offset == 3 and indices.tolist() == list(range(0, 9))


@pytest.mark.parametrize("model_id, radius", [
    ("eSR-MAX_s3_K5_C4", 2), ("eSR-TM_s2_K7_C16", 3), ("eSR-CNN_s3_C8_D9_S15", 4), ("ESPCN_s4_D64_S32", 4),
    ("ESPCN_s2_D0_S9", 2), ("FSRCNN_s2_D56_S12_M4", 8), ("FSRCNN_s4_D56_S12_M4", 7), ("Bicubic_s2", 3),
    ("Bicubic_s3", 2),
])
def test_receptive_radius_sums_the_conv_reaches(model_id, radius, shared_weights):
    # eSR: K//2; eSR-CNN / ESPCN: 2 + 1 + 1 (D=0: 1 + 1); FSRCNN: 2 + M·1 + the deconv's reach of 2 (×2) or
    # 1 (×3, ×4) LR pixels; Bicubic: its (4s+3)-tap transposed kernel reaches 3 (×2) or 2 (×3) LR pixels.
    assert receptive_radius(create_model(model_id)) == radius


@pytest.mark.parametrize("model_id", ONE_PER_FAMILY)
def test_small_tiles_with_a_receptive_radius_halo_equal_the_whole_image(model_id, shared_weights, butterfly_luma):
    model = create_model(model_id)
    luma = butterfly_luma[:61, :53]
    for border in BORDERS:
        whole = predict_luma(model, luma, model.config.scale, tile=0, border=border)
        tiled = predict_luma(model, luma, model.config.scale, tile=9, border=border)
        # Other tile shapes only change float32 summation order (a halo one pixel short differs by ~1e-2).
        np.testing.assert_allclose(tiled, whole, atol=float32_atol(model), rtol=0, err_msg=border)


@pytest.mark.parametrize("border, numpy_mode", [("replicate", "edge"), ("reflect", "reflect")])
@pytest.mark.parametrize("model_id", ["FSRCNN_s3_D56_S12_M4", "eSR-TR_s4_K7_C8"])
def test_padded_borders_equal_the_model_on_a_padded_image(border, numpy_mode, model_id, shared_weights,
                                                          butterfly_luma):
    model = create_model(model_id)
    scale, margin = model.config.scale, receptive_radius(model)
    luma = butterfly_luma[:40, :36]
    got = predict_luma(model, luma, scale, tile=16, border=border)
    padded = np.clip(run_luma(model, np.pad(luma, margin, mode=numpy_mode)), 0, 1)
    want = padded[margin * scale:-margin * scale, margin * scale:-margin * scale]
    np.testing.assert_allclose(got, want, atol=float32_atol(model), rtol=0)


def test_bicubic_x2_with_replicated_borders_is_keys_bicubic_up_to_the_outer_rows(shared_weights, datasets_dir):
    model = create_model("Bicubic_s2")
    rgb = read_image(datasets_dir / "Set5" / "bird.png")
    luma = (rgb.astype(np.float64) @ [0.299, 0.587, 0.114] / 255.0).astype(np.float32)
    keys = np.clip(resize_bicubic(luma, luma.shape[0] * 2, luma.shape[1] * 2, a=-0.5), 0, 1)  # as upscale clamps
    atol = bicubic_kernel_gap(model) + float32_atol(model) + 8 * EPS32  # + the numpy resize's 2×4-tap sums
    assert atol < 0.01  # the gap is a few grey levels' thousandths, far below the zero-border error
    replicated = predict_luma(model, luma, 2, tile=100, border="replicate")
    np.testing.assert_allclose(replicated, keys, atol=atol, rtol=0)
    zero = predict_luma(model, luma, 2, tile=100, border="zero")
    np.testing.assert_allclose(zero[6:-6, 6:-6], keys[6:-6, 6:-6], atol=atol, rtol=0)  # same interior
    assert 255 * (zero[0] - keys[0]).mean() < -20  # the zoo's zero padding darkens row 0 (by 21.6 levels)


def test_cli_border_zero_is_the_model_as_trained_and_replicate_fixes_the_outer_rows(shared_weights, datasets_dir,
                                                                                   tmp_path):
    Image.open(datasets_dir / "Set5" / "bird.png").convert("L").save(tmp_path / "bird.png")
    luma = np.asarray(Image.open(tmp_path / "bird.png"), dtype=np.float32) / 255.0
    model = create_model("Bicubic_s2")
    runs = {}
    for border in ("zero", "replicate", None):
        out = tmp_path / str(border)
        result = edgesr("upscale", str(tmp_path / "bird.png"), "--model", "Bicubic_s2", "--out", str(out),
                        *(["--border", border] if border else []))
        assert result.returncode == 0, result.stderr
        runs[border] = np.asarray(Image.open(out / "bird_Bicubic_s2.png")).astype(int)
    # zero: bit for bit the model on the whole image, as evaluation runs it
    np.testing.assert_array_equal(runs["zero"], to_uint8(np.clip(run_luma(model, luma), 0, 1) * 255.0))
    np.testing.assert_array_equal(runs[None], runs["replicate"])  # replicate is the default
    keys = to_uint8(np.clip(resize_bicubic(luma, luma.shape[0] * 2, luma.shape[1] * 2, a=-0.5), 0, 1) * 255.0)
    keys = keys.astype(int)
    worst = int(np.ceil(255 * (bicubic_kernel_gap(model) + float32_atol(model) + 8 * EPS32)))  # + 1 for rounding
    for edge in (np.s_[0], np.s_[-1], np.s_[:, 0], np.s_[:, -1]):
        assert np.abs(runs["replicate"][edge] - keys[edge]).max() <= worst + 1
    assert (runs["zero"][0] - keys[0]).mean() < -20


def test_cli_refuses_an_unknown_border(datasets_dir, tmp_path):
    result = edgesr("upscale", str(datasets_dir / "Set5" / "bird.png"), "--model", "Bicubic_s2", "--border", "wrap",
                    "--out", str(tmp_path))
    assert result.returncode == 2 and "invalid choice: 'wrap'" in result.stderr


@pytest.mark.parametrize("model_id", ["eSR-TM_s2_K7_C16", "Bicubic_s3"])
def test_banded_colour_pipeline_equals_one_band(model_id, shared_weights, datasets_dir, monkeypatch):
    """RGBA through small LR bands and small colour chunks == one band and one chunk (same tiles: tile=0)."""
    import edgesr.imaging as imaging

    model = create_model(model_id)
    rgb = read_image(datasets_dir / "Set5" / "butterfly.png")[:90, :70]
    rgba = np.concatenate([rgb, rgb[..., :1]], axis=-1)
    upscaler = LumaUpscaler(model, model.config.scale, tile=0, border="replicate")
    whole = upscale_array(rgba, upscaler)
    monkeypatch.setattr(imaging, "COLOUR_CHUNK_PIXELS", 7 * 70 * model.config.scale ** 2)  # chunks of 7 LR rows
    chunked = upscale_array(rgba, upscaler)
    assert chunked.shape == (90 * model.config.scale, 70 * model.config.scale, 4)
    # chroma/alpha bicubic per chunk reads the rows around it: equal up to float32 coefficient rounding,
    # which can move a value across a .5 rounding boundary by one level at most
    assert np.abs(chunked.astype(int) - whole).max() <= 1
    # a float32 bicubic of values <= 255 moves by <= 2·γ_8·1.25·255 = 3.8e-5 levels, so only values that close
    # to a .5 boundary flip: a fraction ~1e-4 of spread values, 1e-3 with room
    assert np.mean(chunked != whole) < 1e-3
