"""``python -m edgesr_runtime.bench`` as on a device: a subprocess where torch cannot be imported."""

import json
import os
import subprocess
import sys
import warnings

import pytest
import torch
from torch import nn

from edgesr_runtime.store import ResultStore

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Runs the bench module with an import hook that makes `import torch` (and torch.*) fail.
PRELUDE = """
import runpy, sys
class _NoTorch(object):
    def find_spec(self, name, path=None, target=None):
        if name == "torch" or name.startswith("torch."):
            raise ImportError("torch is blocked: the device side must not import it")
        return None
sys.meta_path.insert(0, _NoTorch())
sys.argv = ["edgesr_runtime.bench"] + sys.argv[1:]
runpy.run_module("edgesr_runtime.bench", run_name="__main__", alter_sys=True)
"""

FAST = ["--warmup-ms", "20", "--duration-s", "0.2", "--iterations", "5", "--frames", "3"]


def run_bench(*args):
    env = dict(os.environ, PYTHONPATH=os.path.join(REPO, "runtimes"))
    return subprocess.run([sys.executable, "-c", PRELUDE] + [str(a) for a in args], cwd=REPO, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=120)


@pytest.fixture(scope="module")
def onnx_files(tmp_path_factory):
    pytest.importorskip("onnxruntime", reason="onnxruntime not installed")
    torch.manual_seed(0)
    module = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.PixelShuffle(2)).eval()
    folder = tmp_path_factory.mktemp("bench")
    files = {"static": folder / "tiny_s2.onnx", "dynamic": folder / "model.onnx"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, torch.rand(1, 1, 24, 32), str(files["static"]), dynamo=False, opset_version=17,
                          input_names=["input"], output_names=["output"])
        torch.onnx.export(module, torch.rand(1, 1, 8, 8), str(files["dynamic"]), dynamo=False, opset_version=17,
                          input_names=["input"], output_names=["output"],
                          dynamic_axes={"input": {2: "H", 3: "W"}, "output": {2: "Hs", 3: "Ws"}})
    return files


