"""Task planning: skip stored results, dataset-major order with an even spread of models."""

from edgesr.eval import jobs
from edgesr.eval.datasets import resolve_dataset
from edgesr.eval.predictors import PRECISION
from edgesr_runtime.store import ResultStore


def test_spread_key_orders_any_prefix_evenly():
    order = sorted(range(8), key=jobs.spread_key)
    assert order == [0, 4, 2, 6, 1, 5, 3, 7]
    first_quarter = sorted(sorted(range(1000), key=jobs.spread_key)[:250])
    assert max(b - a for a, b in zip(first_quarter, first_quarter[1:])) <= 8


def test_plan_skips_stored_results_and_runs_dataset_by_dataset(tmp_path):
    set5, set14 = resolve_dataset("Set5"), resolve_dataset("Set14")
    models = ["Bicubic_s2", "Bicubic_s3", "Bicubic_s4", "ESPCN_s2_D0_S3"]
    with ResultStore(str(tmp_path / "r.db")) as store:
        store.put("quality", "Bicubic_s3", "torch", PRECISION, {"psnr": 1, "ssim": 1}, dataset="Set14")
        store.put("quality", "Bicubic_s4", "torch", PRECISION, {"psnr": 1, "ssim": 1}, dataset="Set5@standard-luma")
        tasks, done = jobs.plan(models, [set5, set14], "torch", store)
        assert done == 1
        assert [t.dataset.key for t in tasks] == ["Set5"] * 4 + ["Set14"] * 3
        assert [t.model for t in tasks[:4]] == ["Bicubic_s2", "Bicubic_s4", "Bicubic_s3", "ESPCN_s2_D0_S3"]
        assert [t.scale for t in tasks[:4]] == [2, 4, 3, 2]
        standard, done = jobs.plan(models, [set5], "torch", store, luma="standard")
        assert done == 1 and {t.dataset_key for t in standard} == {"Set5@standard-luma"}
        forced, done = jobs.plan(models, [set5, set14], "torch", store, force=True)
        assert done == 0 and len(forced) == 8
        other_runtime, done = jobs.plan(models, [set14], "onnxruntime", store)
        assert done == 0 and len(other_runtime) == 4
