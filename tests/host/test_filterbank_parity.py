"""eSR-MAX, Bicubic and C = 1 eSR-TM / eSR-TR as filter banks: the OpenCV runner against the PyTorch module
on a real image.

Tolerance: both sides compute each output as a float32 sum over the same ``taps`` products (the bank's
kernel frame: all taps of a ConvTranspose2d phase or of the K×K conv) of float32 weights and inputs in
[0, 1], then an exact max / exact copies. Each is within γ_(taps+1)·max_f Σ|k_f| of the exact value
(u = 2^-24, any summation order), so they differ by at most twice that (tests/runtime/float32_error.py).
"""

import numpy as np
import pytest
import torch

from edgesr.models import create_model
from edgesr_runtime import filterbank
from edgesr_runtime.runners import open_runner
from runtime.float32_error import conv_error  # tests/runtime/float32_error.py

pytest.importorskip("cv2", reason="OpenCV (opencv-python-headless) is not installed")

MODELS = ["eSR-MAX_s2_K3_C1", "eSR-MAX_s2_K7_C16", "eSR-MAX_s3_K5_C1", "eSR-MAX_s3_K3_C8", "eSR-MAX_s4_K7_C1",
          "eSR-MAX_s4_K5_C4", "Bicubic_s2", "Bicubic_s3", "Bicubic_s4", "eSR-TM_s2_K5_C1", "eSR-TM_s4_K3_C1",
          "eSR-TR_s3_K7_C1", "eSR-TR_s2_K3_C1"]


def float32_bound(bank):
    return conv_error(bank.kernels)  # two float32 evaluations, inputs in [0, 1]


@pytest.mark.parametrize("model_id", MODELS)
def test_runner_matches_pytorch_on_a_real_image(model_id, shared_weights, butterfly_luma, tmp_path):
    module = create_model(model_id, weights_dir=shared_weights).eval()
    bank = module.filter_bank()
    assert bank is not None and bank.scale == module(torch.zeros(1, 1, 4, 4)).shape[-1] // 4
    x = butterfly_luma[None, None, :, 1:]  # odd width: borders on every side, non-square
    path = tmp_path / "model.filters.npz"
    filterbank.save(bank, path, list(x.shape))
    with torch.inference_mode():
        expected = module(torch.from_numpy(np.ascontiguousarray(x))).numpy()
    with open_runner(None, path, threads=2) as runner:
        actual = runner.infer(x)
    assert actual.shape == expected.shape
    assert np.abs(actual - expected).max() <= float32_bound(bank)


@pytest.mark.parametrize("model_id", ["eSR-TM_s2_K3_C2", "eSR-TR_s2_K3_C4", "ESPCN_s2_D0_S3", "FSRCNN_s2_D6_S1_M1",
                                      "eSR-CNN_s2_C2_D1_S3"])
def test_other_families_have_no_filter_bank(model_id):
    assert getattr(create_model(model_id), "filter_bank", lambda: None)() is None
