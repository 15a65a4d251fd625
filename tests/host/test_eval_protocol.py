"""Protocol steps against values derived by hand on tiny arrays."""

import numpy as np
import pytest

from edgesr.eval import protocol
from edgesr.eval.imresize import MATLAB_CUBIC_A, imresize, mirror_indices, output_length, weight_matrix
from edgesr_runtime.resample import keys_cubic
from runtime.float32_error import UNIT_ROUNDOFF  # tests/runtime/float32_error.py


def test_luma_paper_order_swaps_red_and_blue_weights():
    pixel = np.array([[[10, 20, 30]]], dtype=np.uint8)  # R, G, B
    assert protocol.to_luma(pixel)[0, 0] == pytest.approx(0.114 * 10 + 0.587 * 20 + 0.299 * 30)  # 21.85
    assert protocol.to_luma(pixel, protocol.LUMA_STANDARD)[0, 0] == pytest.approx(18.15)
    red = np.array([[[255, 0, 0]]], dtype=np.uint8)
    assert protocol.to_luma(red)[0, 0] == pytest.approx(29.07)  # 0.114 · 255, not rounded
    assert protocol.to_luma(red, "standard")[0, 0] == pytest.approx(76.245)


def test_luma_keeps_gray_images_and_floats():
    gray = np.array([[0, 7], [128, 255]], dtype=np.uint8)
    out = protocol.to_luma(gray)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, gray.astype(np.float64))
    with pytest.raises(ValueError):
        protocol.to_luma(np.zeros((2, 2, 4)))
    with pytest.raises(ValueError):
        protocol.luma_weights("bgr")


def test_mod_crop_keeps_the_top_left_multiple_of_the_scale():
    image = np.arange(35).reshape(7, 5)
    cropped = protocol.mod_crop(image, 3)
    assert cropped.shape == (6, 3)
    np.testing.assert_array_equal(cropped, image[:6, :3])
    assert protocol.mod_crop(image[:6, :4], 2).shape == (6, 4)


def test_shave_drops_the_border_on_every_side():
    image = np.arange(36).reshape(6, 6)
    np.testing.assert_array_equal(protocol.shave(image, 2), [[14, 15], [20, 21]])
    assert protocol.shave(image, 0) is image


def test_limited_range_mapping():
    np.testing.assert_allclose(protocol.to_limited_range([0, 127.5, 255]), [16, 125.5, 235])


def test_model_output_is_clamped_and_scaled_without_rounding():
    out = protocol.model_output_to_luma(np.array([-0.1, 0.5, 0.50001, 1.2], dtype=np.float32))
    # 0.50001 was rounded to float32 (u = 2^-24 relative), then scaled in float64 (2^-53)
    np.testing.assert_allclose(out, [0, 127.5, 0.50001 * 255, 255], rtol=UNIT_ROUNDOFF + 2.0 ** -53, atol=0)
    assert out[2] != round(out[2])


def test_comparison_view_is_shave_then_limited_range():
    image = np.full((8, 8), 255.0)
    image[0, :] = 0
    view = protocol.comparison_view(image, 2)
    assert view.shape == (4, 4)
    np.testing.assert_array_equal(view, 235.0)


def test_cubic_kernel_values():
    # Keys, a = -0.5: 1.5|x|³ − 2.5|x|² + 1 on [0, 1]; −0.5|x|³ + 2.5|x|² − 4|x| + 2 on (1, 2].
    # These taps are dyadic rationals, exact in float64.
    np.testing.assert_array_equal(keys_cubic(np.array([0, 0.25, 0.75, 1, 1.25, 1.75, 2, 2.5]), MATLAB_CUBIC_A),
                                  [1, 0.8671875, 0.2265625, 0, -0.0703125, -0.0234375, 0, 0])
    assert keys_cubic(-0.75, MATLAB_CUBIC_A) == keys_cubic(0.75, MATLAB_CUBIC_A)


def test_mirror_indices_repeat_the_edge_sample():
    np.testing.assert_array_equal(mirror_indices(np.arange(-3, 7), 4), [2, 1, 0, 0, 1, 2, 3, 3, 2, 1])


def test_output_length_is_matlab_ceil():
    assert output_length(6, 1 / 3) == 2
    assert output_length(7, 1 / 3) == 3
    assert output_length(5, 2) == 10


def test_halving_weights_derived_by_hand():
    # 4 → 2 samples: output 1 sits at u = 1.5 (1-based); the kernel widened ×2 gives taps
    # 0.5·cubic(0.5·(u − i)) = −3, −9, 29, 111, 111, 29, −9, −3 (/256) for i = −2…5 (sum 1).
    # Symmetric reflection folds i = 0, −1, −2 onto samples 1, 2, 3 and i = 5 onto 4.
    first = np.array([35 / 64, 51 / 128, 13 / 128, -3 / 64])
    # float64 sums of up to 8 taps <= 1 folded together: a few u64 = 1.1e-16
    np.testing.assert_allclose(weight_matrix(4, 0.5), [first, first[::-1]], atol=1e-15)
    column = np.array([[0.0], [64.0], [128.0], [192.0]])
    np.testing.assert_allclose(imresize(column, 0.5)[:, 0], [29.5, 162.5])


def test_imresize_keeps_constants_and_interior_ramps():
    np.testing.assert_allclose(imresize(np.full((9, 12), 42.0), 1 / 3), np.full((3, 4), 42.0))
    ramp = np.tile(np.arange(24, dtype=np.float64), (24, 1))  # value = column index
    small = imresize(ramp, 1 / 4)
    # Output column j samples input position 4j + 1.5 (0-based); cubic reproduces linear signals.
    # float64, 2 passes of 16 taps (Σ|w| < 1.3) on values <= 23: <= 2·γ_16·1.3·23 = 1.1e-13
    np.testing.assert_allclose(small[:, 2:4], np.tile([9.5, 13.5], (6, 1)), atol=1e-12)


def test_imresize_resizes_height_then_width_separably():
    rng = np.random.default_rng(0)
    image = rng.uniform(0, 255, size=(12, 9))
    expected = weight_matrix(12, 1 / 3) @ image @ weight_matrix(9, 1 / 3).T
    out = imresize(image, 1 / 3)
    assert out.shape == (4, 3)
    np.testing.assert_allclose(out, expected)
    with pytest.raises(ValueError):
        imresize(np.zeros((2, 2, 3)), 0.5)


def test_upscaling_uses_the_unwidened_kernel():
    # ×2 up: output 1 sits at u = 0.75 → taps cubic(0.75 − i) for i = −1…2; i = 0 and −1 fold onto
    # samples 1 and 2: cubic(0.75) + cubic(0.25) = 35/32 and cubic(1.75) + cubic(1.25) = −3/32.
    matrix = weight_matrix(4, 2)
    assert matrix.shape == (8, 4)
    np.testing.assert_allclose(matrix[0], [35 / 32, -3 / 32, 0, 0], atol=1e-15)  # two float64 taps summed: a few u64
    np.testing.assert_allclose(matrix.sum(axis=1), 1)
