"""``edgesr bench`` on the host: export or reuse a bundle, race the runtimes, time the winner, store a row."""

import json
import os
import subprocess
import sys

import pytest

from edgesr_runtime.harness.request import PROBE_ITERATIONS
from edgesr_runtime.runners import available_runtimes
from edgesr_runtime.store import ResultStore

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODEL = "eSR-MAX_s2_K3_C1"
FAST = ["--resolution", "96x72", "--duration-s", "0.2", "--warmup-ms", "20", "--iterations", "3", "--frames", "3"]


def edgesr(*args, cwd=REPO):
    return subprocess.run([sys.executable, "-m", "edgesr"] + [str(a) for a in args], cwd=str(cwd),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=300)


def shared_bundles(tmp_path_factory):
    """One bundle folder per test session, so test_peers reuses the bundle exported here."""
    return tmp_path_factory.getbasetemp() / "edgesr-bundles"


@pytest.fixture(scope="module")
def auto_run(tmp_path_factory, shared_weights):
    for module in ("onnxruntime", "ai_edge_litert", "litert_torch", "edgesr_export"):
        pytest.importorskip(module, reason="%s is needed to export and time a cpu bundle" % module)
    folder = tmp_path_factory.mktemp("bench-auto")
    store, output = folder / "results.db", folder / "run.json"
    proc = edgesr("bench", MODEL, "--runtime", "auto", "--bundles", shared_bundles(tmp_path_factory),
                  "--store", store, "--output", output, "--power", "auto", "--json", *FAST)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout), proc.stderr, store, output


def test_auto_races_the_parity_checked_runtimes(auto_run):
    result = auto_run[0]
    record = result["auto"]
    assert len(record["candidates"]) >= 2
    assert record["chosen"] in record["candidates"] and result["runtime"] == record["chosen"]
    for entry in record["candidates"].values():
        assert entry["median_ms"] > 0 and entry["iterations"] >= PROBE_ITERATIONS
    assert record["chosen"] == min(record["candidates"], key=lambda r: record["candidates"][r]["median_ms"])
    assert set(record["excluded"]).isdisjoint(record["candidates"])
    assert result["bundle"].endswith("%s-cpu" % MODEL) and result["target"] == "cpu"


def test_result_has_latency_fps_and_honest_power(auto_run):
    result, stderr = auto_run[0], auto_run[1]
    assert result["schema"] == "edgesr-bench/1"
    assert result["input_shape"] == [1, 1, 36, 48] and result["output_shape"] == [1, 1, 72, 96]
    for key in ("median", "p90", "p99"):
        assert result["latency_ms"][key] > 0
    assert result["fps"] > 0 and result["iterations"] >= 3
    assert "=== Performance summary ===" in stderr
    if result["power"]["status"] != "ok":  # no readable meter here (no RAPL/INA3221/NVML)
        assert result["power_w"] is None and result["energy_mj_per_frame"] is None
        assert result["power"]["status"] == "unavailable" and "Power: unavailable (" in stderr


def test_json_file_and_store_row(auto_run):
    result, _, store, output = auto_run
    assert json.loads(output.read_text())["latency_ms"] == result["latency_ms"]
    with ResultStore(str(store)) as db:
        rows = db.rows(kind="latency", model=MODEL)
    assert [(r["runtime"], r["precision"], r["dataset"]) for r in rows] == [
        (result["runtime"], "fp32", "model:36x48")]
    assert rows[0]["payload"]["auto"]["chosen"] == result["runtime"]


def test_torch_is_the_eager_reference(tmp_path, shared_weights):
    proc = edgesr("bench", MODEL, "--runtime", "torch", "--no-store", "--output", tmp_path / "t.json", "--json",
                  "--power", "none", *FAST)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert (result["runtime"], result["artifact"], result["auto"]) == ("torch", "pytorch-eager", None)
    assert result["runner"]["version"].startswith("torch") and result["latency_ms"]["median"] > 0


def test_missing_runtime_is_one_line_with_the_install_hint(tmp_path):
    missing = [name for name, ok, _ in available_runtimes() if not ok]
    if not missing:
        pytest.skip("every runtime is installed here")
    proc = edgesr("bench", MODEL, "--runtime", missing[0], *FAST, cwd=tmp_path)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "%s is not installed" % missing[0] in lines[0] and "(fix: " in lines[0]
    assert not (tmp_path / "edgesr-bundles").exists()  # refused before exporting anything


def test_unknown_model_suggests_close_ids(tmp_path):
    proc = edgesr("bench", "eSR-MAX_s2_K3_C2x", cwd=tmp_path)
    assert proc.returncode == 2
    assert "did you mean" in proc.stderr and "eSR-MAX_s2_K3_C2" in proc.stderr
