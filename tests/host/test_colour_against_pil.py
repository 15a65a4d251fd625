"""The device's colour conversion and bicubic resampling against PIL on a real photo (PIL is host-only)."""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from edgesr_runtime.colour import rgb_to_ycbcr
from edgesr_runtime.resample import resize_bicubic


BUTTERFLY = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "Set5" / "butterfly.png"  # ../shared


@pytest.fixture(scope="module")
def butterfly_rgb():
    if not BUTTERFLY.is_file():
        pytest.skip("../shared/datasets is not beside the checkout")
    return np.asarray(Image.open(BUTTERFLY).convert("RGB"))


def test_ycbcr_matches_pil(butterfly_rgb):
    ycc = rgb_to_ycbcr(butterfly_rgb.astype(np.float32) / 255)
    pil = np.asarray(Image.fromarray(butterfly_rgb).convert("YCbCr"), dtype=np.float32) / 255
    # PIL ends in a shift of 16-bit fixed-point sums to 8 bits (under one level, if it truncates) with
    # coefficients rounded to 2^-16 (3·255·2^-17 = 0.006 level); half a level more bounds the rest
    assert np.abs(ycc - pil).max() <= 1.5 / 255


@pytest.mark.parametrize("size", [(2, 2), (3, 3), (1.5, 1.25)])
def test_bicubic_matches_pil_inside_the_border(butterfly_rgb, size):
    plane = rgb_to_ycbcr(butterfly_rgb.astype(np.float32) / 255)[:, :, 1]
    out_h, out_w = int(plane.shape[0] * size[0]), int(plane.shape[1] * size[1])
    ours = resize_bicubic(plane, out_h, out_w, a=-0.5)  # PIL's kernel; the default -0.75 is OpenCV's
    pil = np.asarray(Image.fromarray(plane, "F").resize((out_w, out_h), Image.BICUBIC))
    assert ours.shape == (out_h, out_w) and ours.dtype == np.float32
    # PIL renormalises at borders, we replicate. Inside, two passes of 4 taps (Keys a = -0.5: Σ|w| <= 1.25) on
    # x in [0, 1]: ours in float32 within 2·γ_5·1.25² = 9.3e-7 of exact (4 products + the weight's rounding),
    # PIL (double sums) within its float32 intermediate and output roundings, u·(1.25² + 1.25²) = 1.9e-7
    assert np.abs(ours - pil)[6:-6, 6:-6].max() <= 1.2e-6
