"""Golden data format 2 (border band + seeded pixel sample + tile statistics) still catches a wrong
artifact wherever its error is, and format 1 (whole float32 outputs) still checks.

A wrong artifact is simulated by a wrong reference: the check only sees |artifact - reference|, so a
golden output that differs from the true one at one pixel is, to the check, an artifact whose output
is wrong at that pixel. The artifact runs for real (the dynamic ONNX fixture on ONNX Runtime), on an
input large enough (192x256 output) that format 2 keeps a sample of the interior, not all of it.
"""

import json
import shutil

import numpy as np
import pytest

from edgesr_runtime import bundle as bundle_io
from edgesr_runtime import golden_summary
from edgesr_runtime.check import FAIL, PASS, Comparison, TOLERANCES, check_artifact, check_bundle
from edgesr_runtime.errors import EdgesrError

DYNAMIC = "eSR-MAX_s2_K3_C1-onnx"
FORMAT1 = "eSR-MAX_s2_K3_C1-cpu"  # committed before format 2: tests/runtime/fixtures/golden_format1/
FP32_TOL = TOLERANCES["fp32"].max_abs_err
LR = (96, 128)


@pytest.fixture
def case(bundle_copy, need):
    """(bundle folder, uint8 input, the artifact's true output, its manifest entry)."""
    need("onnxruntime")
    from edgesr_runtime.runners import open_runner

    folder = bundle_copy(DYNAMIC)
    artifact = bundle_io.find_artifact(bundle_io.load_manifest(str(folder)), "onnx-fp32")
    x = golden_summary.random_frame(7, *LR)[None, None]
    with open_runner("onnxruntime", bundle_io.artifact_file(str(folder), artifact), threads=1) as runner:
        y = runner.infer(bundle_io.golden_input(x))
    return folder, x, y, artifact


def check_against(case, reference):
    """Write ``reference`` as the format-2 golden output of the case's input and check the artifact."""
    folder, x, _, artifact = case
    path = folder / "golden.npz"
    bundle_io.save_golden(str(path), [x], [reference], ["test input"], ["image"])
    samples = bundle_io.load_golden(str(path))
    assert samples[0].output is None, "the output is small enough to be kept whole: the test proves nothing"
    return check_artifact(str(folder), artifact, samples)


def not_kept_interior_pixel(shape):
    summary_positions = golden_summary.kept_positions(shape[2], shape[3], seed=0)
    interior = np.flatnonzero(~golden_summary.border_mask(shape[2], shape[3]))
    return np.unravel_index(np.setdiff1d(interior, summary_positions)[0], shape[2:])


def test_a_right_artifact_passes_format2(case):
    result = check_against(case, case[2])
    assert result["status"] == PASS and result["max_abs_err"] <= FP32_TOL, result


def test_one_wrong_interior_pixel_outside_the_sample_fails(case):
    reference = case[2].copy()
    row, col = not_kept_interior_pixel(reference.shape)
    reference[0, 0, row, col] += 0.5  # a mid-grey mistake: the tile's mean moves 0.5/256 > 1e-3
    result = check_against(case, reference)
    assert result["status"] == FAIL and "max |err|" in result["reason"], result
    assert result["max_abs_err"] >= 0.5 / 256


def test_one_wrong_sampled_pixel_just_over_the_tolerance_fails(case):
    reference = case[2].copy()
    summary = golden_summary.OutputSummary.of(reference, seed=0)
    row, col = np.unravel_index(summary.positions[-1], reference.shape[2:])
    assert not golden_summary.border_mask(*reference.shape[2:])[row, col]
    reference[0, 0, row, col] += 2 * FP32_TOL
    result = check_against(case, reference)
    assert result["status"] == FAIL and result["max_abs_err"] > FP32_TOL, result


@pytest.mark.parametrize("row", [0, -1])
def test_a_wrong_border_row_fails(case, row):
    reference = case[2].copy()
    reference[0, 0, row, :] -= 2 * FP32_TOL  # too small to move any tile mean past 1e-3
    result = check_against(case, reference)
    assert result["status"] == FAIL and result["max_abs_err"] > FP32_TOL, result


def test_tile_statistics_alone_catch_an_error_everywhere_and_no_more():
    rng = np.random.default_rng(3)
    reference = rng.random((1, 1, 200, 300), dtype=np.float32)
    tiles_only = golden_summary.OutputSummary.of(reference, border=0, count=0)
    assert tiles_only.positions.size == 0
    within = Comparison().add(tiles_only, reference + np.float32(FP32_TOL / 2))
    assert within.max_abs_err <= FP32_TOL
    # 2e-3 everywhere: every tile mean says so, and the tile means bound the whole output's MSE from
    # below by (2e-3)^2, i.e. PSNR <= 54 dB
    beyond = Comparison().add(tiles_only, reference + np.float32(2 * FP32_TOL))
    assert beyond.max_abs_err > FP32_TOL and beyond.psnr_db < 54.1


