"""Real weights on Set5 reproduce the paper's numbers; onnxruntime gives the torch numbers.

Tolerances come from the full measurement (docs/evaluation.md): over all 1185 models on Set5,
|ΔPSNR| has median 0.032 dB and 97% of models are within 0.10 dB (the outliers are ESPCN models with
S = 3 and the one-filter K3_C1 models at ×3); |ΔSSIM| is within 0.003 for 98% and at most 0.0047.
The largest model of each family and scale tested here measured |ΔPSNR| ≤ 0.069 dB and
|ΔSSIM| ≤ 0.0016. Bicubic has no learned weights and pins the data pipeline: ≤ 0.003 dB measured.
"""

import pytest

from edgesr.eval.datasets import resolve_dataset
from edgesr.eval.evaluate import evaluate
from edgesr.eval.prepare import prepared
from edgesr.eval.predictors import open_predictor
from edgesr.models import FAMILIES, create_model, get_config, list_models
from float32_bounds import assert_scores_agree, float32_atol

PSNR_TOLERANCE_DB = 0.10
SSIM_TOLERANCE = 0.003
BICUBIC_TOLERANCE_DB = 0.01
CASES = [list_models(family=family, scale=scale)[-1] for family in FAMILIES for scale in (2, 3, 4)]


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def set5_result(model_id, runtime="torch", **kwargs):
    config = get_config(model_id)
    return evaluate(open_predictor(runtime, model_id, **kwargs), prepared(resolve_dataset("Set5"), config.scale))


@pytest.mark.parametrize("model_id", CASES)
def test_set5_reproduces_the_paper(model_id):
    paper = get_config(model_id).paper
    result = set5_result(model_id)
    assert result["images"] == 5 and result["skipped"] == 0
    tolerance = BICUBIC_TOLERANCE_DB if model_id.startswith("Bicubic") else PSNR_TOLERANCE_DB
    assert result["psnr"] == pytest.approx(paper.psnr_db["Set5"], abs=tolerance)
    assert result["ssim"] == pytest.approx(paper.ssim["Set5"], abs=SSIM_TOLERANCE)


def test_onnxruntime_matches_torch(tmp_path):
    model_id = "eSR-TR_s3_K5_C4"
    torch_result = set5_result(model_id)
    onnx_result = set5_result(model_id, "onnxruntime", cache_dir=str(tmp_path))
    assert (tmp_path / (model_id + ".onnx")).is_file()
    assert_scores_agree(onnx_result, torch_result, float32_atol(create_model(model_id)))

