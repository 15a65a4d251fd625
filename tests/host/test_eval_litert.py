"""``edgesr eval --runtime litert``: per-size FP32 TFLite files score like PyTorch, and are converted once."""

import importlib.util
import os
import time

import pytest

import edgesr
from edgesr.cli import main
from edgesr.eval import jobs, predictors
from edgesr.eval.datasets import resolve_dataset
from edgesr.eval.prepare import prepared
from edgesr.models import create_model, get_config
from edgesr_runtime.errors import MissingBackendError
from float32_bounds import assert_scores_agree, float32_atol

MODELS = ("eSR-MAX_s2_K3_C2", "FSRCNN_s2_D6_S1_M1")  # FSRCNN ×2: the even-scale ConvTranspose rewrite
MISSING = [name for name in predictors.LITERT_MODULES if importlib.util.find_spec(name) is None]
needs_litert = pytest.mark.skipif(bool(MISSING), reason="%s not importable (pip install -e \"./export[tflite]\")"
                                  % ", ".join(MISSING))


def run_tasks(runtime, cache_dir):
    """{model: quality payload} on Set5 through the CLI's path (jobs.run_task), with a fresh predictor each."""
    jobs._predictor.cache_clear()
    payloads = {}
    for model in MODELS:
        task = jobs.Task(model, get_config(model).scale, resolve_dataset("Set5"), runtime, onnx_dir=str(cache_dir))
        _, kind, payload = jobs.run_task(task)
        assert kind == jobs.QUALITY, payload
        payloads[model] = payload
    jobs._predictor.cache_clear()
    return payloads


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    """(cache dir, files after the first run, seconds of the first run, its payloads)."""
    cache = tmp_path_factory.mktemp("litert-cache")
    started = time.perf_counter()
    payloads = run_tasks("litert", cache)
    return cache, sorted(os.listdir(cache)), time.perf_counter() - started, payloads


@needs_litert
def test_litert_scores_equal_torch(converted):
    _, _, _, litert = converted
    torch = run_tasks("torch", converted[0])
    for model in MODELS:
        assert litert[model]["images"] == torch[model]["images"] == 5
        assert_scores_agree(litert[model], torch[model], float32_atol(create_model(model))), model


@needs_litert
def test_one_file_per_model_and_lr_size_reused_on_the_next_run(converted):
    cache, files, first_seconds, _ = converted
    sizes = {pair.lr.shape for pair in prepared(resolve_dataset("Set5"), 2).pairs}
    assert len(files) == len(MODELS) * len(sizes)
    for model in MODELS:
        for height, width in sizes:
            name = "%s_%dx%d_NHWC_edgesr-%s_" % (model, height, width, edgesr.__version__)
            assert sum(f.startswith(name) and f.endswith(".tflite") for f in files) == 1, (name, files)
    started = time.perf_counter()
    run_tasks("litert", cache)
    assert sorted(os.listdir(cache)) == files
    assert time.perf_counter() - started < first_seconds / 2


def test_cache_name_changes_with_the_edgesr_version(tmp_path, monkeypatch):
    predictor = predictors.LiteRTPredictor("Bicubic_s2", cache_dir=str(tmp_path))
    before = predictor.path(10, 12)
    assert os.path.basename(before).startswith("Bicubic_s2_10x12_NHWC_edgesr-%s_" % edgesr.__version__)
    monkeypatch.setattr(edgesr, "__version__", "9.9.9")
    assert predictors.LiteRTPredictor("Bicubic_s2", cache_dir=str(tmp_path)).path(10, 12) != before


def test_missing_converter_is_a_one_line_error_with_the_install_hint(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(predictors, "LITERT_MODULES", ("edgesr_no_such_litert_module",))
    with pytest.raises(MissingBackendError, match="edgesr_no_such_litert_module"):
        predictors.check_runtime("litert")
    code = main(["eval", "--models", "Bicubic_s2", "--datasets", "Set5", "--runtime", "litert",
                 "--store", str(tmp_path / "r.db"), "--workers", "1", "--no-progress"])
    lines = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(lines) == 1, lines
    assert lines[0].startswith("edgesr: error: ") and 'pip install -e "./export[tflite]"' in lines[0]