def test_the_summary_estimates_the_whole_outputs_psnr():
    # an FP16-like artifact: small noise everywhere, larger along the border; the border band is
    # counted exactly and the interior sample stands for the interior, so the PSNR matches the
    # whole-output one within the sampling error (16384 pixels: ~1% on the MSE, < 0.1 dB)
    rng = np.random.default_rng(4)
    reference = rng.random((1, 1, 540, 960), dtype=np.float32)
    noise = rng.normal(0, 1e-3, reference.shape).astype(np.float32)
    noise[..., :4, :] *= 5
    actual = reference + noise
    whole = Comparison().add(reference, actual).psnr_db
    summarized = Comparison().add(golden_summary.OutputSummary.of(reference), actual).psnr_db
    assert abs(summarized - whole) < 0.1, (summarized, whole)


def test_nan_anywhere_is_seen_even_off_the_sample():
    reference = np.zeros((1, 1, 200, 300), np.float32)
    summary = golden_summary.OutputSummary.of(reference)
    row, col = not_kept_interior_pixel(reference.shape)
    actual = reference.copy()
    actual[0, 0, row, col] = np.nan
    assert Comparison().add(summary, actual).nan_or_inf


def test_the_random_input_is_regenerated_not_stored(tmp_path):
    x = golden_summary.random_frame(5, 40, 60)[None, None]
    path = str(tmp_path / "golden.npz")
    bundle_io.save_golden(path, [x], [np.zeros((1, 1, 80, 120), np.float32)], ["noise"], ["random"], seeds=[5])
    with np.load(path) as data:
        assert not any(name.startswith("input_deltas") for name in data.files)
    np.testing.assert_array_equal(bundle_io.load_golden(path)[0].input, bundle_io.golden_input(x))


def test_a_numpy_that_draws_another_stream_is_one_clear_error(tmp_path):
    x = golden_summary.random_frame(5, 40, 60)[None, None]
    path = tmp_path / "golden.npz"
    bundle_io.save_golden(str(path), [x], [np.zeros((1, 1, 80, 120), np.float32)], ["noise"], ["random"], seeds=[5])
    with np.load(str(path)) as data:
        arrays = {name: data[name] for name in data.files}
    arrays["input_sha256_0"] = np.array("0" * 64)
    with open(str(path), "wb") as handle:
        np.savez(handle, **arrays)
    with pytest.raises(EdgesrError, match="does not regenerate the golden random input 0"):
        bundle_io.load_golden(str(path))


def test_the_pcg64_raw_stream_is_the_one_bundles_were_made_with():
    # known answer: the first bytes of PCG64(0)'s raw stream; if numpy changed it, old bundles would
    # fail their sha256 of regenerated inputs (clearly) rather than be judged on other inputs
    assert golden_summary.seeded_bytes(0, 8).tolist() == [95, 130, 194, 217, 207, 235, 15, 163]


# ------------------------------------------------------------------------------------------------
# format 1


@pytest.fixture
def format1_copy(fixture_bundles, tmp_path):
    source = fixture_bundles.parent / "golden_format1" / FORMAT1
    shutil.copytree(str(source), str(tmp_path / FORMAT1))
    return tmp_path / FORMAT1


def test_format1_golden_data_still_checks(format1_copy, need):
    need("onnxruntime")
    manifest, results = check_bundle(str(format1_copy), runtimes=["onnxruntime"])
    assert "format" not in manifest["golden"]
    assert [r["status"] for r in results] == [PASS], results
    assert all(s.output is not None and s.summary is None for s in bundle_io.load_golden(str(format1_copy / "golden.npz")))


def test_format1_with_one_wrong_pixel_fails(format1_copy, need):
    need("onnxruntime")
    path = format1_copy / "golden.npz"
    with np.load(str(path)) as data:
        arrays = {name: data[name] for name in data.files}
    arrays["output_0"][0, 0, 10, 10] += 2 * FP32_TOL
    with open(str(path), "wb") as handle:
        np.savez(handle, **arrays)
    manifest = json.loads((format1_copy / "manifest.json").read_text())
    artifact = bundle_io.find_artifact(manifest, "onnx-fp32")
    result = check_artifact(str(format1_copy), artifact, bundle_io.load_golden(str(path)))
    assert result["status"] == FAIL, result
