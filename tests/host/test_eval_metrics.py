"""PSNR and SSIM against hand-computed values, and the reference SSIM against scikit-image."""

import math

import numpy as np
import pytest

from edgesr.eval import protocol
from edgesr.eval.datasets import image_files, read_image, resolve_dataset
from edgesr.eval.metrics import SsimReference, gaussian_window, ssim, ssim_skimage
from edgesr_runtime.metrics import mse, psnr


def test_psnr_of_a_known_mse():
    a = np.zeros((4, 4))
    b = np.full((4, 4), 5.0)  # MSE 25
    assert mse(a, b) == 25
    assert psnr(a, b) == pytest.approx(10 * math.log10(255 ** 2 / 25))  # 34.1514 dB
    c = a.copy()
    c[0, 0] = 16.0  # MSE 16²/16 = 16
    assert psnr(a, c) == pytest.approx(10 * math.log10(255 ** 2 / 16))
    assert psnr(a, a) == float("inf")


def test_limited_range_adds_a_constant_to_psnr():
    rng = np.random.default_rng(1)
    a, b = rng.uniform(0, 255, (20, 20)), rng.uniform(0, 255, (20, 20))
    shift = 20 * math.log10(255 / 219)  # ≈ 1.338 dB
    assert psnr(protocol.to_limited_range(a), protocol.to_limited_range(b)) == pytest.approx(psnr(a, b) + shift)


def test_gaussian_window_is_matlab_fspecial():
    taps = gaussian_window()
    assert len(taps) == 11 and taps.sum() == pytest.approx(1)
    x = np.arange(-5, 6)
    window = np.exp(-(x[:, None] ** 2 + x[None, :] ** 2) / (2 * 1.5 ** 2))
    np.testing.assert_allclose(np.outer(taps, taps), window / window.sum())


def test_ssim_of_identical_images_is_one():
    image = np.random.default_rng(2).uniform(0, 255, (32, 40))
    assert ssim(image, image) == 1.0  # numerator and denominator are the same float64 operations: exactly 1


def test_ssim_of_two_constant_images_by_hand():
    # Zero variances leave only the luminance term (2ab + C1) / (a² + b² + C1), C1 = (0.01·255)².
    c1 = (0.01 * 255) ** 2
    expected = (2 * 100 * 110 + c1) / (100 ** 2 + 110 ** 2 + c1)
    assert ssim(np.full((15, 15), 100.0), np.full((15, 15), 110.0)) == pytest.approx(expected)


def test_ssim_matches_a_brute_force_valid_window_computation():
    from scipy.signal import correlate2d

    rng = np.random.default_rng(3)
    x, y = rng.uniform(0, 255, (16, 19)), rng.uniform(0, 255, (16, 19))
    w = np.outer(gaussian_window(), gaussian_window())
    f = lambda img: correlate2d(img, w, mode="valid")  # noqa: E731 - 6×9 window centres, no padding
    mx, my = f(x), f(y)
    vx, vy, cxy = f(x * x) - mx ** 2, f(y * y) - my ** 2, f(x * y) - mx * my
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    expected = ((2 * mx * my + c1) * (2 * cxy + c2) / ((mx ** 2 + my ** 2 + c1) * (vx + vy + c2))).mean()
    # float64, two summation orders of 121-tap windows: the (co)variances err by <= γ_121·255² = 8.7e-10 against
    # σ_x² + σ_y² + C2 > 6000 for these uniform samples, so each window's SSIM by < 3e-13 per method
    assert ssim(x, y) == pytest.approx(expected, abs=1e-12)


def test_ssim_rejects_small_or_mismatched_images():
    with pytest.raises(ValueError):
        SsimReference(np.zeros((10, 30)))
    with pytest.raises(ValueError):
        SsimReference(np.zeros((20, 20))).ssim(np.zeros((20, 21)))


def test_reference_ssim_equals_scikit_image_on_real_images():
    """The measured basis for using our cached implementation: it is scikit-image's value to ~1e-15."""
    dataset = resolve_dataset("Set14")
    for path in image_files(dataset)[:3]:
        hr = protocol.to_luma(read_image(path))
        noisy = np.clip(hr + np.random.default_rng(4).normal(0, 8, hr.shape), 0, 255)
        a, b = protocol.to_limited_range(noisy), protocol.to_limited_range(hr)
        # float64, two implementations of 11+11-tap separable windows on values <= 235: the (co)variances err by
        # <= γ_22·235² = 1.3e-10 each, against σ_x² + σ_y² + C2 >= 58.5 in flat windows: < 1e-11 per window
        assert ssim(a, b) == pytest.approx(ssim_skimage(a, b), abs=1e-11)
