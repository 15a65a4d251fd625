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
    assert np.abs(ycc - pil).max() <= 1.5 / 255  # PIL rounds to 8 bits with integer arithmetic


@pytest.mark.parametrize("size", [(2, 2), (3, 3), (1.5, 1.25)])
def test_bicubic_matches_pil_inside_the_border(butterfly_rgb, size):
    plane = rgb_to_ycbcr(butterfly_rgb.astype(np.float32) / 255)[:, :, 1]
    out_h, out_w = int(plane.shape[0] * size[0]), int(plane.shape[1] * size[1])
    ours = resize_bicubic(plane, out_h, out_w, a=-0.5)  # PIL's kernel; the default -0.75 is OpenCV's
    pil = np.asarray(Image.fromarray(plane, "F").resize((out_w, out_h), Image.BICUBIC))
    assert ours.shape == (out_h, out_w) and ours.dtype == np.float32
    assert np.abs(ours - pil)[6:-6, 6:-6].max() < 1e-5  # PIL renormalises at borders, we replicate
