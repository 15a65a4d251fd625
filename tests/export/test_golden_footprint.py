"""A Full-HD bundle's golden data fits in 1 MB (issue 13) and a right artifact passes the device check
against it: the summary (golden format 2) raises no false alarm where float32 sums are re-ordered."""

import pytest

from edgesr_runtime import bundle as bundle_io
from edgesr_runtime.check import PASS, check_bundle

from edgesr.exporting import export_sources
from edgesr.models.source import resolve_all

FULL_HD = "1920x1080"
GOLDEN_BUDGET = 1 << 20
# one per family, at each scale: x2 holds the largest golden input (960x540)
MODELS = ("eSR-TM_s2_K3_C2", "eSR-CNN_s3_C2_D1_S3", "Bicubic_s4")


@pytest.mark.parametrize("model_id", MODELS)
def test_full_hd_golden_data_fits_in_1_mb_and_checks(tmp_path, shared_weights, model_id):
    report = export_sources(resolve_all(model_id, shared_weights), "onnx", tmp_path, {"resolution": FULL_HD},
                            progress=False, log=lambda message: None)
    bundle = report.bundles[0]
    assert bundle.status == "exported" and bundle.valid, bundle
    folder = tmp_path / ("%s-onnx" % model_id)
    manifest = bundle_io.load_manifest(str(folder))
    assert manifest["golden"]["format"] == bundle_io.GOLDEN_FORMAT
    assert manifest["files"][bundle_io.GOLDEN]["bytes"] <= GOLDEN_BUDGET, manifest["files"][bundle_io.GOLDEN]
    samples = bundle_io.load_golden(str(folder / bundle_io.GOLDEN))
    assert all(s.output is None and s.summary.shape[2:] == (1080, 1920) for s in samples)
    _, results = check_bundle(str(folder))
    assert [r["status"] for r in results] == [PASS], results