def test_prelude_really_blocks_torch():
    proc = subprocess.run([sys.executable, "-c", PRELUDE.replace("runpy.run_module", "import torch #"), "x"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    assert proc.returncode != 0 and "torch is blocked" in proc.stderr


def test_bench_json_without_torch(onnx_files):
    proc = run_bench(onnx_files["static"], "--json", "--threads", "1", "--power", "none", *FAST)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["schema"] == "edgesr-bench/1"
    assert result["model"] == "tiny_s2" and result["runtime"] == "onnxruntime" and result["precision"] == "fp32"
    assert result["artifact"] == "tiny_s2.onnx" and result["input_shape"] == [1, 1, 24, 32]
    assert result["output_shape"] == [1, 1, 48, 64] and result["threads"] == 1
    assert result["iterations"] >= 5 and len(result["trace_ms"]) == result["iterations"]
    assert result["duration_s"] >= 0.2
    assert set(result["latency_ms"]) == {"min", "mean", "median", "p90", "p95", "p99", "std", "max"}
    assert result["power_w"] is None and result["energy_mj_per_frame"] is None
    assert result["power"]["status"] == "unavailable"
    assert result["cpu_usage_pct"] > 0 and result["peak_rss_mb"] > 0
    assert "environment" in result and result["settings"]["frames"] == 3
    assert "=== Performance summary ===" in proc.stderr and "Power: unavailable" in proc.stderr


def test_bench_dynamic_model_end_to_end_and_store(onnx_files, tmp_path):
    db = tmp_path / "results.db"
    proc = run_bench(onnx_files["dynamic"], "--model-id", "Tiny_s2", "--input-size", "30x40", "--end-to-end",
                     "--chroma", "numpy", "--power", "auto", "--store", db, "--device", "testbox", *FAST)
    assert proc.returncode == 0, proc.stderr
    assert "=== Performance summary ===" in proc.stdout and "percentile(90%)" in proc.stdout
    with ResultStore(str(db)) as store:
        (row,) = store.rows(kind="latency")
    assert (row["model"], row["runtime"], row["precision"], row["device"]) == ("Tiny_s2", "onnxruntime", "fp32",
                                                                                "testbox")
    assert row["dataset"] == "end-to-end:30x40"
    assert row["payload"]["mode"] == "end-to-end" and row["payload"]["input_shape"] == [1, 1, 30, 40]


def test_bench_dynamic_model_needs_a_scale(onnx_files):
    proc = run_bench(onnx_files["dynamic"], "--power", "none", *FAST)
    assert proc.returncode == 2 and "error:" in proc.stderr and "--scale" in proc.stderr


def test_bench_truncated_file_fails_cleanly(onnx_files, tmp_path):
    bad = tmp_path / "model.onnx"
    data = onnx_files["static"].read_bytes()
    bad.write_bytes(data[: len(data) // 2])
    db = tmp_path / "results.db"
    proc = run_bench(bad, "--power", "none", "--store", db, *FAST)
    assert proc.returncode == 2
    assert "model.onnx is not a valid ONNX file (truncated or corrupt?)" in proc.stderr
    assert "Traceback" not in proc.stderr
    with ResultStore(str(db)) as store:
        assert store.rows(kind="failure")[0]["status"] == "failed"


def test_bench_help():
    proc = run_bench("--help")
    assert proc.returncode == 0
    for flag in ("--runtime", "--threads", "--warmup-ms", "--duration-s", "--iterations", "--frames", "--power",
                 "--json", "--store", "--end-to-end"):
        assert flag in proc.stdout


def test_bench_accepts_a_bundle_folder(onnx_files, tmp_path):
    bundle = pytest.importorskip("edgesr_runtime.bundle", reason="the bundle reader is not in this checkout")
    folder = tmp_path / "Tiny_s2-rpi"
    folder.mkdir()
    (folder / "model.onnx").write_bytes(onnx_files["static"].read_bytes())
    manifest = {
        "schema": bundle.SCHEMA,
        "model": {"id": "Tiny_s2", "family": "Tiny", "scale": 2},
        "artifacts": [{"name": "onnx-fp32", "file": "model.onnx", "format": "onnx", "runtime": "onnxruntime",
                       "precision": "fp32", "layout": "NCHW", "input_shape": [1, 1, 24, 32], "valid": True,
                       "parity": {"passed": True, "max_abs_err": 0.0}}],
    }
    (folder / "manifest.json").write_text(json.dumps(manifest))
    proc = run_bench(folder, "--json", "--power", "none", *FAST)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert (result["model"], result["runtime"], result["artifact"]) == ("Tiny_s2", "onnxruntime", "model.onnx")
    # a bundle folder defaults to --runtime auto: the one checked artifact is the only candidate
    assert result["auto"]["chosen"] == "onnxruntime" and list(result["auto"]["candidates"]) == ["onnxruntime"]
    assert "never checked" not in json.dumps(result["auto"]["excluded"])


def test_bench_auto_never_times_an_unchecked_artifact(onnx_files, tmp_path):
    bundle = pytest.importorskip("edgesr_runtime.bundle", reason="the bundle reader is not in this checkout")
    folder = tmp_path / "Tiny_s2-cpu"
    folder.mkdir()
    (folder / "model.onnx").write_bytes(onnx_files["static"].read_bytes())
    manifest = {"schema": bundle.SCHEMA, "model": {"id": "Tiny_s2", "family": "Tiny", "scale": 2},
                "artifacts": [{"name": "onnx-fp32", "file": "model.onnx", "format": "onnx",
                               "runtime": "onnxruntime", "precision": "fp32", "layout": "NCHW"}]}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    proc = run_bench(folder, "--power", "none", *FAST)
    assert proc.returncode == 2
    assert "onnx-fp32: never checked against PyTorch" in proc.stderr
