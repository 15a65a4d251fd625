"""`edgesr bench|sweep --graph reference` measures the literal graph (the gain of the deployment forms stays measurable)."""

import json
import os
import subprocess
import sys


def _bench(tmp_path, graph):
    out = tmp_path / ("%s.json" % graph)
    cmd = [sys.executable, "-m", "edgesr", "bench", "eSR-MAX_s2_K3_C2", "--runtime", "onnxruntime",
           "--resolution", "64x48", "--duration-s", "0.05", "--iterations", "2", "--warmup-ms", "0",
           "--bundles", str(tmp_path / "bundles"), "--output", str(out), "--graph", graph]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    manifest = json.loads((tmp_path / "bundles" / "eSR-MAX_s2_K3_C2-cpu" / "manifest.json").read_text())
    onnx = next(a for a in manifest["artifacts"] if a["runtime"] == "onnxruntime")
    return json.loads(out.read_text()), onnx


def test_bench_graph_option_exports_and_records_the_chosen_graph(tmp_path):
    result, onnx = _bench(tmp_path, "reference")
    assert onnx["graph"] == "reference" and onnx["graph_rewrites"] == []
    assert result["graph"] == "reference"
    result, onnx = _bench(tmp_path, "optimised")  # other options: the bundle is exported again, not reused
    assert onnx["graph"] == "optimised" and onnx["graph_rewrites"]
    assert result["graph"] == "optimised" and result["export"]["status"] != "reused"


def test_sweep_help_explains_the_graph_option():
    done = subprocess.run([sys.executable, "-m", "edgesr", "sweep", "--help"], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "COLUMNS": "200"})
    assert done.returncode == 0 and "--graph {optimised,reference}" in done.stdout
