"""The committed device-test bundles (tests/runtime/fixtures/bundles) are what the exporter makes now.

Bytes are not compared (manifests carry dates and tool versions; converters need not be byte-stable).
What must hold: the same bundles with the same artifacts and shapes, the same golden inputs, golden
outputs equal up to float32 re-ordering, and every committed artifact passing parity on the fresh
golden data, with the exporter's tolerances.
"""

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from edgesr.models import create_model
from edgesr_runtime.bundle import load_golden
from edgesr_runtime.check import PASS, check_artifact
from runtime.fixture_bounds import WEIGHT_SUMS, fp32_bound  # tests/runtime/fixture_bounds.py

TESTS = Path(__file__).resolve().parents[1]
COMMITTED = TESTS / "runtime" / "fixtures" / "bundles"
ARTIFACT_KEYS = ("name", "file", "runtime", "precision", "layout", "input_shape", "output_shape", "valid")


def _generator():
    spec = importlib.util.spec_from_file_location("make_runtime_fixtures", str(TESTS / "make_runtime_fixtures.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def fresh(tmp_path_factory, shared_weights):
    for module in ("edgesr_export", "onnxruntime", "ai_edge_litert", "litert_torch"):
        pytest.importorskip(module, reason="%s is needed to export the fixture bundles" % module)
    out = tmp_path_factory.mktemp("fixtures") / "bundles"
    return [Path(folder) for folder in _generator().make(str(out))]


def _manifest(folder):
    return json.loads((folder / "manifest.json").read_text())


def test_the_same_bundles_and_artifacts(fresh):
    assert sorted(p.name for p in COMMITTED.iterdir()) == sorted(folder.name for folder in fresh)
    for folder in fresh:
        new, old = _manifest(folder), _manifest(COMMITTED / folder.name)
        assert new["model"] == old["model"] and new["input"] == old["input"] and new["options"] == old["options"]
        assert [[a.get(k) for k in ARTIFACT_KEYS] for a in new["artifacts"]] == \
            [[a.get(k) for k in ARTIFACT_KEYS] for a in old["artifacts"]]


def test_the_same_golden_data(fresh):
    for folder in fresh:
        new, old = load_golden(str(folder / "golden.npz")), load_golden(str(COMMITTED / folder.name / "golden.npz"))
        assert [(s.source, s.kind, s.shape) for s in new] == [(s.source, s.kind, s.shape) for s in old]
        for a, b in zip(new, old):
            np.testing.assert_array_equal(a.input, b.input)
            # PyTorch FP32 on another CPU sums in another order: two float32 evaluations of the model
            np.testing.assert_allclose(a.output, b.output, rtol=0, atol=fp32_bound(folder.name))


def test_committed_artifacts_pass_parity_on_fresh_golden_data(fresh):
    for folder in fresh:
        samples = load_golden(str(folder / "golden.npz"))
        for artifact in _manifest(COMMITTED / folder.name)["artifacts"]:
            result = check_artifact(str(COMMITTED / folder.name), artifact, samples)
            assert result["status"] == PASS, (folder.name, result)


@pytest.mark.parametrize("model_id", sorted(WEIGHT_SUMS))
def test_the_fixture_bounds_use_the_models_weight_sums(model_id, shared_weights):
    """tests/runtime/fixture_bounds.py derives the device tests' bounds from these Σ|w|: they must hold."""
    weight = create_model(model_id, weights_dir=shared_weights).filter.weight.detach().double().abs()
    sums = weight.flatten(1).sum(dim=1)  # per output channel; eSR-TM's first half are values, the rest keys
    parts = {"filter": sums} if "filter" in WEIGHT_SUMS[model_id] else \
        {"value": sums[:len(sums) // 2], "key": sums[len(sums) // 2:]}
    for part, stated in WEIGHT_SUMS[model_id].items():
        assert parts[part].max().item() <= stated < 1.01 * parts[part].max().item(), (part, parts[part].max())
